/* test_peer.c - calls to a peer's /internal routes (peer.c) against a local server:
 * the replica list from the environment, the service credential and request id sent,
 * JSON both ways, a dead replica skipped, 5xx and no replica as ERR_UNAVAILABLE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auth.h"
#include "common/errors.h"
#include "common/http.h"
#include "common/httpclient.h"
#include "common/log.h"
#include "common/peer.h"

static http_server_t *srv;
static char base[64];

/* Echoes the body's "n" back with the request id it was given. */
static void echo(http_req_t *req)
{
    cJSON *body;
    if (auth_require_service(req) != 0 || http_json_body(req, &body) != 0)
        return;
    cJSON *out = cJSON_CreateObject();
    const char *rid = http_header(req, "X-Request-Id");
    cJSON_AddItemToObject(out, "n", cJSON_Duplicate(cJSON_GetObjectItem(body, "n"), 1));
    cJSON_AddStringToObject(out, "rid", rid ? rid : "");
    http_reply_json(req, 200, out);
}

static void broken(http_req_t *req)
{
    http_reply_err(req, ERR_INTERNAL, NULL);
}

static void missing(http_req_t *req)
{
    if (auth_require_service(req) == 0)
        http_reply_err(req, ERR_NOT_FOUND, NULL);
}

static const http_route_t routes[] = {
    {"POST", "/internal/echo", echo},
    {"GET", "/internal/broken", broken},
    {"GET", "/internal/missing", missing},
};

static int setup(void **state)
{
    (void)state;
    log_init("test_peer");
    setenv("SERVICE_TOKEN", "peer-test-token", 1);
    auth_init(); /* no public key here: only the service credential matters */
    if (hc_global_init() != 0)
        return -1;
    http_server_opts_t opts = {.service = "test_peer",
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
    http_server_stop(srv);
    return 0;
}

static void test_peer_posts_json_with_credential_and_request_id(void **state)
{
    (void)state;
    peer_t *p;
    char urls[160];
    /* A trailing slash on the base is tolerated. */
    snprintf(urls, sizeof urls, "%s/", base);
    setenv("PEERTEST_URLS", urls, 1);
    assert_int_equal(peer_from_env("PEERTEST", &p), 0);
    assert_true(peer_configured(p));

    log_set_request_id("req-123");
    cJSON *body = cJSON_CreateObject();
    cJSON_AddNumberToObject(body, "n", 7);
    long status = 0;
    cJSON *out = NULL;
    assert_int_equal(peer_call(p, "POST", "/internal/echo", body, 2000, &status, &out), 0);
    assert_int_equal(status, 200);
    assert_non_null(out);
    assert_int_equal(cJSON_GetObjectItem(out, "n")->valueint, 7);
    assert_string_equal(cJSON_GetObjectItem(out, "rid")->valuestring, "req-123");
    log_set_request_id(NULL);
    cJSON_Delete(out);
    cJSON_Delete(body);
    peer_free(p);
    unsetenv("PEERTEST_URLS");
}

static void test_peer_skips_a_dead_replica(void **state)
{
    (void)state;
    peer_t *p;
    char urls[200];
    /* Port 9 (discard) on loopback: nothing listens, the connection is refused. */
    snprintf(urls, sizeof urls, "http://127.0.0.1:9, %s", base);
    setenv("PEERTEST_URL", urls, 1);
    assert_int_equal(peer_from_env("PEERTEST", &p), 0);
    cJSON *body = cJSON_CreateObject();
    for (int i = 0; i < 4; i++) {
        long status = 0;
        cJSON *out = NULL;
        assert_int_equal(peer_call(p, "POST", "/internal/echo", body, 2000, &status, &out), 0);
        assert_int_equal(status, 200);
        cJSON_Delete(out);
    }
    cJSON_Delete(body);
    peer_free(p);
    unsetenv("PEERTEST_URL");
}

static void test_peer_4xx_is_an_answer_5xx_is_unavailable(void **state)
{
    (void)state;
    peer_t *p;
    setenv("PEERTEST_URLS", base, 1);
    assert_int_equal(peer_from_env("PEERTEST", &p), 0);
    long status = 0;
    cJSON *out = NULL;
    assert_int_equal(peer_call(p, "GET", "/internal/missing", NULL, 2000, &status, &out), 0);
    assert_int_equal(status, 404);
    assert_non_null(cJSON_GetObjectItem(out, "error"));
    cJSON_Delete(out);
    out = NULL;
    assert_int_equal(peer_call(p, "GET", "/internal/broken", NULL, 2000, &status, &out),
                     ERR_UNAVAILABLE);
    assert_null(out);
    peer_free(p);
    unsetenv("PEERTEST_URLS");
}

static void test_peer_unset_is_unavailable_and_bad_url_invalid(void **state)
{
    (void)state;
    peer_t *p;
    long status = 0;
    cJSON *out = NULL;
    unsetenv("PEERTEST_URLS");
    unsetenv("PEERTEST_URL");
    assert_int_equal(peer_from_env("PEERTEST", &p), 0);
    assert_false(peer_configured(p));
    assert_int_equal(peer_call(p, "GET", "/internal/x", NULL, 100, &status, &out), ERR_UNAVAILABLE);
    peer_free(p);

    setenv("PEERTEST_URLS", "ftp://example.com", 1);
    assert_int_equal(peer_from_env("PEERTEST", &p), ERR_INVALID);
    assert_null(p);
    unsetenv("PEERTEST_URLS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peer_posts_json_with_credential_and_request_id),
        cmocka_unit_test(test_peer_skips_a_dead_replica),
        cmocka_unit_test(test_peer_4xx_is_an_answer_5xx_is_unavailable),
        cmocka_unit_test(test_peer_unset_is_unavailable_and_bad_url_invalid),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
