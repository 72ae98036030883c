/* http.c - the HTTP server every service runs, over civetweb.
 *
 * civetweb hands every request to one begin_request callback (on_request), which
 * routes it through the static table, runs the handler and then records the
 * access-log line and metrics. Responses are written by this file, not by
 * civetweb, as one buffer (status line, headers and a small body in a single
 * write): with tcp_nodelay each write is a packet of its own.
 *
 * Paths are matched raw (civetweb runs with decode_url=no): a "%2F" inside a
 * segment stays inside that segment, and only the extracted parameter values are
 * percent-decoded. http_path() therefore returns the path as the client sent it.
 */
#include "common/http.h"

#include <civetweb.h>
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/text.h"

#define REQUEST_ID_MAX   128
#define SMALL_BODY_LIMIT (64 * 1024) /* bodies up to this size go out in the header's write */

struct http_server {
    struct mg_context *ctx;
    http_server_opts_t opts;
    size_t max_body;
};

struct http_req {
    struct mg_connection *conn;
    const struct mg_request_info *ri;
    http_server_t *srv;
    const char *path;
    const char *route;
    char request_id[REQUEST_ID_MAX + 1];

    char *scratch; /* the path, split into parameter values */
    const char *names[HTTP_MAX_PARAMS];
    const char *values[HTTP_MAX_PARAMS];
    int nparams;

    bool body_read;
    int body_err;
    bool body_drained; /* an oversized body was read and thrown away */
    char *body;
    size_t body_len;
    bool sent_continue;
    cJSON *json;

    void *user_data;
    bool replied;
    bool must_close;
    int status;
};

/* ---- path matching ---------------------------------------------------------------------- */

/* Parameter names are handed out as NUL-terminated strings, but a pattern such as
 * "/a/:x/b" has no NUL after "x" and the caller's scratch is only as long as the path.
 * So names are interned once in a process-wide pool that lives forever. Entries are
 * immutable once published, so readers scan them without the lock; the count is
 * published with release order after the entry is written. */
#define NAME_POOL_SIZE 256
#define NAME_MAX_LEN   64

static char g_names[NAME_POOL_SIZE][NAME_MAX_LEN];
static atomic_size_t g_names_count;
static pthread_mutex_t g_names_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *name_find(const char *s, size_t n, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (strncmp(g_names[i], s, n) == 0 && g_names[i][n] == '\0')
            return g_names[i];
    return NULL;
}

static const char *name_intern(const char *s, size_t n)
{
    if (n == 0 || n >= NAME_MAX_LEN)
        return NULL;
    size_t count = atomic_load_explicit(&g_names_count, memory_order_acquire);
    const char *found = name_find(s, n, 0, count);
    if (found != NULL)
        return found;
    pthread_mutex_lock(&g_names_lock);
    size_t now = atomic_load_explicit(&g_names_count, memory_order_relaxed);
    found = name_find(s, n, count, now);
    if (found == NULL && now < NAME_POOL_SIZE) {
        memcpy(g_names[now], s, n);
        g_names[now][n] = '\0';
        found = g_names[now];
        atomic_store_explicit(&g_names_count, now + 1, memory_order_release);
    }
    pthread_mutex_unlock(&g_names_lock);
    return found;
}

/* Segments are compared one by one: a literal must be equal (case-sensitive), a ":name"
 * takes any non-empty segment. Segment counts must agree, so "/products/" matches neither
 * "/products" nor "/products/:id". Values are not percent-decoded here. */
