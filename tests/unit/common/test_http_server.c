/* test_http_server.c - the HTTP server over real sockets, driven with libcurl.
 *
 * One server on 127.0.0.1 (a free port chosen by the kernel) with a small route table
 * and a max_body of 1024 bytes serves every test in this file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/errors.h"
#include "common/http.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/log.h"
#include "common/metrics.h"

#define MAX_BODY 1024

static http_server_t *g_server;
static char g_base[64];
static atomic_bool g_ready = true;

/* ---- handlers --------------------------------------------------------------------------- */

/* POST /echo/:id: replies with the decoded id, the query "q" and the parsed body. */
static void echo(http_req_t *req)
{
    cJSON *body;
    if (http_json_body(req, &body) != 0)
        return;
    cJSON *out = cJSON_CreateObject();
    char q[64];
    cJSON_AddStringToObject(out, "id", http_param(req, "id"));
    cJSON_AddStringToObject(out, "route", http_route_pattern(req));
    if (http_query(req, "q", q, sizeof(q)))
        cJSON_AddStringToObject(out, "q", q);
    cJSON_AddItemToObject(out, "body", cJSON_Duplicate(body, 1));
    http_reply_json(req, 200, out);
}

static void item_get(http_req_t *req)
{
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "id", http_param(req, "id"));
    http_reply_json(req, 200, out);
}

static void item_delete(http_req_t *req)
{
    http_reply_json(req, 204, NULL);
}

/* POST /raw: echoes the body bytes back, whatever their encoding on the wire. */
static void raw(http_req_t *req)
{
    const char *data;
    size_t len;
    int rc = http_body(req, &data, &len);
    if (rc != 0) {
        http_reply_err(req, rc, NULL);
        return;
    }
    http_reply_raw(req, 200, "application/octet-stream", "X-Echo: yes\r\n", data, len);
}

static void silent(http_req_t *req)
{
    (void)req; /* returns without replying: the server must answer 500 */
}

static void limited(http_req_t *req)
{
    http_reply_err(req, ERR_RATE_LIMITED, NULL);
}

/* A store failure by its code in the query: conflict or retry. */
static void failure(http_req_t *req)
{
    const char *q = http_query_string(req);
    http_reply_failure(req, q != NULL && strcmp(q, "retry") == 0 ? ERR_RETRY : ERR_CONFLICT,
                       "the store is busy");
}

static void invalid(http_req_t *req)
{
    json_check_t chk;
    json_check_init(&chk);
    json_check_fail(&chk, "quantity", "must be an integer between 1 and 100");
    http_reply_invalid(req, &chk);
}

/* GET /things/:id/page: the route helpers; echoes the id, limit and cursor it read. */
static void paged(http_req_t *req)
{
    char buf[ID_UUID_LEN];
    json_check_t chk;
    int limit = 20;
    int64_t cursor = 0;
    const char *id = http_path_uuid(req, "id", "no such thing", buf);
    if (id == NULL)
        return;
    json_check_init(&chk);
    http_page_query(req, &chk, 100, &limit, &cursor);
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return;
    }
    cJSON *items = cJSON_CreateArray();
    cJSON *out = json_page(items, cursor);
    if (out != NULL && (cJSON_AddStringToObject(out, "id", id) == NULL ||
                        cJSON_AddNumberToObject(out, "limit", limit) == NULL)) {
        cJSON_Delete(out);
        out = NULL;
    }
    http_reply_json_or_500(req, 200, out);
}

static bool is_ready(void)
{
    return atomic_load(&g_ready);
}

static void extra_metrics(char **buf, size_t *len, size_t *cap)
{
    metrics_append(buf, len, cap, "store_test_extra{service=\"%s\"} %d\n", "test", 7);
}

static const http_route_t routes[] = {
    {"POST", "/echo/:id", echo},
    {"GET", "/items/:id", item_get},
    {"DELETE", "/items/:id", item_delete},
    {"POST", "/raw", raw},
    {"GET", "/silent", silent},
    {"GET", "/limited", limited},
    {"GET", "/invalid", invalid},
    {"GET", "/failure", failure},
    {"GET", "/things/:id/page", paged},
};

/* ---- client ----------------------------------------------------------------------------- */

struct resp {
    long status;
    char *body;
    size_t len;
    char *headers;
    size_t hlen;
    cJSON *json;
    long connects; /* new connections curl opened for this request */
};

