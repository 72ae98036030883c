/* test_httpclient.c - the libcurl client against a local server: methods and bodies,
 * response headers, the response size cap, timeouts and unreachable peers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/errors.h"
#include "common/http.h"
#include "common/httpclient.h"
#include "common/log.h"

static http_server_t *srv;
static char base[64];

static void echo(http_req_t *req)
{
    const char *data;
    size_t len;
    if (http_body(req, &data, &len) != 0)
        return;
    char extra[128];
    snprintf(extra, sizeof extra, "X-Method: %s\r\n", http_method(req));
    http_reply_raw(req, 200, "text/plain", extra, data, len);
}

static void big(http_req_t *req)
{
    static char body[100000];
    memset(body, 'x', sizeof body);
    http_reply_raw(req, 200, "text/plain", NULL, body, sizeof body);
}

static void slow(http_req_t *req)
{
    /* Deliberately slower than the client's timeout. */
    struct timespec ts = {1, 0};
    nanosleep(&ts, NULL);
    http_reply_raw(req, 200, "text/plain", NULL, "late", 4);
}

static const http_route_t routes[] = {
    {"POST", "/echo", echo}, {"PUT", "/echo", echo}, {"DELETE", "/echo", echo},
    {"GET", "/echo", echo},  {"GET", "/big", big},   {"GET", "/slow", slow},
};

static int setup(void **state)
{
    (void)state;
    log_init("test_httpclient");
    if (hc_global_init() != 0)
        return -1;
    http_server_opts_t opts = {.service = "test_httpclient",
                               .listen = "127.0.0.1:0",
                               .threads = 4,
                               .routes = routes,
                               .route_count = sizeof routes / sizeof routes[0]};
    srv = http_server_start(&opts);
    if (srv == NULL)
        return -1;
    snprintf(base, sizeof base, "http://127.0.0.1:%d", http_server_port(srv));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hc_thread_cleanup();
    http_server_stop(srv);
    return 0;
}

static char *url(const char *path)
{
    static char buf[128];
    snprintf(buf, sizeof buf, "%s%s", base, path);
    return buf;
}

static void test_hc_post_sends_body_and_reads_headers(void **state)
{
    (void)state;
    const char *headers[] = {"Content-Type: text/plain", NULL};
    hc_response_t r;
    assert_int_equal(hc_request("POST", url("/echo"), headers, "hello", 5, 2000, 1024, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 5);
    assert_string_equal(r.body, "hello");
    assert_non_null(strstr(r.headers, "X-Method: POST"));
    assert_non_null(strstr(r.headers, "X-Request-Id: "));
    assert_null(strstr(r.headers, "HTTP/1.1")); /* the status line is not a header */
    hc_response_free(&r);
}

static void test_hc_other_methods(void **state)
{
    (void)state;
    hc_response_t r;
    assert_int_equal(hc_request("PUT", url("/echo"), NULL, "{}", 2, 2000, 1024, &r), 0);
    assert_non_null(strstr(r.headers, "X-Method: PUT"));
    assert_string_equal(r.body, "{}");
    hc_response_free(&r);
    assert_int_equal(hc_request("DELETE", url("/echo"), NULL, NULL, 0, 2000, 1024, &r), 0);
    assert_non_null(strstr(r.headers, "X-Method: DELETE"));
    assert_int_equal(r.len, 0);
    assert_string_equal(r.body, "");
    hc_response_free(&r);
    /* The handle is reset between uses: a GET after a DELETE is a GET. */
    assert_int_equal(hc_request("GET", url("/echo"), NULL, NULL, 0, 2000, 1024, &r), 0);
    assert_non_null(strstr(r.headers, "X-Method: GET"));
    hc_response_free(&r);
}

static void test_hc_error_status_is_not_an_error(void **state)
{
    (void)state;
    hc_response_t r;
    assert_int_equal(hc_request("GET", url("/nowhere"), NULL, NULL, 0, 2000, 4096, &r), 0);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "\"error\""));
    hc_response_free(&r);
}

static void test_hc_response_cap(void **state)
{
    (void)state;
    hc_response_t r;
    assert_int_equal(hc_request("GET", url("/big"), NULL, NULL, 0, 2000, 1000, &r), ERR_TOO_LARGE);
    assert_null(r.body);
    assert_int_equal(hc_request("GET", url("/big"), NULL, NULL, 0, 2000, 200000, &r), 0);
    assert_int_equal(r.len, 100000);
    hc_response_free(&r);
}

static void test_hc_timeout_is_unavailable(void **state)
{
    (void)state;
    hc_response_t r;
    assert_int_equal(hc_request("GET", url("/slow"), NULL, NULL, 0, 200, 1024, &r),
                     ERR_UNAVAILABLE);
    assert_int_equal(r.status, 0);
}

static void test_hc_unreachable_is_unavailable(void **state)
{
    (void)state;
    /* A port that was just bound and released: nothing listens there now. */
    http_server_opts_t opts = {.service = "gone", .listen = "127.0.0.1:0", .threads = 1};
    http_server_t *gone = http_server_start(&opts);
    assert_non_null(gone);
    char u[64];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/", http_server_port(gone));
    http_server_stop(gone);
    hc_response_t r;
    assert_int_equal(hc_request("GET", u, NULL, NULL, 0, 1000, 1024, &r), ERR_UNAVAILABLE);
    /* Only http and https are allowed. */
    assert_int_equal(hc_request("GET", "file:///etc/passwd", NULL, NULL, 0, 1000, 1024, &r),
                     ERR_UNAVAILABLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hc_post_sends_body_and_reads_headers),
        cmocka_unit_test(test_hc_other_methods),
        cmocka_unit_test(test_hc_error_status_is_not_an_error),
        cmocka_unit_test(test_hc_response_cap),
        cmocka_unit_test(test_hc_timeout_is_unavailable),
        cmocka_unit_test(test_hc_unreachable_is_unavailable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
