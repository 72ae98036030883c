/* errors.h - the one error convention of the code base.
 *
 * Functions return 0 on success or one of these negative codes; results go
 * out through pointer arguments. err_http_status() and err_code() are the one
 * place where a code becomes an HTTP status and a stable machine code.
 */
#ifndef COMMON_ERRORS_H
#define COMMON_ERRORS_H

enum err {
    ERR_OK = 0,
    ERR_INVALID = -1,      /* 400 VALIDATION_FAILED: a field is missing or wrong */
    ERR_UNAUTHORIZED = -2, /* 401 UNAUTHORIZED: no token or a bad one */
    ERR_FORBIDDEN = -3,    /* 403 FORBIDDEN: wrong role or not the owner */
    ERR_NOT_FOUND = -4,    /* 404 NOT_FOUND */
    ERR_CONFLICT = -5,     /* 409 CONFLICT: a state or uniqueness conflict */
    ERR_TOO_LARGE = -6,    /* 413 PAYLOAD_TOO_LARGE */
    ERR_MEDIA_TYPE = -7,   /* 415 UNSUPPORTED_MEDIA_TYPE */
    ERR_IDEM_MISMATCH = -8, /* 422 IDEMPOTENCY_KEY_REUSED */
    ERR_RATE_LIMITED = -9, /* 429 RATE_LIMITED */
    ERR_UNAVAILABLE = -10, /* 503 SERVICE_UNAVAILABLE: a dependency is down */
    ERR_RETRY = -11,       /* serialization failure or deadlock: retry the transaction */
    ERR_INTERNAL = -12,    /* 500 INTERNAL */
    ERR_MALFORMED = -13,   /* 400 MALFORMED_JSON */
};

/* The HTTP status for an error code (500 for anything unknown). */
int err_http_status(int err);

/* The stable machine code for an error code, e.g. "NOT_FOUND". */
const char *err_code(int err);

#endif