struct upload {
    const char *data;
    size_t len, off;
};

static size_t grow(char **buf, size_t *len, const char *data, size_t n)
{
    char *nb = realloc(*buf, *len + n + 1);
    if (nb == NULL)
        return 0;
    memcpy(nb + *len, data, n);
    *len += n;
    nb[*len] = '\0';
    *buf = nb;
    return n;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct resp *r = arg;
    return grow(&r->body, &r->len, data, size * n);
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    struct resp *r = arg;
    return grow(&r->headers, &r->hlen, data, size * n);
}

static size_t on_read(char *buf, size_t size, size_t n, void *arg)
{
    struct upload *u = arg;
    size_t want = size * n, left = u->len - u->off;
    size_t k = want < left ? want : left;
    if (k > 300)
        k = 300; /* several chunks on the wire */
    memcpy(buf, u->data + u->off, k);
    u->off += k;
    return k;
}

struct call {
    const char *method;
    const char *path;
    const char *const *headers; /* NULL-terminated */
    const char *body;
    long body_len; /* -1: strlen(body) */
    bool chunked;
    CURL *handle; /* reuse this handle (keep-alive); NULL: a fresh one */
};

static void perform(const struct call *c, struct resp *r)
{
    memset(r, 0, sizeof(*r));
    CURL *h = c->handle ? c->handle : curl_easy_init();
    assert_non_null(h);
    char url[512];
    snprintf(url, sizeof(url), "%s%s", g_base, c->path);
    struct curl_slist *hdrs = NULL;
    for (const char *const *p = c->headers; p != NULL && *p != NULL; p++)
        hdrs = curl_slist_append(hdrs, *p);
    struct upload up = {0};

    assert_int_equal(curl_easy_setopt(h, CURLOPT_URL, url), CURLE_OK);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    if (c->chunked) {
        up.data = c->body;
        up.len = c->body_len >= 0 ? (size_t)c->body_len : strlen(c->body);
        hdrs = curl_slist_append(hdrs, "Transfer-Encoding: chunked");
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, &up);
    } else if (c->body != NULL) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE,
                         c->body_len >= 0 ? c->body_len : (long)strlen(c->body));
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK)
        fail_msg("%s %s: %s", c->method, c->path, curl_easy_strerror(rc));
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &r->connects);
    if (r->body != NULL)
        r->json = cJSON_Parse(r->body);

    /* Reset what this call set, so a reused handle starts clean. */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, NULL);
    curl_slist_free_all(hdrs);
    if (c->handle == NULL)
        curl_easy_cleanup(h);
}

static struct resp get(const char *path)
{
    struct resp r;
    struct call c = {.method = "GET", .path = path};
    perform(&c, &r);
    return r;
}

static struct resp post_json(const char *path, const char *body)
{
    struct resp r;
    const char *const headers[] = {"Content-Type: application/json", NULL};
    struct call c = {
        .method = "POST", .path = path, .headers = headers, .body = body, .body_len = -1};
    perform(&c, &r);
    return r;
}

static void resp_free(struct resp *r)
{
    free(r->body);
    free(r->headers);
    cJSON_Delete(r->json);
}

/* The value of a response header (case-insensitive name), copied into buf. */
static bool header(const struct resp *r, const char *name, char *buf, size_t len)
{
    size_t n = strlen(name);
    for (const char *p = r->headers; p != NULL && *p != '\0';) {
        const char *eol = strstr(p, "\r\n");
        if (eol == NULL)
            break;
        if ((size_t)(eol - p) > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            snprintf(buf, len, "%.*s", (int)(eol - v), v);
            return true;
        }
        p = eol + 2;
    }
    return false;
}

static const char *json_str(const cJSON *obj, const char *path1, const char *path2)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, path1);
    if (path2 != NULL)
        v = cJSON_GetObjectItemCaseSensitive(v, path2);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Asserts r is the error envelope with this status and code and a request id matching
 * the X-Request-Id header. */
static void assert_envelope(const struct resp *r, long status, const char *code)
{
    char rid[256];
    assert_int_equal(r->status, status);
    assert_non_null(r->json);
    assert_string_equal(json_str(r->json, "error", "code"), code);
    assert_non_null(json_str(r->json, "error", "message"));
    assert_true(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r->json, "error"), "details")));
    assert_true(header(r, "X-Request-Id", rid, sizeof(rid)));
    assert_string_equal(json_str(r->json, "request_id", NULL), rid);
}

