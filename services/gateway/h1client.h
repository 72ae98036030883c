/* h1client.h - HTTP/1.1 requests to plain-http upstreams over kept-alive TCP
 * connections, one set of connections per thread.
 *
 * This replaces libcurl on the gateway's hot path: a proxied request needs none of
 * curl's generality, and its per-request setup (reset, options, URL parsing, the multi
 * loop) cost more than the rest of the gateway together. Each thread keeps at most one
 * idle connection per upstream origin (no locking; a civetweb worker forwards one
 * request at a time); they are closed when the thread exits. A kept connection the
 * upstream has closed in the meantime is noticed before use, and a request that dies
 * on a reused connection before any byte of answer is sent once more on a new one
 * (as libcurl does).
 */
#ifndef GATEWAY_H1CLIENT_H
#define GATEWAY_H1CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "h1.h"

typedef struct h1c_request {
    const char *origin;         /* "http://host[:port][/prefix]" (the scheme must be http) */
    const char *method;         /* sent as is */
    const char *target;         /* "/path?query", already percent-encoded */
    const char *const *headers; /* NULL-terminated "Name: value" lines; "Name:" is skipped */
    const char *body;           /* may be NULL */
    size_t body_len;
    bool send_body;  /* send Content-Length and the body (even when 0 bytes) */
    bool head;       /* a HEAD request: the answer has no body whatever it says */
    long timeout_ms; /* the whole exchange, connecting included */
} h1c_request_t;

/* Where the answer goes. on_line sees the status line and the header lines of every
 * head, interim (1xx) ones included, so a new status line means "forget the previous
 * head". Either callback returns 0, or nonzero to stop the exchange. */
typedef struct h1c_sink {
    h1_line_fn on_line;
    int (*on_body)(void *arg, const char *data, size_t n);
    void *arg;
} h1c_sink_t;

enum h1c_result {
    H1C_OK = 0,
    H1C_REFUSED, /* no connection could be made: nothing was sent */
    H1C_TIMEOUT, /* no complete answer within timeout_ms */
    H1C_BROKEN,  /* the upstream closed or garbled the exchange */
    H1C_STOPPED, /* a sink callback stopped it */
    H1C_INVALID, /* the request itself is unusable (origin not http://, out of memory) */
};

/* Sends the request on this thread's connection to its origin and delivers the final
 * answer to sink; *status is its status on H1C_OK. Blocks the calling thread for at
 * most timeout_ms. */
enum h1c_result h1c_send(const h1c_request_t *req, const h1c_sink_t *sink, int *status);

/* Closes this thread's idle connections now (also done when the thread exits). */
void h1c_thread_cleanup(void);

#endif
