/* test_gateway.c - the edge: request ids, services that do not exist yet, the
 * OpenAPI description, CORS, and the per-client rate limit. */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

static const char *error_code(const t_resp_t *r)
{
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(r->json, "error");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(err, "code");
    return cJSON_IsString(code) ? code->valuestring : "";
}

static void gw_with(const char *method, const char *path, const char *const *headers, t_resp_t *r)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", stack_get("GATEWAY_URL"), path);
    assert_int_equal(t_http(method, url, NULL, NULL, headers, r), 0);
}

static bool identity_logged_trace(void *arg)
{
    (void)arg;
    char pattern[1024];
    snprintf(pattern, sizeof pattern, "%s/logs/identity*.log", stack_get("RUN_DIR"));
    glob_t g;
    bool found = false;
    if (glob(pattern, 0, NULL, &g) != 0)
        return false;
    for (size_t i = 0; i < g.gl_pathc && !found; i++) {
        char *log = t_read_file(g.gl_pathv[i]);
        found = strstr(log, "e2e-trace-777") != NULL;
        free(log);
    }
    globfree(&g);
    return found;
}

static void test_gateway_request_id_is_kept_or_made(void **state)
{
    (void)state;
    t_resp_t r;
    const char *given[] = {"X-Request-Id: e2e-req-12345", NULL};
    gw_with("GET", "/.well-known/jwks.json", given, &r);
    assert_int_equal(r.status, 200);
    char id[128];
    assert_true(t_resp_header(&r, "X-Request-Id", id, sizeof id));
    assert_string_equal(id, "e2e-req-12345");
    const cJSON *keys = cJSON_GetObjectItemCaseSensitive(r.json, "keys");
    assert_true(cJSON_GetArraySize(keys) >= 1);
    t_resp_free(&r);

    gw_with("GET", "/.well-known/jwks.json", NULL, &r);
    assert_true(t_resp_header(&r, "X-Request-Id", id, sizeof id));
    assert_true(strlen(id) >= 16);
    t_resp_free(&r);

    /* The same id reaches identity through the gateway and is in its access log. */
    const char *traced[] = {"X-Request-Id: e2e-trace-777", NULL};
    gw_with("GET", "/.well-known/jwks.json", traced, &r);
    assert_int_equal(r.status, 200);
    t_resp_free(&r);
    assert_true(t_wait_until(identity_logged_trace, NULL, 5000));
}

/* A route of a service the stack does not run (its <SERVICE>_URLS is unset) answers 503.
 * Services arrive one by one, so the first one still missing is used. */
