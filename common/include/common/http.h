/* http.h - the HTTP server every service runs (civetweb underneath).
 *
 * Wiring is by a static route table: each entry is a method, a path pattern
 * whose ":name" segments are parameters, and a handler. The server adds
 * /healthz, /readyz and /metrics itself, gives every request an X-Request-Id
 * (taken from the request when it is well formed, otherwise new), writes one
 * access-log line per request and records Prometheus metrics by route and
 * status. civetweb is configured with tcp_nodelay and short keep-alive, as
 * the design's measured facts require.
 *
 * Threads: handlers run on civetweb worker threads, one request at a time per
 * thread; a http_req_t is valid only inside its handler.
 */
#ifndef COMMON_HTTP_H
#define COMMON_HTTP_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ids.h"
#include "common/json.h"

#define HTTP_MAX_PARAMS 4
#define HTTP_DEFAULT_MAX_BODY (1024 * 1024)

typedef struct http_req http_req_t;

/* A handler answers the request through one of the http_reply_* functions. Its return
 * value is ignored; if it returns without replying the server answers 500. */
typedef void (*http_handler_fn)(http_req_t *req);

typedef struct http_route {
    const char *method;      /* "GET", "POST", ... */
    const char *pattern;     /* "/products/:id/images" */
    http_handler_fn handler;
} http_route_t;

typedef struct http_server_opts {
    const char *service;          /* for logs and metrics */
    const char *listen;           /* "127.0.0.1:8081" (civetweb listening_ports syntax) */
    int threads;                  /* worker threads = concurrent connections served */
    size_t max_body;              /* bytes; 0 means HTTP_DEFAULT_MAX_BODY */
    const http_route_t *routes;   /* the static route table */
    size_t route_count;
    http_handler_fn fallback;     /* called when no route matches; NULL answers 404/405 */
    bool (*ready)(void);          /* /readyz check (database, Kafka); NULL means always ready */
    void (*metrics_extra)(char **buf, size_t *len, size_t *cap); /* appends to /metrics; may be NULL */
    void (*request_done)(void);   /* runs on the worker after each reply (db_release); may be NULL */
} http_server_opts_t;

typedef struct http_server http_server_t;

/* Starts listening; NULL (and a log line) when the port cannot be bound. */
http_server_t *http_server_start(const http_server_opts_t *opts);

/* Stops accepting, lets in-flight requests finish, frees the server. */
void http_server_stop(http_server_t *server);

/* The port actually bound (useful with port 0). */
int http_server_port(const http_server_t *server);

/* Matches a path against a pattern, filling up to HTTP_MAX_PARAMS name/value pairs
 * (values point into scratch, which must be at least strlen(path)+1 bytes). Pure.
 * Returns true on a match. */
bool http_match(const char *pattern, const char *path, char *scratch, const char **names,
                const char **values, int *count);

/* Request accessors. Strings are owned by the request. */
const char *http_method(const http_req_t *req);
const char *http_path(const http_req_t *req);
const char *http_query_string(const http_req_t *req); /* raw, NULL when absent */
const char *http_route_pattern(const http_req_t *req); /* the matched pattern or NULL */
const char *http_param(const http_req_t *req, const char *name); /* a ":name" path segment */
const char *http_header(const http_req_t *req, const char *name); /* case-insensitive */
const char *http_request_id(const http_req_t *req);
const char *http_remote_addr(const http_req_t *req);

/* Calls fn for every request header. */
void http_each_header(const http_req_t *req, void (*fn)(const char *name, const char *value,
                                                        void *arg),
                      void *arg);

/* Decoded value of a query parameter into buf; returns false when absent or too long. */
bool http_query(const http_req_t *req, const char *name, char *buf, size_t len);

/* The ":name" path segment lowercased into buf when it is a UUID; otherwise it has
 * replied 404 with message what (an id that cannot exist is simply not found) and
 * returns NULL. Returns buf. */
const char *http_path_uuid(http_req_t *req, const char *name, const char *what,
                           char buf[ID_UUID_LEN]);

/* The paging query parameters of a list: limit (an integer in [1, max]) into *limit and
 * cursor (a positive integer, as json_page gives out) into *cursor; either is left as it
 * was when absent. A bad one is recorded in chk; the caller replies. */
void http_page_query(http_req_t *req, json_check_t *chk, int max, int *limit, int64_t *cursor);

/* Reads the whole body (up to max_body). Returns 0, ERR_TOO_LARGE, or ERR_INTERNAL.
 * *data is owned by the request and NUL-terminated. */
int http_body(http_req_t *req, const char **data, size_t *len);

/* Reads and parses a JSON object body. On failure it has already replied
 * (413 too large, 415 not application/json, 400 malformed or not an object) and returns
 * a negative code; on success *out is owned by the request (do not free). */
int http_json_body(http_req_t *req, cJSON **out);

/* Names the route of this request in metrics and the access log (and in
 * http_route_pattern) when the fallback handler serves it, e.g. the gateway labels
 * requests with its own route patterns. label must outlive the request (a literal
 * or a static table entry). Added for the gateway (H-gateway). */
void http_set_route_label(http_req_t *req, const char *label);

/* Per-request slot for the caller (e.g. the authenticated principal). */
void http_set_user_data(http_req_t *req, void *data);
void *http_user_data(const http_req_t *req);

/* Replies with a JSON body (takes ownership of body; NULL sends no body). */
void http_reply_json(http_req_t *req, int status, cJSON *body);

/* Like http_reply_json, but a NULL body (a rendering that ran out of memory) is
 * answered 500 INTERNAL. */
void http_reply_json_or_500(http_req_t *req, int status, cJSON *body);

/* Replies with raw bytes. extra_headers is "Name: value\r\n..." or NULL. */
void http_reply_raw(http_req_t *req, int status, const char *content_type,
                    const char *extra_headers, const void *body, size_t len);

/* Replies with the error envelope {"error":{"code","message","details"},"request_id"}.
 * Takes ownership of details (may be NULL). Adds Retry-After to 429 and 503. */
void http_reply_error(http_req_t *req, int status, const char *code, const char *message,
                      cJSON *details);

/* Replies with the envelope for an error code from errors.h. */
void http_reply_err(http_req_t *req, int err, const char *message);

/* Replies to a failure of work on input that was already validated: a constraint that
 * fails (ERR_INVALID, ERR_CONFLICT) is the service's bug, 500; a transaction that kept
 * conflicting (ERR_RETRY) is temporary, 503 with unavailable as its message (NULL: the
 * default); anything else as http_reply_err. */
void http_reply_failure(http_req_t *req, int err, const char *unavailable);

/* Replies 400 VALIDATION_FAILED with the check's field details (takes them). */
void http_reply_invalid(http_req_t *req, json_check_t *chk);

/* True once a reply has been sent. */
bool http_replied(const http_req_t *req);

#endif
