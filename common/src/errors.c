/* errors.c - the one place where an error code becomes an HTTP status and a machine code. */
#include "common/errors.h"

int err_http_status(int err)
{
    switch (err) {
    case ERR_OK:
        return 200;
    case ERR_INVALID:
    case ERR_MALFORMED:
        return 400;
    case ERR_UNAUTHORIZED:
        return 401;
    case ERR_FORBIDDEN:
        return 403;
    case ERR_NOT_FOUND:
        return 404;
    case ERR_CONFLICT:
        return 409;
    case ERR_TOO_LARGE:
        return 413;
    case ERR_MEDIA_TYPE:
        return 415;
    case ERR_IDEM_MISMATCH:
        return 422;
    case ERR_RATE_LIMITED:
        return 429;
    case ERR_UNAVAILABLE:
        return 503;
    default:
        /* ERR_RETRY reaching a client means the retries ran out: an internal failure. */
        return 500;
    }
}

const char *err_code(int err)
{
    switch (err) {
    case ERR_OK:
        return "OK";
    case ERR_INVALID:
        return "VALIDATION_FAILED";
    case ERR_MALFORMED:
        return "MALFORMED_JSON";
    case ERR_UNAUTHORIZED:
        return "UNAUTHORIZED";
    case ERR_FORBIDDEN:
        return "FORBIDDEN";
    case ERR_NOT_FOUND:
        return "NOT_FOUND";
    case ERR_CONFLICT:
        return "CONFLICT";
    case ERR_TOO_LARGE:
        return "PAYLOAD_TOO_LARGE";
    case ERR_MEDIA_TYPE:
        return "UNSUPPORTED_MEDIA_TYPE";
    case ERR_IDEM_MISMATCH:
        return "IDEMPOTENCY_KEY_REUSED";
    case ERR_RATE_LIMITED:
        return "RATE_LIMITED";
    case ERR_UNAVAILABLE:
        return "SERVICE_UNAVAILABLE";
    default:
        return "INTERNAL";
    }
}