bool http_match(const char *pattern, const char *path, char *scratch, const char **names,
                const char **values, int *count)
{
    int n = 0;
    if (count != NULL)
        *count = 0;
    if (pattern == NULL || path == NULL || pattern[0] != '/' || path[0] != '/')
        return false;

    size_t pathlen = strlen(path);
    memcpy(scratch, path, pathlen + 1);
    const char *p = pattern + 1;
    char *s = scratch + 1;
    for (;;) {
        const char *pend = strchr(p, '/');
        size_t plen = pend ? (size_t)(pend - p) : strlen(p);
        char *send = strchr(s, '/');
        size_t slen = send ? (size_t)(send - s) : strlen(s);

        if (plen > 0 && p[0] == ':') {
            if (slen == 0 || n >= HTTP_MAX_PARAMS)
                return false;
            const char *name = name_intern(p + 1, plen - 1);
            if (name == NULL)
                return false;
            names[n] = name;
            values[n] = s;
            n++;
        } else if (plen != slen || memcmp(p, s, plen) != 0) {
            return false;
        }

        if ((pend == NULL) != (send == NULL))
            return false; /* one has more segments than the other */
        if (pend == NULL)
            break;
        *send = '\0'; /* ends the value of a parameter segment; harmless after a literal */
        p = pend + 1;
        s = send + 1;
    }
    if (count != NULL)
        *count = n;
    return true;
}

/* Decodes %XX escapes in place. False for an escape that decodes to NUL, which no
 * identifier can contain. A malformed escape is kept literally. */
static bool percent_decode(char *s)
{
    char *out = s;
    for (const char *in = s; *in != '\0'; in++) {
        if (in[0] == '%' && isxdigit((unsigned char)in[1]) && isxdigit((unsigned char)in[2])) {
            char hex[3] = {in[1], in[2], '\0'};
            char c = (char)strtol(hex, NULL, 16);
            if (c == '\0')
                return false;
            *out++ = c;
            in += 2;
        } else {
            *out++ = *in;
        }
    }
    *out = '\0';
    return true;
}

/* ---- accessors -------------------------------------------------------------------------- */

const char *http_method(const http_req_t *req)
{
    return req->ri->request_method;
}

const char *http_path(const http_req_t *req)
{
    return req->path;
}

const char *http_query_string(const http_req_t *req)
{
    return req->ri->query_string;
}

const char *http_route_pattern(const http_req_t *req)
{
    return req->route;
}

const char *http_param(const http_req_t *req, const char *name)
{
    for (int i = 0; i < req->nparams; i++)
        if (strcmp(req->names[i], name) == 0)
            return req->values[i];
    return NULL;
}

const char *http_header(const http_req_t *req, const char *name)
{
    return mg_get_header(req->conn, name);
}

const char *http_request_id(const http_req_t *req)
{
    return req->request_id;
}

const char *http_remote_addr(const http_req_t *req)
{
    return req->ri->remote_addr;
}

void http_each_header(const http_req_t *req,
                      void (*fn)(const char *name, const char *value, void *arg), void *arg)
{
    for (int i = 0; i < req->ri->num_headers; i++)
        fn(req->ri->http_headers[i].name, req->ri->http_headers[i].value, arg);
}

bool http_query(const http_req_t *req, const char *name, char *buf, size_t len)
{
    const char *qs = req->ri->query_string;
    if (qs == NULL || buf == NULL || len == 0)
        return false;
    return mg_get_var2(qs, strlen(qs), name, buf, len, 0) >= 0;
}

const char *http_path_uuid(http_req_t *req, const char *name, const char *what,
                           char buf[ID_UUID_LEN])
{
    const char *id = http_param(req, name);
    if (id == NULL || !id_is_uuid(id)) {
        http_reply_err(req, ERR_NOT_FOUND, what);
        return NULL;
    }
    id_lower(id, buf);
    return buf;
}

void http_page_query(http_req_t *req, json_check_t *chk, int max, int *limit, int64_t *cursor)
{
    /* Longer than any valid value, so an overlong one is rejected rather than unseen. */
    char buf[64];
    if (http_query(req, "limit", buf, sizeof buf)) {
        char *end = NULL;
        long v = strtol(buf, &end, 10);
        if (buf[0] == '\0' || *end != '\0' || v < 1 || v > max) {
            char msg[64];
            snprintf(msg, sizeof msg, "must be an integer between 1 and %d", max);
            json_check_fail(chk, "limit", msg);
        } else {
            *limit = (int)v;
        }
    }
    if (http_query(req, "cursor", buf, sizeof buf)) {
        char *end = NULL;
        long long v = strtoll(buf, &end, 10);
        if (buf[0] < '1' || buf[0] > '9' || *end != '\0' || v <= 0)
            json_check_fail(chk, "cursor", "is not a cursor this list returned");
        else
            *cursor = v;
    }
}

