/* httpclient.c - outgoing HTTP over libcurl with one easy handle per thread.
 *
 * The handle is kept for the thread's life and only curl_easy_reset() between
 * requests: reset clears the options but keeps the connection cache, so calls to
 * the same peer reuse a kept-alive connection without any locking. A thread-specific
 * key's destructor frees the handle when its thread exits (e.g. an HTTP worker that
 * called a peer), so no thread has to remember hc_thread_cleanup().
 */
#include "common/httpclient.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/log.h"

/* Upper bound for the response header block; a peer sending more is misbehaving. */
#define HC_MAX_HEADERS        (64 * 1024)
#define HC_CONNECT_TIMEOUT_MS 2000L
/* Response body cap when the caller passes 0. */
#define HC_DEFAULT_MAX_RESPONSE (8 * 1024 * 1024)

static _Thread_local CURL *thread_handle;
static pthread_key_t handle_key;
static pthread_once_t handle_key_once = PTHREAD_ONCE_INIT;
static bool handle_key_ok;

/* Runs at the exit of a thread that made a handle (the key's value is the handle). */
static void handle_at_thread_exit(void *h)
{
    curl_easy_cleanup(h);
    thread_handle = NULL;
}

static void handle_key_create(void)
{
    handle_key_ok = pthread_key_create(&handle_key, handle_at_thread_exit) == 0;
}

typedef struct buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
    bool overflow;
} buf_t;

static bool buf_append(buf_t *b, const char *p, size_t n)
{
    if (n > b->max - b->len) {
        b->overflow = true;
        return false;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (d == NULL)
            return false;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    size_t n = size * nmemb;
    /* Returning less than n aborts the transfer with CURLE_WRITE_ERROR. */
    return buf_append(userdata, ptr, n) ? n : 0;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    buf_t *b = userdata;
    size_t n = size * nmemb;
    /* A new status line (after "100 Continue") starts the block of the final response. */
    if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0) {
        b->len = 0;
        if (b->data)
            b->data[0] = '\0';
        return n; /* the status line is not a header */
    }
    if (n == 2 && ptr[0] == '\r' && ptr[1] == '\n')
        return n;
    return buf_append(b, ptr, n) ? n : 0;
}

int hc_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : ERR_INTERNAL;
}

static CURL *handle(void)
{
    if (thread_handle != NULL) {
        curl_easy_reset(thread_handle);
        return thread_handle;
    }
    thread_handle = curl_easy_init();
    pthread_once(&handle_key_once, handle_key_create);
    if (thread_handle != NULL && handle_key_ok)
        pthread_setspecific(handle_key, thread_handle);
    return thread_handle;
}

/* Each setopt can only fail on an unknown option or out of memory; one check covers all. */
#define SETOPT(h, opt, val)                                                                        \
    do {                                                                                           \
        if (curl_easy_setopt((h), (opt), (val)) != CURLE_OK)                                       \
            setopt_failed = true;                                                                  \
    } while (0)

int hc_request(const char *method, const char *url, const char *const *headers, const char *body,
               size_t body_len, long timeout_ms, size_t max_response, hc_response_t *out)
{
    int rc = ERR_INTERNAL;
    struct curl_slist *list = NULL;
    buf_t rbody = {.max = max_response ? max_response : HC_DEFAULT_MAX_RESPONSE};
    buf_t rhead = {.max = HC_MAX_HEADERS};
    bool setopt_failed = false;

    memset(out, 0, sizeof *out);
    CURL *h = handle();
    if (h == NULL || method == NULL || url == NULL)
        goto out;

    for (const char *const *hp = headers; hp != NULL && *hp != NULL; hp++) {
        struct curl_slist *n = curl_slist_append(list, *hp);
        if (n == NULL)
            goto out;
        list = n;
    }
    /* No "Expect: 100-continue" round trip for request bodies. */
    struct curl_slist *n = curl_slist_append(list, "Expect:");
    if (n == NULL)
        goto out;
    list = n;

    long connect_ms =
        timeout_ms > 0 && timeout_ms < HC_CONNECT_TIMEOUT_MS ? timeout_ms : HC_CONNECT_TIMEOUT_MS;
    SETOPT(h, CURLOPT_URL, url);
    SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(h, CURLOPT_NOSIGNAL, 1L);
    SETOPT(h, CURLOPT_TCP_NODELAY, 1L);
    SETOPT(h, CURLOPT_TCP_KEEPALIVE, 1L);
    SETOPT(h, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 10000L);
    SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    SETOPT(h, CURLOPT_HTTPHEADER, list);
    SETOPT(h, CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(h, CURLOPT_WRITEDATA, &rbody);
    SETOPT(h, CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(h, CURLOPT_HEADERDATA, &rhead);
    SETOPT(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)rbody.max);

    if (strcmp(method, "GET") == 0 && body == NULL) {
        SETOPT(h, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(method, "HEAD") == 0) {
        SETOPT(h, CURLOPT_NOBODY, 1L);
    } else {
        if (body != NULL || strcmp(method, "GET") != 0) {
            SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
            SETOPT(h, CURLOPT_POSTFIELDS, body ? body : "");
        }
        if (strcmp(method, "POST") != 0)
            SETOPT(h, CURLOPT_CUSTOMREQUEST, method);
    }
    if (setopt_failed)
        goto out;

    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        if (rbody.overflow || cc == CURLE_FILESIZE_EXCEEDED) {
            rc = ERR_TOO_LARGE;
        } else {
            /* Without the query string: it may carry a provider's credentials. */
            log_warn("httpclient: %s %.*s failed: %s", method, (int)strcspn(url, "?#"), url,
                     curl_easy_strerror(cc));
            rc = ERR_UNAVAILABLE;
        }
        goto out;
    }
    if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status) != CURLE_OK)
        goto out;

    /* Always hand back NUL-terminated buffers, even for an empty body. */
    if (rbody.data == NULL && !buf_append(&rbody, "", 0))
        goto out;
    if (rhead.data == NULL && !buf_append(&rhead, "", 0))
        goto out;
    if (rbody.data == NULL || rhead.data == NULL)
        goto out;
    out->body = rbody.data;
    out->len = rbody.len;
    out->headers = rhead.data;
    rbody.data = NULL;
    rhead.data = NULL;
    rc = 0;
out:
    if (h != NULL)
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL); /* the list is freed below */
    curl_slist_free_all(list);
    free(rbody.data);
    free(rhead.data);
    if (rc != 0)
        out->status = 0;
    return rc;
}

void hc_response_free(hc_response_t *resp)
{
    if (resp == NULL)
        return;
    free(resp->body);
    free(resp->headers);
    resp->body = NULL;
    resp->headers = NULL;
    resp->len = 0;
}

void hc_thread_cleanup(void)
{
    if (thread_handle != NULL) {
        curl_easy_cleanup(thread_handle);
        thread_handle = NULL;
        if (handle_key_ok)
            pthread_setspecific(handle_key, NULL);
    }
}
