/* test_cors.c - which origins may read responses, and the headers that say so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cors.h"

static void test_cors_off_adds_nothing(void **state)
{
    (void)state;
    cors_t *cors = cors_new(NULL);
    char buf[512];
    assert_false(cors_enabled(cors));
    assert_false(cors_origin_allowed(cors, "https://shop.example.com"));
    assert_int_equal(cors_headers(cors, "https://shop.example.com", buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    assert_int_equal(cors_preflight_headers(cors, "https://x.example", "GET", buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    cors_free(cors);
}

static void test_cors_star_allows_any_origin(void **state)
{
    (void)state;
    cors_t *cors = cors_new("*");
    char buf[512];
    assert_true(cors_origin_allowed(cors, "http://anything.test:3000"));
    assert_int_equal(cors_headers(cors, "http://anything.test:3000", buf, sizeof buf), 0);
    assert_non_null(strstr(buf, "Access-Control-Allow-Origin: *\r\n"));
    assert_non_null(strstr(buf, "Vary: Origin\r\n"));
    assert_non_null(strstr(buf, "Access-Control-Expose-Headers: X-Request-Id"));
    /* No Origin header: not a CORS request, but caches still need Vary. */
    assert_int_equal(cors_headers(cors, NULL, buf, sizeof buf), 0);
    assert_string_equal(buf, "Vary: Origin\r\n");
    cors_free(cors);
}

static void test_cors_list_reflects_allowed_origins_only(void **state)
{
    (void)state;
    cors_t *cors = cors_new(" https://shop.example.com/ , http://localhost:3000");
    char buf[512];
    assert_true(cors_origin_allowed(cors, "https://shop.example.com"));
    assert_true(cors_origin_allowed(cors, "HTTPS://SHOP.EXAMPLE.COM"));
    assert_true(cors_origin_allowed(cors, "http://localhost:3000"));
    assert_false(cors_origin_allowed(cors, "http://localhost:3001"));
    assert_false(cors_origin_allowed(cors, "https://shop.example.com.evil.test"));
    assert_false(cors_origin_allowed(cors, "null"));

    assert_int_equal(cors_headers(cors, "http://localhost:3000", buf, sizeof buf), 0);
    assert_non_null(strstr(buf, "Access-Control-Allow-Origin: http://localhost:3000\r\n"));
    assert_int_equal(cors_headers(cors, "https://evil.test", buf, sizeof buf), 0);
    assert_null(strstr(buf, "Access-Control-Allow-Origin"));
    assert_non_null(strstr(buf, "Vary: Origin"));
    cors_free(cors);
}

static void test_cors_refuses_header_injection(void **state)
{
    (void)state;
    cors_t *cors = cors_new("*");
    char buf[512];
    assert_false(cors_origin_allowed(cors, "http://a.test\r\nSet-Cookie: x=1"));
    assert_int_equal(cors_headers(cors, "http://a.test\r\nX: y", buf, sizeof buf), 0);
    assert_null(strstr(buf, "Access-Control-Allow-Origin"));
    cors_free(cors);
}

static void test_cors_preflight_lists_methods(void **state)
{
    (void)state;
    cors_t *cors = cors_new("http://shop.example.com");
    char buf[1024];
    assert_int_equal(
        cors_preflight_headers(cors, "http://shop.example.com", "GET, POST", buf, sizeof buf), 0);
    assert_non_null(strstr(buf, "Access-Control-Allow-Origin: http://shop.example.com\r\n"));
    assert_non_null(strstr(buf, "Access-Control-Allow-Methods: GET, POST, OPTIONS\r\n"));
    assert_non_null(strstr(buf, "Access-Control-Allow-Headers: Authorization, Content-Type"));
    assert_non_null(strstr(buf, "Idempotency-Key"));
    assert_non_null(strstr(buf, "Access-Control-Max-Age: 600\r\n"));

    assert_int_equal(cors_preflight_headers(cors, "http://other.test", "GET", buf, sizeof buf), 0);
    assert_null(strstr(buf, "Access-Control-Allow-Methods"));
    cors_free(cors);
}

static void test_cors_small_buffer_fails(void **state)
{
    (void)state;
    cors_t *cors = cors_new("*");
    char buf[20];
    assert_int_equal(cors_headers(cors, "http://a.test", buf, sizeof buf), -1);
    cors_free(cors);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cors_off_adds_nothing),
        cmocka_unit_test(test_cors_star_allows_any_origin),
        cmocka_unit_test(test_cors_list_reflects_allowed_origins_only),
        cmocka_unit_test(test_cors_refuses_header_injection),
        cmocka_unit_test(test_cors_preflight_lists_methods),
        cmocka_unit_test(test_cors_small_buffer_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