void http_set_user_data(http_req_t *req, void *data)
{
    req->user_data = data;
}

void *http_user_data(const http_req_t *req)
{
    return req->user_data;
}

bool http_replied(const http_req_t *req)
{
    return req->replied;
}

/* ---- writing responses ------------------------------------------------------------------ */

/* True when the comma-separated header value lists token (case-insensitive). */
static bool header_has_token(const char *value, const char *token)
{
    size_t tlen = strlen(token);
    const char *p = value;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *start = p;
        while (*p != '\0' && *p != ',')
            p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if ((size_t)(end - start) == tlen && strncasecmp(start, token, tlen) == 0)
            return true;
    }
    return false;
}

/* Mirrors civetweb's own keep-alive decision (enable_keep_alive is on) so that the
 * Connection header we announce is what civetweb then does with the socket. */
static bool keep_alive(const http_req_t *req)
{
    if (req->must_close)
        return false;
    const char *c = mg_get_header(req->conn, "Connection");
    if (c != NULL)
        return header_has_token(c, "keep-alive");
    return req->ri->http_version != NULL && strcmp(req->ri->http_version, "1.1") == 0;
}

/* Headers the server sets itself; copies from extra_headers are dropped, so a proxy can
 * pass an upstream's headers through without doubling them. */
static bool reserved_header(const char *name, size_t n)
{
    static const char *const reserved[] = {
        "Content-Length", "Transfer-Encoding", "Connection", "X-Request-Id", "Date", "Keep-Alive"};
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (strlen(reserved[i]) == n && strncasecmp(name, reserved[i], n) == 0)
            return true;
    return false;
}

static void add_extra_headers(strbuf_t *b, const char *extra)
{
    const char *p = extra;
    while (p != NULL && *p != '\0') {
        const char *eol = strpbrk(p, "\r\n");
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        if (colon != NULL && colon > p && !reserved_header(p, (size_t)(colon - p))) {
            strbuf_add(b, p, len);
            strbuf_str(b, "\r\n");
        }
        if (eol == NULL)
            break;
        p = eol + 1;
        if (*eol == '\r' && *p == '\n')
            p++;
    }
}

/* The request still has body bytes on the wire that nobody will read cheaply. */
static bool unread_body_is_costly(const http_req_t *req)
{
    if (req->body_read)
        return req->body_err != 0 && !req->body_drained;
    const char *expect = mg_get_header(req->conn, "Expect");
    const char *te = mg_get_header(req->conn, "Transfer-Encoding");
    /* A client waiting for "100 Continue" never sends the body: civetweb would wait for it
     * until request_timeout_ms. An oversized or chunked body is not worth draining. */
    return (expect != NULL && strcasecmp(expect, "100-continue") == 0) || te != NULL ||
           req->ri->content_length > (long long)req->srv->max_body;
}

static void send_response(http_req_t *req, int status, const char *content_type,
                          const char *extra_headers, const void *body, size_t len)
{
    if (req->replied) {
        log_error("second reply (%d) to %s %s ignored", status, http_method(req), req->path);
        return;
    }
    req->replied = true;
    req->status = status;

    if (unread_body_is_costly(req))
        req->must_close = true;
    bool keep = keep_alive(req);
    if (!keep)
        mg_disable_connection_keep_alive(req->conn);

    char line[256], date[64];
    struct tm tm;
    time_t now = time(NULL);
    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);

    char head[2048];
    strbuf_t b;
    strbuf_init(&b, head, sizeof head);
    snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Length: %zu\r\n", status,
             mg_get_response_code_text(req->conn, status), date, len);
    strbuf_str(&b, line);
    if (content_type != NULL) {
        strbuf_str(&b, "Content-Type: ");
        strbuf_str(&b, content_type);
        strbuf_str(&b, "\r\n");
    }
    strbuf_str(&b, "X-Request-Id: ");
    strbuf_str(&b, req->request_id);
    strbuf_str(&b, keep ? "\r\nConnection: keep-alive\r\n" : "\r\nConnection: close\r\n");
    add_extra_headers(&b, extra_headers);
    strbuf_str(&b, "\r\n");
    bool together = len <= SMALL_BODY_LIMIT;
    if (together && len > 0)
        strbuf_add(&b, body, len);

    if (b.failed) {
        log_error("out of memory writing a %d response", status);
        mg_disable_connection_keep_alive(req->conn);
        req->status = 500;
    } else if (mg_write(req->conn, b.p, b.len) <= 0 ||
               (!together && mg_write(req->conn, body, len) <= 0)) {
        log_debug("client went away before the %d response was written", status);
        mg_disable_connection_keep_alive(req->conn);
    }
    strbuf_free(&b);
}