/* ---- setup ------------------------------------------------------------------------------ */

static int setup(void **state)
{
    (void)state;
    log_init("test");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return -1;
    http_server_opts_t opts = {
        .service = "test",
        .listen = "127.0.0.1:0",
        .threads = 4,
        .max_body = MAX_BODY,
        .routes = routes,
        .route_count = sizeof(routes) / sizeof(routes[0]),
        .ready = is_ready,
        .metrics_extra = extra_metrics,
    };
    g_server = http_server_start(&opts);
    if (g_server == NULL)
        return -1;
    snprintf(g_base, sizeof(g_base), "http://127.0.0.1:%d", http_server_port(g_server));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    http_server_stop(g_server);
    curl_global_cleanup();
    return 0;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_http_server_healthz_is_ok(void **state)
{
    (void)state;
    struct resp r = get("/healthz");
    char v[64];
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"status\":\"ok\"}");
    assert_true(header(&r, "Content-Length", v, sizeof(v)));
    assert_string_equal(v, "15");
    resp_free(&r);
}

static void test_http_server_request_id_is_echoed(void **state)
{
    (void)state;
    const char *const headers[] = {"X-Request-Id: abc.DEF_1:2-3", NULL};
    struct call c = {.method = "GET", .path = "/healthz", .headers = headers};
    struct resp r;
    char v[256];
    perform(&c, &r);
    assert_true(header(&r, "X-Request-Id", v, sizeof(v)));
    assert_string_equal(v, "abc.DEF_1:2-3");
    resp_free(&r);
}

static void test_http_server_request_id_is_generated_when_absent(void **state)
{
    (void)state;
    struct resp r = get("/healthz");
    char v[256];
    assert_true(header(&r, "X-Request-Id", v, sizeof(v)));
    assert_true(id_is_uuid(v));
    resp_free(&r);
}

static void test_http_server_malformed_request_id_is_replaced(void **state)
{
    (void)state;
    const char *const headers[] = {"X-Request-Id: no spaces/allowed", NULL};
    struct call c = {.method = "GET", .path = "/healthz", .headers = headers};
    struct resp r;
    char v[256];
    perform(&c, &r);
    assert_true(header(&r, "X-Request-Id", v, sizeof(v)));
    assert_true(id_is_uuid(v));
    resp_free(&r);
}

static void test_http_server_unknown_path_is_404_envelope(void **state)
{
    (void)state;
    const char *const headers[] = {"X-Request-Id: req-404", NULL};
    struct call c = {.method = "GET", .path = "/nowhere", .headers = headers};
    struct resp r;
    perform(&c, &r);
    assert_envelope(&r, 404, "NOT_FOUND");
    assert_string_equal(json_str(r.json, "request_id", NULL), "req-404");
    resp_free(&r);
}

static void test_http_server_wrong_method_is_405_with_allow(void **state)
{
    (void)state;
    struct resp r;
    struct call c = {.method = "PUT", .path = "/items/7"};
    char allow[64];
    perform(&c, &r);
    assert_envelope(&r, 405, "METHOD_NOT_ALLOWED");
    assert_true(header(&r, "Allow", allow, sizeof(allow)));
    assert_string_equal(allow, "GET, DELETE");
    resp_free(&r);
}

static void test_http_server_path_params_are_decoded(void **state)
{
    (void)state;
    struct resp r = post_json("/echo/a%20b%2Fc", "{}");
    assert_int_equal(r.status, 200);
    assert_string_equal(json_str(r.json, "id", NULL), "a b/c");
    assert_string_equal(json_str(r.json, "route", NULL), "/echo/:id");
    resp_free(&r);
}

static void test_http_server_query_is_decoded(void **state)
{
    (void)state;
    struct resp r = post_json("/echo/x?a=1&q=hello%20world", "{}");
    assert_int_equal(r.status, 200);
    assert_string_equal(json_str(r.json, "q", NULL), "hello world");
    resp_free(&r);
}

static void test_http_server_json_body_is_parsed(void **state)
{
    (void)state;
    struct resp r = post_json("/echo/1", "{\"name\":\"x\",\"n\":3}");
    assert_int_equal(r.status, 200);
    assert_string_equal(json_str(r.json, "body", "name"), "x");
    resp_free(&r);
}