static void test_gateway_missing_service_answers_503(void **state)
{
    (void)state;
    static const struct {
        const char *urls, *path;
        bool token;
    } missing[] = {
        {"PAYMENT_URLS", "/payment/return/fake", false},
        {"NOTIFICATION_URLS", "/user/notifications", true},
        {"ORDER_URLS", "/user/orders", true},
        {"FULFILLMENT_URLS", "/orders/6f1c1f4e-1b7e-4d5b-9d8a-2f1d3c4b5a69/tracking", true},
    };
    size_t i = 0;
    while (i < sizeof missing / sizeof missing[0] && getenv(missing[i].urls) != NULL &&
           *getenv(missing[i].urls) != '\0')
        i++;
    if (i == sizeof missing / sizeof missing[0])
        skip(); /* every service runs: nothing answers 503 */
    char *token = missing[i].token ? t_register_login("customer", NULL) : NULL;
    t_resp_t r;
    assert_int_equal(t_gw("GET", missing[i].path, token, NULL, &r), 0);
    free(token);
    assert_int_equal(r.status, 503);
    assert_string_equal(error_code(&r), "SERVICE_UNAVAILABLE");
    char retry[16];
    assert_true(t_resp_header(&r, "Retry-After", retry, sizeof retry));
    t_resp_free(&r);

    assert_int_equal(t_gw("GET", "/no/such/route", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    assert_string_equal(error_code(&r), "NOT_FOUND");
    t_resp_free(&r);

    assert_int_equal(t_gw("DELETE", "/auth/login", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 405);
    t_resp_free(&r);
}

static bool has_operation(const cJSON *paths, const char *path, const char *method)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(paths, path);
    return cJSON_GetObjectItemCaseSensitive(item, method) != NULL;
}

static void test_gateway_serves_openapi_of_every_route(void **state)
{
    (void)state;
    t_resp_t r;
    assert_int_equal(t_gw("GET", "/openapi.json", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(r.json, "openapi");
    assert_true(cJSON_IsString(version) && strncmp(version->valuestring, "3.", 2) == 0);
    const cJSON *paths = cJSON_GetObjectItemCaseSensitive(r.json, "paths");
    assert_true(has_operation(paths, "/auth/register", "post"));
    assert_true(has_operation(paths, "/user/me", "get"));
    assert_true(has_operation(paths, "/seller/products", "post"));
    assert_true(has_operation(paths, "/seller/products/{id}", "put"));
    assert_true(has_operation(paths, "/products", "get"));
    assert_true(has_operation(paths, "/products/{id}", "get"));
    assert_true(has_operation(paths, "/admin/products/{id}/approve", "put"));
    assert_true(has_operation(paths, "/seller/products/{id}/inventory", "post"));
    assert_true(has_operation(paths, "/inventory/{sku}", "patch"));
    assert_true(has_operation(paths, "/cart", "get"));
    assert_true(has_operation(paths, "/cart/items", "post"));
    assert_true(has_operation(paths, "/cart/items/{id}", "patch"));
    assert_true(has_operation(paths, "/cart/items/{id}", "delete"));
    assert_true(has_operation(paths, "/checkout", "post"));
    assert_true(has_operation(paths, "/orders", "post"));
    assert_true(has_operation(paths, "/orders/{id}", "get"));
    assert_true(has_operation(paths, "/user/orders", "get"));
    assert_true(has_operation(paths, "/payment/initiate", "post"));
    for (const cJSON *p = paths->child; p != NULL; p = p->next)
        assert_null(strstr(p->string, "/internal"));
    t_resp_free(&r);
}

static void test_gateway_cors_preflight(void **state)
{
    (void)state;
    t_resp_t r;
    const char *preflight[] = {"Origin: http://shop.example.com",
                               "Access-Control-Request-Method: POST",
                               "Access-Control-Request-Headers: authorization, content-type", NULL};
    gw_with("OPTIONS", "/auth/login", preflight, &r);
    assert_true(r.status == 204 || r.status == 200);
    char allow[256];
    assert_true(t_resp_header(&r, "Access-Control-Allow-Methods", allow, sizeof allow));
    assert_non_null(strstr(allow, "POST"));
    assert_true(t_resp_header(&r, "Access-Control-Allow-Origin", allow, sizeof allow));
    t_resp_free(&r);
}

/* GET /user/me as the rate-limit test's own user. */
static bool limiter_refilled(void *arg)
{
    t_resp_t r;
    if (t_gw("GET", "/user/me", arg, NULL, &r) != 0)
        return false;
    bool ok = r.status == 200;
    t_resp_free(&r);
    return ok;
}

static void test_gateway_rate_limits_a_client(void **state)
{
    (void)state;
    /* An authenticated caller has a bucket of its own: draining it leaves the shared
     * bucket of anonymous callers from this address to the tests that follow. */
    char *token = t_register_login("customer", NULL);
    long limited = 0, retry_after = 0;
    int sent = 0;
    for (; sent < 5000 && limited == 0; sent++) {
        t_resp_t r;
        assert_int_equal(t_gw("GET", "/user/me", token, NULL, &r), 0);
        if (r.status == 429) {
            limited++;
            char retry[16];
            if (t_resp_header(&r, "Retry-After", retry, sizeof retry))
                retry_after = atol(retry);
            assert_string_equal(error_code(&r), "RATE_LIMITED");
        } else {
            assert_int_equal(r.status, 200);
        }
        t_resp_free(&r);
    }
    assert_true(limited > 0);
    assert_true(retry_after >= 1);
    /* The bucket refills: the client is served again. */
    assert_true(t_wait_until(limiter_refilled, token, 10000));
    free(token);
}

int main(void)
{
    stack_load();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gateway_request_id_is_kept_or_made),
        cmocka_unit_test(test_gateway_missing_service_answers_503),
        cmocka_unit_test(test_gateway_serves_openapi_of_every_route),
        cmocka_unit_test(test_gateway_cors_preflight),
        cmocka_unit_test(test_gateway_rate_limits_a_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