void http_reply_raw(http_req_t *req, int status, const char *content_type,
                    const char *extra_headers, const void *body, size_t len)
{
    send_response(req, status, content_type, extra_headers, body, body ? len : 0);
}

void http_reply_json_or_500(http_req_t *req, int status, cJSON *body)
{
    if (body == NULL)
        http_reply_err(req, ERR_INTERNAL, NULL);
    else
        http_reply_json(req, status, body);
}

void http_reply_json(http_req_t *req, int status, cJSON *body)
{
    if (body == NULL) {
        send_response(req, status, NULL, NULL, NULL, 0);
        return;
    }
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    if (text == NULL) {
        http_reply_error(req, 500, "INTERNAL", "internal error", NULL);
        return;
    }
    send_response(req, status, "application/json", NULL, text, strlen(text));
    free(text);
}

void http_reply_error(http_req_t *req, int status, const char *code, const char *message,
                      cJSON *details)
{
    const char *extra = (status == 429 || status == 503) ? "Retry-After: 1\r\n" : NULL;
    char *text = NULL;
    cJSON *root = cJSON_CreateObject();
    cJSON *error = cJSON_AddObjectToObject(root, "error");
    if (error == NULL || cJSON_AddStringToObject(error, "code", code) == NULL ||
        cJSON_AddStringToObject(error, "message", message ? message : "") == NULL)
        goto out;
    /* details is always an object, so clients see one shape. */
    if (details == NULL)
        details = cJSON_CreateObject();
    if (details == NULL)
        goto out;
    cJSON_AddItemToObject(error, "details", details);
    details = NULL;
    if (cJSON_AddStringToObject(root, "request_id", req->request_id) == NULL)
        goto out;
    text = cJSON_PrintUnformatted(root);
out:
    cJSON_Delete(details);
    cJSON_Delete(root);
    if (text != NULL) {
        send_response(req, status, "application/json", extra, text, strlen(text));
        free(text);
    } else {
        /* Out of memory: still answer, in the same shape, without the details. */
        char fallback[256];
        int n = snprintf(fallback, sizeof(fallback),
                         "{\"error\":{\"code\":\"INTERNAL\",\"message\":\"internal error\","
                         "\"details\":{}},\"request_id\":\"%s\"}",
                         req->request_id);
        send_response(req, 500, "application/json", NULL, fallback, (size_t)n);
    }
}

static const char *default_message(int err)
{
    switch (err) {
    case ERR_INVALID:
        return "the request is invalid";
    case ERR_MALFORMED:
        return "the request body is not valid JSON";
    case ERR_UNAUTHORIZED:
        return "authentication required";
    case ERR_FORBIDDEN:
        return "not allowed";
    case ERR_NOT_FOUND:
        return "not found";
    case ERR_CONFLICT:
        return "conflict";
    case ERR_TOO_LARGE:
        return "the request body is too large";
    case ERR_MEDIA_TYPE:
        return "unsupported content type";
    case ERR_IDEM_MISMATCH:
        return "the Idempotency-Key was used with a different request";
    case ERR_RATE_LIMITED:
        return "too many requests";
    case ERR_UNAVAILABLE:
        return "a dependency is unavailable, try again";
    default:
        return "internal error";
    }
}