static void test_http_server_malformed_json_is_400(void **state)
{
    (void)state;
    struct resp r = post_json("/echo/1", "{\"name\": ");
    assert_envelope(&r, 400, "MALFORMED_JSON");
    resp_free(&r);
}

static void test_http_server_trailing_garbage_is_malformed(void **state)
{
    (void)state;
    struct resp r = post_json("/echo/1", "{} {}");
    assert_envelope(&r, 400, "MALFORMED_JSON");
    resp_free(&r);
}

static void test_http_server_embedded_nul_is_malformed(void **state)
{
    (void)state;
    const char *const headers[] = {"Content-Type: application/json", NULL};
    struct call c = {.method = "POST",
                     .path = "/echo/1",
                     .headers = headers,
                     .body = "{}\0{\"x\":1}",
                     .body_len = 10};
    struct resp r;
    perform(&c, &r);
    assert_envelope(&r, 400, "MALFORMED_JSON");
    resp_free(&r);
}

static void test_http_server_non_object_json_is_400(void **state)
{
    (void)state;
    struct resp r = post_json("/echo/1", "[1,2,3]");
    assert_envelope(&r, 400, "MALFORMED_JSON");
    resp_free(&r);
}

static void test_http_server_empty_body_is_malformed(void **state)
{
    (void)state;
    struct resp r = post_json("/echo/1", "");
    assert_envelope(&r, 400, "MALFORMED_JSON");
    resp_free(&r);
}

static void test_http_server_wrong_content_type_is_415(void **state)
{
    (void)state;
    const char *const headers[] = {"Content-Type: text/plain", NULL};
    struct call c = {
        .method = "POST", .path = "/echo/1", .headers = headers, .body = "{}", .body_len = -1};
    struct resp r;
    perform(&c, &r);
    assert_envelope(&r, 415, "UNSUPPORTED_MEDIA_TYPE");
    resp_free(&r);
}

static void test_http_server_json_charset_is_accepted(void **state)
{
    (void)state;
    const char *const headers[] = {"Content-Type: application/json; charset=utf-8", NULL};
    struct call c = {
        .method = "POST", .path = "/echo/1", .headers = headers, .body = "{}", .body_len = -1};
    struct resp r;
    perform(&c, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
}

static char *filled_json(size_t len)
{
    /* {"pad":"xxxx...."} of exactly len bytes */
    char *s = malloc(len + 1);
    assert_non_null(s);
    memset(s, 'x', len);
    memcpy(s, "{\"pad\":\"", 8);
    memcpy(s + len - 2, "\"}", 2);
    s[len] = '\0';
    return s;
}

static void test_http_server_body_over_limit_is_413(void **state)
{
    (void)state;
    char *big = filled_json(2 * MAX_BODY);
    struct resp r = post_json("/echo/1", big);
    assert_envelope(&r, 413, "PAYLOAD_TOO_LARGE");
    resp_free(&r);
    free(big);
}

static void test_http_server_chunked_body_over_limit_is_413(void **state)
{
    (void)state;
    char *big = filled_json(2 * MAX_BODY);
    const char *const headers[] = {"Content-Type: application/json", NULL};
    struct call c = {.method = "POST",
                     .path = "/echo/1",
                     .headers = headers,
                     .body = big,
                     .body_len = -1,
                     .chunked = true};
    struct resp r;
    perform(&c, &r);
    assert_envelope(&r, 413, "PAYLOAD_TOO_LARGE");
    resp_free(&r);
    free(big);
}

static void test_http_server_chunked_body_is_read(void **state)
{
    (void)state;
    char *body = filled_json(MAX_BODY - 24);
    const char *const headers[] = {"Content-Type: application/json", NULL};
    struct call c = {.method = "POST",
                     .path = "/raw",
                     .headers = headers,
                     .body = body,
                     .body_len = -1,
                     .chunked = true};
    struct resp r;
    char v[16];
    perform(&c, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, strlen(body));
    assert_memory_equal(r.body, body, r.len);
    assert_true(header(&r, "X-Echo", v, sizeof(v)));
    resp_free(&r);
    free(body);
}

static void test_http_server_body_at_limit_is_accepted(void **state)
{
    (void)state;
    char *body = filled_json(MAX_BODY);
    struct resp r = post_json("/echo/1", body);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    free(body);
}

static void test_http_server_expect_continue_body_is_read(void **state)
{
    (void)state;
    char *body = filled_json(900);
    const char *const headers[] = {"Content-Type: application/json", "Expect: 100-continue", NULL};
    struct call c = {
        .method = "POST", .path = "/echo/1", .headers = headers, .body = body, .body_len = -1};
    struct resp r;
    perform(&c, &r);
    assert_int_equal(r.status, 200);
    const char *first = strstr(r.headers, "100 Continue");
    assert_non_null(first);
    assert_null(strstr(first + 1, "100 Continue")); /* sent once, by us, not again by civetweb */
    resp_free(&r);
    free(body);
}

static void test_http_server_handler_without_reply_is_500(void **state)
{
    (void)state;
    struct resp r = get("/silent");
    assert_envelope(&r, 500, "INTERNAL");
    resp_free(&r);
}

static void test_http_server_rate_limited_has_retry_after(void **state)
{
    (void)state;
    struct resp r = get("/limited");
    char v[16];
    assert_envelope(&r, 429, "RATE_LIMITED");
    assert_true(header(&r, "Retry-After", v, sizeof(v)));
    assert_string_equal(v, "1");
    resp_free(&r);
}

static void test_http_server_store_failures_are_500_or_503(void **state)
{
    (void)state;
    /* A constraint failing on validated input is the service's bug. */
    struct resp r = get("/failure?conflict");
    assert_envelope(&r, 500, "INTERNAL");
    resp_free(&r);
    /* A transaction that kept conflicting is temporary: 503 with Retry-After. */
    r = get("/failure?retry");
    assert_envelope(&r, 503, "SERVICE_UNAVAILABLE");
    char v[16];
    assert_true(header(&r, "Retry-After", v, sizeof(v)));
    assert_string_equal(json_str(r.json, "error", "message"), "the store is busy");
    resp_free(&r);
}

static void test_http_server_invalid_names_fields(void **state)
{
    (void)state;
    struct resp r = get("/invalid");
    assert_envelope(&r, 400, "VALIDATION_FAILED");
    cJSON *details = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r.json, "error"), "details");
    assert_string_equal(json_str(details, "fields", "quantity"),
                        "must be an integer between 1 and 100");
    resp_free(&r);
}

