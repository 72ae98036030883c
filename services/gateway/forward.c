/* forward.c - what the gateway passes through, written as allow-lists so that a
 * header nobody thought about is dropped rather than forwarded. */
#include "forward.h"

#include <string.h>
#include <strings.h>

/* Request headers services need. Stripe-Signature authenticates Stripe webhooks;
 * X-Webhook-Signature is the fake provider's signature (Khalti and eSewa put their
 * evidence in the query or body and are verified server-side, so need no header).
 * X-Courier-Timestamp and X-Courier-Signature sign a courier's status callback
 * (fulfillment). X-Request-Id and traceparent are set by the gateway itself. */
static const char *const request_headers[] = {
    "Authorization",       "Content-Type",        "Accept",        "Idempotency-Key",
    "Stripe-Signature",    "X-Webhook-Signature", "If-None-Match", "If-Modified-Since",
    "X-Courier-Timestamp", "X-Courier-Signature",
};

static const char *const response_headers[] = {
    "Location", "Retry-After",   "Cache-Control",    "X-Served-By",
    "ETag",     "Last-Modified", "WWW-Authenticate", "Content-Disposition",
};

static bool in_list(const char *name, const char *const *list, size_t n)
{
    if (name == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(name, list[i]) == 0)
            return true;
    return false;
}

bool fwd_request_header(const char *name)
{
    return in_list(name, request_headers, sizeof request_headers / sizeof request_headers[0]);
}

bool fwd_response_header(const char *name)
{
    return in_list(name, response_headers, sizeof response_headers / sizeof response_headers[0]);
}

static bool path_char_safe(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("-._~!$&'()*+,;=:@/", c) != NULL;
}

static bool is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int fwd_encode_path(const char *path, char *buf, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t at = 0;
    for (const unsigned char *p = (const unsigned char *)path; *p != '\0'; p++) {
        if (path_char_safe(*p) || (*p == '%' && is_hex(p[1]) && is_hex(p[2]))) {
            if (at + 1 >= len)
                return -1;
            buf[at++] = (char)*p;
        } else {
            if (at + 3 >= len)
                return -1;
            buf[at++] = '%';
            buf[at++] = hex[*p >> 4];
            buf[at++] = hex[*p & 15];
        }
    }
    if (at >= len)
        return -1;
    buf[at] = '\0';
    return 0;
}

bool fwd_header_value_safe(const char *value)
{
    if (value == NULL)
        return false;
    size_t n = strcspn(value, "\r\n");
    return value[n] == '\0' && n <= 8192;
}