void http_reply_err(http_req_t *req, int err, const char *message)
{
    http_reply_error(req, err_http_status(err), err_code(err),
                     message ? message : default_message(err), NULL);
}

void http_reply_failure(http_req_t *req, int err, const char *unavailable)
{
    if (err == ERR_RETRY)
        err = ERR_UNAVAILABLE;
    if (err == ERR_INVALID || err == ERR_CONFLICT)
        err = ERR_INTERNAL;
    http_reply_err(req, err, err == ERR_UNAVAILABLE ? unavailable : NULL);
}

void http_reply_invalid(http_req_t *req, json_check_t *chk)
{
    http_reply_error(req, 400, err_code(ERR_INVALID), "some fields are invalid",
                     json_check_take_details(chk));
}

/* ---- reading the body ------------------------------------------------------------------- */

/* Reads and discards a declared body that is over the limit but not absurdly so. A
 * client that is still sending (a proxy streaming an upload) would otherwise see the
 * connection reset under it and never read our 413; past the drain limit, closing
 * is cheaper than reading. */
#define HTTP_DRAIN_LIMIT (16L * 1024 * 1024)
static void drain_body(http_req_t *req, long long cl)
{
    const char *expect = mg_get_header(req->conn, "Expect");
    if (cl > HTTP_DRAIN_LIMIT || (expect != NULL && strcasecmp(expect, "100-continue") == 0))
        return;
    char sink[16384];
    long long left = cl;
    while (left > 0) {
        int n =
            mg_read(req->conn, sink, left < (long long)sizeof sink ? (size_t)left : sizeof sink);
        if (n <= 0)
            return;
        left -= n;
    }
    req->body_drained = true;
}

static int read_body(http_req_t *req)
{
    size_t max = req->srv->max_body;
    long long cl = req->ri->content_length;
    /* Refuse by the declared length before keeping a byte of it. */
    if (cl > (long long)max) {
        drain_body(req, cl);
        return ERR_TOO_LARGE;
    }

    const char *expect = mg_get_header(req->conn, "Expect");
    if (expect != NULL && strcasecmp(expect, "100-continue") == 0 && !req->sent_continue) {
        req->sent_continue = true;
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        if (mg_write(req->conn, cont, sizeof(cont) - 1) <= 0)
            return ERR_INTERNAL;
    }

    size_t cap = cl >= 0 ? (size_t)cl + 1 : 4096;
    size_t len = 0;
    char *data = malloc(cap);
    if (data == NULL)
        return ERR_INTERNAL;
    for (;;) {
        if (cl >= 0 && len == (size_t)cl)
            break; /* all declared bytes are in: no need to grow for an end-of-body read */
        if (len + 1 >= cap) {
            /* Only chunked bodies (or a lying Content-Length) get here: count as we go. */
            if (len > max) {
                free(data);
                return ERR_TOO_LARGE;
            }
            size_t ncap = cap * 2 > max + 2 ? max + 2 : cap * 2;
            char *nd = realloc(data, ncap);
            if (nd == NULL) {
                free(data);
                return ERR_INTERNAL;
            }
            data = nd;
            cap = ncap;
        }
        int n = mg_read(req->conn, data + len, cap - len - 1);
        if (n < 0) {
            free(data);
            return ERR_INTERNAL;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > max) {
            free(data);
            return ERR_TOO_LARGE;
        }
    }
    data[len] = '\0';
    req->body = data;
    req->body_len = len;
    return 0;
}

int http_body(http_req_t *req, const char **data, size_t *len)
{
    if (!req->body_read) {
        req->body_read = true;
        req->body_err = read_body(req);
    }
    if (req->body_err != 0)
        return req->body_err;
    *data = req->body;
    *len = req->body_len;
    return 0;
}

static bool is_json_type(const char *ct)
{
    static const char want[] = "application/json";
    if (ct == NULL || strncasecmp(ct, want, sizeof(want) - 1) != 0)
        return false;
    char next = ct[sizeof(want) - 1];
    return next == '\0' || next == ';' || next == ' ' || next == '\t';
}