static void test_http_server_readyz_follows_check(void **state)
{
    (void)state;
    struct resp r = get("/readyz");
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"status\":\"ready\"}");
    resp_free(&r);

    atomic_store(&g_ready, false);
    r = get("/readyz");
    atomic_store(&g_ready, true);
    char v[16];
    assert_envelope(&r, 503, "SERVICE_UNAVAILABLE");
    assert_true(header(&r, "Retry-After", v, sizeof(v)));
    resp_free(&r);
}

static void test_http_server_metrics_count_routes(void **state)
{
    (void)state;
    struct resp r = post_json("/echo/metrics", "{}");
    assert_int_equal(r.status, 200);
    resp_free(&r);
    r = get("/definitely/unknown");
    resp_free(&r);

    r = get("/metrics");
    char ct[128];
    assert_int_equal(r.status, 200);
    assert_true(header(&r, "Content-Type", ct, sizeof(ct)));
    assert_non_null(strstr(ct, "text/plain; version=0.0.4"));
    assert_non_null(strstr(r.body, "store_http_requests_total{service=\"test\",method=\"POST\","
                                   "route=\"/echo/:id\",status=\"200\"} "));
    assert_non_null(strstr(r.body, "store_http_requests_total{service=\"test\",method=\"GET\","
                                   "route=\"unmatched\",status=\"404\"} "));
    assert_non_null(strstr(r.body, "store_http_request_duration_seconds_bucket{service=\"test\","
                                   "route=\"/echo/:id\",le=\"+Inf\"} "));
    assert_non_null(strstr(r.body, "store_http_request_duration_seconds_count{service=\"test\","
                                   "route=\"/echo/:id\"} "));
    assert_non_null(strstr(r.body, "store_test_extra{service=\"test\"} 7\n"));
    resp_free(&r);
}

