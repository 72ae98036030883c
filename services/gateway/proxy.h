/* proxy.h - one request to one upstream replica over libcurl.
 *
 * Each worker thread keeps its own curl easy handle (created on first use, freed
 * when the thread exits), so connections to upstreams stay open between requests
 * (keep-alive) with no locking. Call proxy_global_init from main before any thread.
 */
#ifndef GATEWAY_PROXY_H
#define GATEWAY_PROXY_H

#include <stddef.h>

typedef struct proxy_request {
    const char *method;
    const char *base_url;       /* "http://10.0.0.5:8081" (no trailing slash) */
    const char *path;           /* as the client sent it; see fwd_encode_path */
    const char *query;          /* raw query string without '?', or NULL */
    const char *const *headers; /* NULL-terminated "Name: value" lines to send */
    const char *body;           /* may be NULL */
    size_t body_len;
    long timeout_ms;     /* whole exchange */
    size_t max_response; /* bytes of body accepted from the upstream */
} proxy_request_t;

/* Why a request got no usable answer. */
enum proxy_failure {
    PROXY_NONE = 0,
    PROXY_REFUSED, /* nothing was sent: connection refused, unresolvable: another replica may do */
    PROXY_TIMEOUT, /* no complete answer within timeout_ms */
    PROXY_BROKEN,  /* the upstream closed or garbled the exchange midway */
    PROXY_TOO_LARGE, /* the answer exceeded max_response */
};

typedef struct proxy_response {
    long status;
    enum proxy_failure failure;
    char *content_type; /* NULL when the upstream sent none */
    char *headers;      /* relayed "Name: value\r\n" lines ("" when none); see forward.h */
    char *body;         /* NUL-terminated */
    size_t len;
} proxy_response_t;

/* Initializes libcurl (once, from main, before threads start). 0 or ERR_INTERNAL. */
int proxy_global_init(void);

/* Releases libcurl at exit, after every worker thread has stopped. */
void proxy_global_cleanup(void);

/* Sends the request and collects the answer. Returns 0 with *out filled for any HTTP
 * status, or ERR_UNAVAILABLE with out->failure saying why. Either way the caller
 * frees *out with proxy_response_free. Runs on the calling thread's handle. */
int proxy_send(const proxy_request_t *req, proxy_response_t *out);

/* Frees a response's buffers (safe on a zeroed or already freed response). */
void proxy_response_free(proxy_response_t *resp);

#endif