int http_json_body(http_req_t *req, cJSON **out)
{
    if (req->json != NULL) {
        *out = req->json;
        return 0;
    }
    if (!is_json_type(mg_get_header(req->conn, "Content-Type"))) {
        http_reply_error(req, 415, err_code(ERR_MEDIA_TYPE),
                         "Content-Type must be application/json", NULL);
        return ERR_MEDIA_TYPE;
    }
    const char *data;
    size_t len;
    int rc = http_body(req, &data, &len);
    if (rc == ERR_TOO_LARGE) {
        char msg[96];
        snprintf(msg, sizeof(msg), "the request body exceeds %zu bytes", req->srv->max_body);
        http_reply_error(req, 413, err_code(ERR_TOO_LARGE), msg, NULL);
        return rc;
    }
    if (rc != 0) {
        http_reply_err(req, rc, "the request body could not be read");
        return rc;
    }
    /* Length len + 1 takes in the terminating NUL, which cJSON's require_null_terminated
     * insists on seeing; parse_end then shows whether a NUL inside the body cut it short. */
    const char *end = NULL;
    cJSON *json = cJSON_ParseWithLengthOpts(data, len + 1, &end, 1);
    if (json == NULL || end != data + len) {
        cJSON_Delete(json);
        http_reply_error(req, 400, err_code(ERR_MALFORMED), "the request body is not valid JSON",
                         NULL);
        return ERR_MALFORMED;
    }
    if (!cJSON_IsObject(json)) {
        cJSON_Delete(json);
        http_reply_error(req, 400, err_code(ERR_MALFORMED),
                         "the request body must be a JSON object", NULL);
        return ERR_MALFORMED;
    }
    req->json = json;
    *out = json;
    return 0;
}

/* ---- dispatch --------------------------------------------------------------------------- */