static void test_http_server_keeps_connection_alive(void **state)
{
    (void)state;
    CURL *h = curl_easy_init();
    struct call c = {.method = "GET", .path = "/items/1", .handle = h};
    struct resp r1, r2;
    char v[32];
    perform(&c, &r1);
    perform(&c, &r2);
    assert_int_equal(r1.status, 200);
    assert_int_equal(r2.status, 200);
    assert_true(header(&r2, "Connection", v, sizeof(v)));
    assert_string_equal(v, "keep-alive");
    assert_int_equal(r2.connects, 0); /* the second request reused the first connection */
    resp_free(&r1);
    resp_free(&r2);
    curl_easy_cleanup(h);
}

static void test_http_server_connection_recovers_after_413(void **state)
{
    (void)state;
    CURL *h = curl_easy_init();
    char *big = filled_json(4 * MAX_BODY);
    const char *const headers[] = {"Content-Type: application/json", NULL};
    struct call c1 = {.method = "POST",
                      .path = "/echo/1",
                      .headers = headers,
                      .body = big,
                      .body_len = -1,
                      .handle = h};
    struct call c2 = {.method = "GET", .path = "/items/2", .handle = h};
    struct resp r1, r2;
    perform(&c1, &r1);
    perform(&c2, &r2);
    assert_int_equal(r1.status, 413);
    assert_int_equal(r2.status, 200);
    assert_string_equal(json_str(r2.json, "id", NULL), "2");
    resp_free(&r1);
    resp_free(&r2);
    free(big);
    curl_easy_cleanup(h);
}

static void test_http_server_connection_reused_after_chunked_body(void **state)
{
    (void)state;
    CURL *h = curl_easy_init();
    const char *const headers[] = {"Content-Type: application/json", NULL};
    struct call c1 = {.method = "POST",
                      .path = "/raw",
                      .headers = headers,
                      .body = "{\"a\":1}",
                      .body_len = -1,
                      .chunked = true,
                      .handle = h};
    struct call c2 = {.method = "GET", .path = "/items/3", .handle = h};
    struct resp r1, r2;
    perform(&c1, &r1);
    perform(&c2, &r2);
    assert_int_equal(r1.status, 200);
    assert_int_equal(r2.status, 200);
    assert_int_equal(r2.connects, 0); /* the chunked body was consumed, so no reconnect */
    resp_free(&r1);
    resp_free(&r2);
    curl_easy_cleanup(h);
}

static void test_http_server_empty_reply_has_zero_length(void **state)
{
    (void)state;
    struct call c = {.method = "DELETE", .path = "/items/1"};
    struct resp r;
    char v[16];
    perform(&c, &r);
    assert_int_equal(r.status, 204);
    assert_true(header(&r, "Content-Length", v, sizeof(v)));
    assert_string_equal(v, "0");
    resp_free(&r);
}

static void fallback(http_req_t *req)
{
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "fallback", http_path(req));
    http_set_route_label(req, "/some/:label");
    cJSON_AddStringToObject(out, "route", http_route_pattern(req));
    http_reply_json(req, 200, out);
}

static void test_http_server_fallback_handles_unknown_paths(void **state)
{
    (void)state;
    http_server_opts_t opts = {
        .service = "fb",
        .listen = "127.0.0.1:0",
        .threads = 2,
        .routes = routes,
        .route_count = sizeof(routes) / sizeof(routes[0]),
        .fallback = fallback,
    };
    http_server_t *srv = http_server_start(&opts);
    assert_non_null(srv);
    char saved[64];
    memcpy(saved, g_base, sizeof(saved));
    snprintf(g_base, sizeof(g_base), "http://127.0.0.1:%d", http_server_port(srv));
    struct resp r = get("/some/where?x=1");
    struct resp r405;
    struct call c = {.method = "PUT", .path = "/items/1"};
    perform(&c, &r405);
    memcpy(g_base, saved, sizeof(saved));
    http_server_stop(srv);

    assert_int_equal(r.status, 200);
    assert_string_equal(json_str(r.json, "fallback", NULL), "/some/where");
    assert_string_equal(json_str(r.json, "route", NULL), "/some/:label");
    char *page = metrics_render("fb", NULL);
    assert_non_null(strstr(page, "method=\"GET\",route=\"/some/:label\",status=\"200\"}"));
    free(page);
    assert_int_equal(r405.status, 405); /* a known path with another method is not a fallback */
    resp_free(&r);
    resp_free(&r405);
}

