/* proxy.c - forwards one request to an upstream and collects the answer.
 *
 * http:// upstreams (every service of ours) go through h1client.c, a plain HTTP/1.1
 * client with per-thread keep-alive connections: measured with callgrind, libcurl's
 * per-request work (reset, options, URL parsing, the multi loop, header callbacks)
 * came to about 160k instructions of the gateway's 710k per proxied request, the
 * hand-written exchange to a fraction of that. https:// upstreams, should one be
 * configured, still use a per-thread libcurl handle (curl_easy_reset() between
 * requests keeps its connection cache). Either way the same filters decide what is
 * relayed. Redirects are never followed: a Location from a service is the client's.
 */
#include "proxy.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/errors.h"
#include "common/log.h"
#include "forward.h"
#include "h1client.h"

static pthread_key_t handle_key;
static pthread_once_t handle_once = PTHREAD_ONCE_INIT;

static void handle_free(void *handle)
{
    curl_easy_cleanup(handle);
}

static void handle_key_init(void)
{
    if (pthread_key_create(&handle_key, handle_free) != 0)
        abort(); /* only at start, and only when the process is out of keys */
}

int proxy_global_init(void)
{
    if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
        return ERR_INTERNAL;
    pthread_once(&handle_once, handle_key_init);
    return 0;
}

void proxy_global_cleanup(void)
{
    curl_global_cleanup();
}

/* This thread's handle, created on first use. */
static CURL *thread_handle(void)
{
    CURL *curl = pthread_getspecific(handle_key);
    if (curl != NULL) {
        curl_easy_reset(curl);
        return curl;
    }
    curl = curl_easy_init();
    if (curl != NULL && pthread_setspecific(handle_key, curl) != 0) {
        curl_easy_cleanup(curl);
        return NULL;
    }
    return curl;
}

typedef struct buf {
    char *data;
    size_t len, cap;
} buf_t;

static int buf_append(buf_t *b, const char *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (p == NULL)
            return -1;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

typedef struct exchange {
    buf_t body;
    buf_t headers;
    char *content_type;
    size_t max_response;
    bool too_large;
    bool oom;
} exchange_t;

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    exchange_t *x = arg;
    size_t n = size * nmemb;
    if (x->body.len + n > x->max_response) {
        x->too_large = true;
        return 0; /* aborts the transfer */
    }
    if (buf_append(&x->body, data, n) != 0) {
        x->oom = true;
        return 0;
    }
    return n;
}

/* Keeps Content-Type and the relayed headers of the final response: called with each
 * line of every head (the status line too), with or without its CRLF. Always 0: a
 * header not kept is simply dropped. */
static int keep_line(void *arg, const char *data, size_t n)
{
    exchange_t *x = arg;
    char line[8192];
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* A new status line (after a 1xx): forget the interim response's headers. */
        x->headers.len = 0;
        if (x->headers.data != NULL)
            x->headers.data[0] = '\0';
        free(x->content_type);
        x->content_type = NULL;
        return 0;
    }
    if (n >= sizeof line)
        return 0; /* no header worth relaying is this long */
    memcpy(line, data, n);
    line[n] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    char *colon = strchr(line, ':');
    if (colon == NULL)
        return 0;
    *colon = '\0';
    char *value = colon + 1;
    while (*value == ' ' || *value == '\t')
        value++;
    size_t vlen = strlen(value);
    while (vlen > 0 && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
        value[--vlen] = '\0';
    if (strcasecmp(line, "Content-Type") == 0) {
        free(x->content_type);
        x->content_type = strdup(value);
        x->oom |= x->content_type == NULL;
    } else if (fwd_response_header(line) && fwd_header_value_safe(value)) {
        if (buf_append(&x->headers, line, strlen(line)) != 0 ||
            buf_append(&x->headers, ": ", 2) != 0 || buf_append(&x->headers, value, vlen) != 0 ||
            buf_append(&x->headers, "\r\n", 2) != 0)
            x->oom = true;
    }
    return 0;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
    size_t n = size * nmemb;
    keep_line(arg, data, n);
    return n;
}

/* The h1client sink for the body: the same limits as libcurl's write callback. */
static int keep_body(void *arg, const char *data, size_t n)
{
    return on_body((char *)data, 1, n, arg) == n ? 0 : -1;
}

static bool sends_body(const char *method, size_t len)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
           strcmp(method, "PATCH") == 0 || (len > 0 && strcmp(method, "DELETE") == 0);
}

static enum proxy_failure classify(CURLcode rc, const exchange_t *x)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
        return PROXY_REFUSED;
    case CURLE_OPERATION_TIMEDOUT:
        return PROXY_TIMEOUT;
    case CURLE_WRITE_ERROR:
        return x->too_large ? PROXY_TOO_LARGE : PROXY_BROKEN;
    default:
        return PROXY_BROKEN;
    }
}

/* The exchange over libcurl (https:// upstreams). 0 with out->status set, or
 * ERR_UNAVAILABLE with out->failure set, or ERR_INTERNAL. */