static bool request_id_valid(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        unsigned char c = (unsigned char)s[n];
        if (n >= REQUEST_ID_MAX || !(isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-'))
            return false;
    }
    return n > 0;
}

static void reply_method_not_allowed(http_req_t *req, const char *allow)
{
    char extra[256];
    snprintf(extra, sizeof(extra), "Allow: %s\r\n", allow);
    char *text = NULL;
    cJSON *root = cJSON_CreateObject();
    cJSON *error = cJSON_AddObjectToObject(root, "error");
    if (error != NULL && cJSON_AddStringToObject(error, "code", "METHOD_NOT_ALLOWED") != NULL &&
        cJSON_AddStringToObject(error, "message", "method not allowed on this path") != NULL &&
        cJSON_AddObjectToObject(error, "details") != NULL &&
        cJSON_AddStringToObject(root, "request_id", req->request_id) != NULL)
        text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (text == NULL) {
        http_reply_err(req, ERR_INTERNAL, NULL);
        return;
    }
    send_response(req, 405, "application/json", extra, text, strlen(text));
    free(text);
}

static void handle_metrics(http_req_t *req)
{
    const http_server_opts_t *o = &req->srv->opts;
    size_t len = 0, cap;
    char *text = metrics_render(o->service, &len);
    if (text == NULL) {
        http_reply_err(req, ERR_INTERNAL, NULL);
        return;
    }
    cap = len + 1;
    if (o->metrics_extra != NULL)
        o->metrics_extra(&text, &len, &cap);
    http_reply_raw(req, 200, "text/plain; version=0.0.4; charset=utf-8", NULL, text, len);
    free(text);
}

/* The built-in routes; true when path was one of them (and has been answered). */
static bool builtin(http_req_t *req)
{
    static const char *const paths[] = {"/healthz", "/readyz", "/metrics"};
    const char *path = req->path;
    size_t i = 0;
    while (i < 3 && strcmp(path, paths[i]) != 0)
        i++;
    if (i == 3)
        return false;
    if (strcmp(http_method(req), "GET") != 0) {
        reply_method_not_allowed(req, "GET");
        return true;
    }
    req->route = paths[i];
    if (i == 0) {
        static const char ok[] = "{\"status\":\"ok\"}";
        http_reply_raw(req, 200, "application/json", NULL, ok, sizeof(ok) - 1);
    } else if (i == 1) {
        bool (*ready)(void) = req->srv->opts.ready;
        if (ready == NULL || ready()) {
            static const char ok[] = "{\"status\":\"ready\"}";
            http_reply_raw(req, 200, "application/json", NULL, ok, sizeof(ok) - 1);
        } else {
            http_reply_err(req, ERR_UNAVAILABLE, "not ready");
        }
    } else {
        handle_metrics(req);
    }
    return true;
}

static void dispatch(http_req_t *req)
{
    if (builtin(req))
        return;

    const http_server_opts_t *o = &req->srv->opts;
    const char *method = http_method(req);
    char allow[128] = "";
    const http_route_t *found = NULL;
    int count = 0;
    for (size_t i = 0; i < o->route_count; i++) {
        const http_route_t *r = &o->routes[i];
        if (!http_match(r->pattern, req->path, req->scratch, req->names, req->values, &count))
            continue;
        if (strcmp(r->method, method) == 0) {
            found = r;
            break;
        }
        /* The path exists with other methods: remember them for the Allow header. */
        size_t mlen = strlen(r->method);
        const char *hit = strstr(allow, r->method);
        bool listed = hit != NULL && (hit == allow || hit[-1] == ' ') &&
                      (hit[mlen] == ',' || hit[mlen] == '\0');
        if (!listed && strlen(allow) + mlen + 3 < sizeof(allow)) {
            if (allow[0] != '\0')
                strcat(allow, ", ");
            strcat(allow, r->method);
        }
    }

    if (found != NULL) {
        req->nparams = count;
        for (int i = 0; i < count; i++) {
            if (!percent_decode((char *)req->values[i])) {
                req->nparams = 0;
                http_reply_err(req, ERR_NOT_FOUND, NULL);
                return;
            }
        }
        req->route = found->pattern;
        found->handler(req);
    } else if (allow[0] != '\0') {
        reply_method_not_allowed(req, allow);
    } else if (o->fallback != NULL) {
        o->fallback(req);
    } else {
        http_reply_err(req, ERR_NOT_FOUND, "no such route");
    }
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Runs on a civetweb worker thread for every request. */
static int on_request(struct mg_connection *conn)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const struct mg_request_info *ri = mg_get_request_info(conn);
    http_server_t *srv = ri->user_data;

    http_req_t req;
    memset(&req, 0, sizeof(req));
    req.conn = conn;
    req.ri = ri;
    req.srv = srv;
    /* local_uri is NULL for an absolute URI naming another host: route it as unknown. */
    req.path = ri->local_uri ? ri->local_uri : "";

    const char *rid = mg_get_header(conn, "X-Request-Id");
    if (rid != NULL && request_id_valid(rid))
        snprintf(req.request_id, sizeof(req.request_id), "%s", rid);
    else
        id_uuid(req.request_id);
    log_set_request_id(req.request_id);

    char small[512];
    size_t need = strlen(req.path) + 1;
    req.scratch = need <= sizeof(small) ? small : malloc(need);
    if (req.scratch == NULL)
        http_reply_err(&req, ERR_INTERNAL, NULL);
    else
        dispatch(&req);

    if (!req.replied) {
        log_error("handler for %s %s returned without replying", http_method(&req), req.path);
        http_reply_err(&req, ERR_INTERNAL, NULL);
    }

    double secs = seconds_since(&t0);
    metrics_observe(http_method(&req), req.route ? req.route : "unmatched", req.status, secs);
    log_access(http_method(&req), req.path, req.route, req.status, secs);
    log_set_request_id(NULL);
    if (srv->opts.request_done != NULL)
        srv->opts.request_done();

    if (req.scratch != small)
        free(req.scratch);
    free(req.body);
    cJSON_Delete(req.json);
    return req.status;
}

/* civetweb's own errors (a malformed request line, headers too large, a timeout) come
 * here, so that they too carry the envelope and a request id. */
static int on_http_error(struct mg_connection *conn, int status, const char *msg)
{
    char rid[ID_UUID_LEN];
    char body[256], head[512];
    id_uuid(rid);
    const char *code = status == 413   ? "PAYLOAD_TOO_LARGE"
                       : status >= 500 ? "INTERNAL"
                       : status == 404 ? "NOT_FOUND"
                                       : "BAD_REQUEST";
    int blen = snprintf(body, sizeof(body),
                        "{\"error\":{\"code\":\"%s\",\"message\":\"%s\",\"details\":{}},"
                        "\"request_id\":\"%s\"}",
                        code, mg_get_response_code_text(conn, status), rid);
    int hlen = snprintf(head, sizeof(head),
                        "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                        "Content-Length: %d\r\nX-Request-Id: %s\r\nConnection: close\r\n\r\n",
                        status, mg_get_response_code_text(conn, status), blen, rid);
    log_warn("http error %d: %s", status, msg ? msg : "");
    mg_disable_connection_keep_alive(conn);
    if (mg_write(conn, head, (size_t)hlen) > 0)
        mg_write(conn, body, (size_t)blen);
    return 0;
}

static int on_log_message(const struct mg_connection *conn, const char *message)
{
    (void)conn;
    log_warn("civetweb: %s", message);
    return 1;
}

/* ---- lifecycle -------------------------------------------------------------------------- */

static pthread_once_t g_civetweb_once = PTHREAD_ONCE_INIT;

static void civetweb_init(void)
{
    mg_init_library(0);
}

http_server_t *http_server_start(const http_server_opts_t *opts)
{
    pthread_once(&g_civetweb_once, civetweb_init);

    http_server_t *srv = calloc(1, sizeof(*srv));
    if (srv == NULL)
        return NULL;
    srv->opts = *opts;
    if (srv->opts.service == NULL)
        srv->opts.service = "unknown";
    srv->max_body = opts->max_body ? opts->max_body : HTTP_DEFAULT_MAX_BODY;

    char threads[16];
    snprintf(threads, sizeof(threads), "%d", opts->threads > 0 ? opts->threads : 16);
    /* Measured on these machines: without tcp_nodelay every response waits ~40 ms on Nagle
     * plus delayed ACK; a keep-alive connection holds a worker, so its idle time is short. */
    const char *options[] = {
        "listening_ports",
        opts->listen ? opts->listen : "127.0.0.1:0",
        "num_threads",
        threads,
        "tcp_nodelay",
        "1",
        "enable_keep_alive",
        "yes",
        "keep_alive_timeout_ms",
        "500",
        "request_timeout_ms",
        "10000",
        "decode_url",
        "no",
        "linger_timeout_ms",
        "1000",
        NULL,
    };
    struct mg_callbacks callbacks;
    memset(&callbacks, 0, sizeof(callbacks));
    callbacks.begin_request = on_request;
    callbacks.http_error = on_http_error;
    callbacks.log_message = on_log_message;

    srv->ctx = mg_start(&callbacks, srv, options);
    if (srv->ctx == NULL) {
        log_error("cannot listen on %s", opts->listen ? opts->listen : "(null)");
        free(srv);
        return NULL;
    }
    log_info("listening on port %d with %s threads", http_server_port(srv), threads);
    return srv;
}

void http_server_stop(http_server_t *server)
{
    if (server == NULL)
        return;
    mg_stop(server->ctx);
    free(server);
}

int http_server_port(const http_server_t *server)
{
    struct mg_server_port ports[4];
    memset(ports, 0, sizeof(ports));
    int n = mg_get_server_ports(server->ctx, 4, ports);
    return n > 0 ? ports[0].port : -1;
}

/* Added for the gateway (H-gateway): its fallback handler serves every public route
 * and names the matched pattern here, so metrics and the access log group requests
 * by route rather than by raw path. */
void http_set_route_label(http_req_t *req, const char *label)
{
    req->route = label;
}