static void test_http_server_busy_port_fails_to_start(void **state)
{
    (void)state;
    char listen[32];
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", http_server_port(g_server));
    http_server_opts_t opts = {.service = "dup", .listen = listen, .threads = 1};
    assert_null(http_server_start(&opts));
}

static void test_http_server_path_uuid_lowercases_and_page_query_reads(void **state)
{
    (void)state;
    struct resp r = get("/things/0A1B2C3D-4E5F-4A6B-8C7D-9E0FABCDEF12/page?limit=5&cursor=9");
    assert_int_equal(r.status, 200);
    assert_string_equal(json_str(r.json, "id", NULL), "0a1b2c3d-4e5f-4a6b-8c7d-9e0fabcdef12");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(r.json, "limit")->valueint, 5);
    assert_string_equal(json_str(r.json, "next_cursor", NULL), "9");
    resp_free(&r);
}

static void test_http_server_path_uuid_not_a_uuid_is_404(void **state)
{
    (void)state;
    struct resp r = get("/things/nope/page");
    assert_envelope(&r, 404, "NOT_FOUND");
    resp_free(&r);
}

static void test_http_server_page_query_rejects_bad_limit_and_cursor(void **state)
{
    (void)state;
    struct resp r = get("/things/0a1b2c3d-4e5f-4a6b-8c7d-9e0fabcdef12/page?limit=101&cursor=0");
    assert_envelope(&r, 400, "VALIDATION_FAILED");
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r.json, "error"),
                                         "details"),
        "fields");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(fields, "limit")->valuestring,
                        "must be an integer between 1 and 100");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(fields, "cursor")->valuestring,
                        "is not a cursor this list returned");
    resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_server_healthz_is_ok),
        cmocka_unit_test(test_http_server_request_id_is_echoed),
        cmocka_unit_test(test_http_server_request_id_is_generated_when_absent),
        cmocka_unit_test(test_http_server_malformed_request_id_is_replaced),
        cmocka_unit_test(test_http_server_unknown_path_is_404_envelope),
        cmocka_unit_test(test_http_server_wrong_method_is_405_with_allow),
        cmocka_unit_test(test_http_server_path_params_are_decoded),
        cmocka_unit_test(test_http_server_query_is_decoded),
        cmocka_unit_test(test_http_server_json_body_is_parsed),
        cmocka_unit_test(test_http_server_malformed_json_is_400),
        cmocka_unit_test(test_http_server_trailing_garbage_is_malformed),
        cmocka_unit_test(test_http_server_embedded_nul_is_malformed),
        cmocka_unit_test(test_http_server_non_object_json_is_400),
        cmocka_unit_test(test_http_server_empty_body_is_malformed),
        cmocka_unit_test(test_http_server_wrong_content_type_is_415),
        cmocka_unit_test(test_http_server_json_charset_is_accepted),
        cmocka_unit_test(test_http_server_body_over_limit_is_413),
        cmocka_unit_test(test_http_server_chunked_body_over_limit_is_413),
        cmocka_unit_test(test_http_server_chunked_body_is_read),
        cmocka_unit_test(test_http_server_body_at_limit_is_accepted),
        cmocka_unit_test(test_http_server_expect_continue_body_is_read),
        cmocka_unit_test(test_http_server_handler_without_reply_is_500),
        cmocka_unit_test(test_http_server_rate_limited_has_retry_after),
        cmocka_unit_test(test_http_server_invalid_names_fields),
        cmocka_unit_test(test_http_server_store_failures_are_500_or_503),
        cmocka_unit_test(test_http_server_readyz_follows_check),
        cmocka_unit_test(test_http_server_metrics_count_routes),
        cmocka_unit_test(test_http_server_keeps_connection_alive),
        cmocka_unit_test(test_http_server_connection_recovers_after_413),
        cmocka_unit_test(test_http_server_connection_reused_after_chunked_body),
        cmocka_unit_test(test_http_server_empty_reply_has_zero_length),
        cmocka_unit_test(test_http_server_fallback_handles_unknown_paths),
        cmocka_unit_test(test_http_server_busy_port_fails_to_start),
        cmocka_unit_test(test_http_server_path_uuid_lowercases_and_page_query_reads),
        cmocka_unit_test(test_http_server_path_uuid_not_a_uuid_is_404),
        cmocka_unit_test(test_http_server_page_query_rejects_bad_limit_and_cursor),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
