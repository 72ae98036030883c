/* proxy.c - forwards one request to an upstream with a per-thread libcurl handle.
 *
 * curl_easy_reset() between requests clears the options but keeps the handle's
 * connection cache, which is what gives keep-alive to upstreams. Redirects are
 * never followed: a Location from a service is the client's to follow.
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

/* Keeps Content-Type and the relayed headers of the final response. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
    exchange_t *x = arg;
    size_t n = size * nmemb;
    char line[8192];
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* A new status line (after a 1xx): forget the interim response's headers. */
        x->headers.len = 0;
        if (x->headers.data != NULL)
            x->headers.data[0] = '\0';
        free(x->content_type);
        x->content_type = NULL;
        return n;
    }
    if (n >= sizeof line)
        return n; /* no header worth relaying is this long */
    memcpy(line, data, n);
    line[n] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    char *colon = strchr(line, ':');
    if (colon == NULL)
        return n;
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
    return n;
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

int proxy_send(const proxy_request_t *req, proxy_response_t *out)
{
    int rc = ERR_UNAVAILABLE;
    exchange_t x = {.max_response = req->max_response};
    struct curl_slist *headers = NULL;
    char *url = NULL;
    memset(out, 0, sizeof *out);
    out->failure = PROXY_BROKEN;

    CURL *curl = thread_handle();
    size_t cap = strlen(req->base_url) + 3 * strlen(req->path) + 2 +
                 (req->query != NULL ? strlen(req->query) : 0) + 1;
    url = malloc(cap);
    if (curl == NULL || url == NULL) {
        rc = ERR_INTERNAL;
        goto out;
    }
    size_t at = (size_t)snprintf(url, cap, "%s", req->base_url);
    if (fwd_encode_path(req->path, url + at, cap - at) != 0) {
        rc = ERR_INTERNAL;
        goto out;
    }
    if (req->query != NULL && req->query[0] != '\0') {
        at = strlen(url);
        snprintf(url + at, cap - at, "?%s", req->query);
    }

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
    set |= curl_easy_setopt(curl, CURLOPT_WRITEDATA, &x);
    set |= curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    set |= curl_easy_setopt(curl, CURLOPT_HEADERDATA, &x);
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
    if (x.oom) {
        rc = ERR_INTERNAL;
        goto out;
    }
    if (res != CURLE_OK) {
        out->failure = classify(res, &x);
        /* The URL names an internal host: logs only, never the client's answer. */
        log_warn("upstream %s %s: %s", req->method, url, curl_easy_strerror(res));
        goto out;
    }
    if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status) != CURLE_OK) {
        rc = ERR_INTERNAL;
        goto out;
    }
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
    rc = 0;
out:
    /* The slist is referenced by the handle until the next reset; unhook it first. */
    if (curl != NULL)
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
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