static int send_curl(const proxy_request_t *req, const char *url, exchange_t *x,
                     proxy_response_t *out)
{
    int rc = ERR_UNAVAILABLE;
    struct curl_slist *headers = NULL;
    CURL *curl = thread_handle();
    if (curl == NULL)
        return ERR_INTERNAL;

    for (const char *const *h = req->headers; h != NULL && *h != NULL; h++) {
        struct curl_slist *next = curl_slist_append(headers, *h);
        if (next == NULL) {
            rc = ERR_INTERNAL;
            goto out;
        }
        headers = next;
    }

    CURLcode set = CURLE_OK;
    set |= curl_easy_setopt(curl, CURLOPT_URL, url);
    set |= curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    set |= curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    set |= curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
    set |= curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    set |= curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, req->timeout_ms);
    set |= curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    set |= curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    set |= curl_easy_setopt(curl, CURLOPT_WRITEDATA, x);
    set |= curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    set |= curl_easy_setopt(curl, CURLOPT_HEADERDATA, x);
    if (sends_body(req->method, req->body_len)) {
        set |= curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        set |= curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body != NULL ? req->body : "");
        if (strcmp(req->method, "POST") != 0)
            set |= curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
    } else if (strcmp(req->method, "HEAD") == 0) {
        set |= curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (strcmp(req->method, "GET") != 0) {
        set |= curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
    }
    if (set != CURLE_OK) {
        rc = ERR_INTERNAL;
        goto out;
    }

    CURLcode res = curl_easy_perform(curl);
    if (x->oom) {
        rc = ERR_INTERNAL;
        goto out;
    }
    if (res != CURLE_OK) {
        out->failure = classify(res, x);
        /* The URL names an internal host: logs only, never the client's answer. */
        log_warn("upstream %s %s: %s", req->method, url, curl_easy_strerror(res));
        goto out;
    }
    rc = curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status) == CURLE_OK ? 0
                                                                                   : ERR_INTERNAL;
out:
    /* The slist is referenced by the handle until the next reset; unhook it first. */
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
    return rc;
}

/* The exchange over h1client (http:// upstreams); the same contract as send_curl. */
static int send_plain(const proxy_request_t *req, const char *target, const char *url,
                      exchange_t *x, proxy_response_t *out)
{
    h1c_request_t h = {
        .origin = req->base_url,
        .method = req->method,
        .target = target,
        .headers = req->headers,
        .body = req->body,
        .body_len = req->body_len,
        .send_body = sends_body(req->method, req->body_len),
        .head = strcmp(req->method, "HEAD") == 0,
        .timeout_ms = req->timeout_ms,
    };
    h1c_sink_t sink = {.on_line = keep_line, .on_body = keep_body, .arg = x};
    int status = 0;
    enum h1c_result res = h1c_send(&h, &sink, &status);
    if (x->oom || res == H1C_INVALID)
        return ERR_INTERNAL;
    static const char *const why[] = {
        [H1C_REFUSED] = "could not connect",
        [H1C_TIMEOUT] = "timed out",
        [H1C_BROKEN] = "closed or garbled the exchange",
        [H1C_STOPPED] = "answer too large",
    };
    switch (res) {
    case H1C_OK:
        out->status = status;
        return 0;
    case H1C_REFUSED:
        out->failure = PROXY_REFUSED;
        break;
    case H1C_TIMEOUT:
        out->failure = PROXY_TIMEOUT;
        break;
    case H1C_STOPPED:
        out->failure = x->too_large ? PROXY_TOO_LARGE : PROXY_BROKEN;
        break;
    default:
        out->failure = PROXY_BROKEN;
        break;
    }
    /* The URL names an internal host: logs only, never the client's answer. */
    log_warn("upstream %s %s: %s", req->method, url, why[res]);
    return ERR_UNAVAILABLE;
}

int proxy_send(const proxy_request_t *req, proxy_response_t *out)
{
    int rc = ERR_INTERNAL;
    exchange_t x = {.max_response = req->max_response};
    memset(out, 0, sizeof *out);
    out->failure = PROXY_BROKEN;

    /* url = base_url + target, target = the encoded path and the query. */
    size_t base = strlen(req->base_url);
    size_t cap =
        base + 3 * strlen(req->path) + 2 + (req->query != NULL ? strlen(req->query) : 0) + 1;
    char *url = malloc(cap);
    if (url == NULL)
        goto out;
    memcpy(url, req->base_url, base);
    if (fwd_encode_path(req->path, url + base, cap - base) != 0)
        goto out;
    if (req->query != NULL && req->query[0] != '\0') {
        size_t at = strlen(url);
        snprintf(url + at, cap - at, "?%s", req->query);
    }

    if (strncmp(req->base_url, "http://", 7) == 0)
        rc = send_plain(req, url + base, url, &x, out);
    else
        rc = send_curl(req, url, &x, out);
    if (rc != 0)
        goto out;
    if (x.body.data == NULL && buf_append(&x.body, "", 0) != 0) {
        rc = ERR_INTERNAL;
        goto out;
    }
    if (x.headers.data == NULL && buf_append(&x.headers, "", 0) != 0) {
        rc = ERR_INTERNAL;
        goto out;
    }
    out->failure = PROXY_NONE;
    out->content_type = x.content_type;
    out->headers = x.headers.data;
    out->body = x.body.data;
    out->len = x.body.len;
    x.content_type = NULL;
    x.headers.data = NULL;
    x.body.data = NULL;
out:
    free(url);
    free(x.body.data);
    free(x.headers.data);
    free(x.content_type);
    return rc;
}

void proxy_response_free(proxy_response_t *resp)
{
    free(resp->content_type);
    free(resp->headers);
    free(resp->body);
    resp->content_type = NULL;
    resp->headers = NULL;
    resp->body = NULL;
}
