/* test_forward.c - what crosses the gateway: forwarded and relayed headers,
 * traceparent validation, path re-encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/ids.h"
#include "forward.h"

static void test_forward_request_headers_are_an_allow_list(void **state)
{
    (void)state;
    assert_true(fwd_request_header("Authorization"));
    assert_true(fwd_request_header("content-type"));
    assert_true(fwd_request_header("Accept"));
    assert_true(fwd_request_header("Idempotency-Key"));
    assert_true(fwd_request_header("Stripe-Signature"));
    static const char *const never[] = {
        "X-Service-Token",
        "Connection",
        "Keep-Alive",
        "Transfer-Encoding",
        "Upgrade",
        "TE",
        "Trailer",
        "Proxy-Authorization",
        "Host",
        "Content-Length",
        "X-Forwarded-For",
        "X-Request-Id",
        "traceparent",
        "Cookie",
        "X-Anything",
        NULL,
    };
    for (int i = 0; never[i] != NULL; i++)
        assert_false(fwd_request_header(never[i]));
}

static void test_forward_response_headers_are_an_allow_list(void **state)
{
    (void)state;
    assert_true(fwd_response_header("Location"));
    assert_true(fwd_response_header("retry-after"));
    assert_true(fwd_response_header("Cache-Control"));
    assert_true(fwd_response_header("X-Served-By"));
    assert_false(fwd_response_header("Connection"));
    assert_false(fwd_response_header("Transfer-Encoding"));
    assert_false(fwd_response_header("Content-Length"));
    assert_false(fwd_response_header("X-Request-Id")); /* the gateway sets its own */
    assert_false(fwd_response_header("Set-Cookie"));
}

static void test_forward_traceparent_validation(void **state)
{
    (void)state;
    assert_true(id_is_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
    assert_true(id_is_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"));
    assert_false(id_is_traceparent(NULL));
    assert_false(id_is_traceparent(""));
    /* upper case hex, zero ids, other versions, wrong lengths and separators */
    assert_false(id_is_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
    assert_false(id_is_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
    assert_false(id_is_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
    assert_false(id_is_traceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
    assert_false(id_is_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1"));
    assert_false(id_is_traceparent("00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01"));
    assert_false(
        id_is_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nX: y"));
}

static void test_forward_encode_path(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(fwd_encode_path("/products/p-1_x.y~z", buf, sizeof buf), 0);
    assert_string_equal(buf, "/products/p-1_x.y~z");
    /* Escapes the client made stay as they are; an encoded '/' stays in its segment. */
    assert_int_equal(fwd_encode_path("/images/a%20b%2Fc%2e", buf, sizeof buf), 0);
    assert_string_equal(buf, "/images/a%20b%2Fc%2e");
    assert_int_equal(fwd_encode_path("/images/a b?c#d%e<\"", buf, sizeof buf), 0);
    assert_string_equal(buf, "/images/a%20b%3Fc%23d%25e%3C%22");
    assert_int_equal(fwd_encode_path("/x/100%", buf, sizeof buf), 0);
    assert_string_equal(buf, "/x/100%25");
    assert_int_equal(fwd_encode_path("/x/\xc3\xa9\r\n", buf, sizeof buf), 0);
    assert_string_equal(buf, "/x/%C3%A9%0D%0A");
    assert_int_equal(fwd_encode_path("/products/abc", buf, 8), -1);
    assert_int_equal(fwd_encode_path("/a b", buf, 5), -1);
}

static void test_forward_header_values(void **state)
{
    (void)state;
    assert_true(fwd_header_value_safe("Bearer abc.def"));
    assert_true(fwd_header_value_safe(""));
    assert_false(fwd_header_value_safe("a\r\nX-Service-Token: 1"));
    assert_false(fwd_header_value_safe("a\nb"));
    assert_false(fwd_header_value_safe(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_request_headers_are_an_allow_list),
        cmocka_unit_test(test_forward_response_headers_are_an_allow_list),
        cmocka_unit_test(test_forward_traceparent_validation),
        cmocka_unit_test(test_forward_encode_path),
        cmocka_unit_test(test_forward_header_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
