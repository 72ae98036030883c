/* test_esewa_api.c - eSewa amounts, statuses and the status-check answer
 * (services/payment/esewa_api.c), against ../shared/providers/PROVIDERS.md section 3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "esewa_api.h"

static void test_esewa_amount_format(void **state)
{
    (void)state;
    char out[ESEWA_AMOUNT_MAX];
    assert_int_equal(esewa_amount_format(11000, out), 0);
    assert_string_equal(out, "110");
    assert_int_equal(esewa_amount_format(11050, out), 0);
    assert_string_equal(out, "110.50");
    assert_int_equal(esewa_amount_format(11005, out), 0);
    assert_string_equal(out, "110.05");
    assert_int_equal(esewa_amount_format(0, out), 0);
    assert_string_equal(out, "0");
    assert_int_equal(esewa_amount_format(-1, out), ERR_INVALID);
}

static int64_t parse(const char *s)
{
    int64_t v = -1;
    if (esewa_amount_parse(s, strlen(s), &v) != 0)
        return -1;
    return v;
}

static void test_esewa_amount_parse(void **state)
{
    (void)state;
    assert_int_equal(parse("1000.0"), 100000);
    assert_int_equal(parse("1000"), 100000);
    assert_int_equal(parse("100.0"), 10000);
    assert_int_equal(parse("110.5"), 11050);
    assert_int_equal(parse("110.05"), 11005);
    assert_int_equal(parse("110.500"), 11050);
    assert_int_equal(parse("1,000.0"), 100000);
    assert_int_equal(parse("1,234,567.89"), 123456789);
    assert_int_equal(parse(""), -1);
    assert_int_equal(parse("."), -1);
    assert_int_equal(parse("10."), -1);
    assert_int_equal(parse("-10"), -1);
    assert_int_equal(parse("10.001"), -1); /* a fraction of a paisa */
    assert_int_equal(parse("1,00.0"), -1);
    assert_int_equal(parse(",100"), -1);
    assert_int_equal(parse("1e3"), -1);
    assert_int_equal(parse("99999999999999"), -1);
}

static void test_esewa_status_mapping(void **state)
{
    (void)state;
    assert_int_equal(esewa_outcome_of(esewa_status_from("COMPLETE")), ESEWA_OUT_PAID);
    assert_int_equal(esewa_outcome_of(esewa_status_from("PENDING")), ESEWA_OUT_WAIT);
    assert_int_equal(esewa_outcome_of(esewa_status_from("FULL_REFUND")), ESEWA_OUT_REFUNDED);
    assert_int_equal(esewa_outcome_of(esewa_status_from("PARTIAL_REFUND")), ESEWA_OUT_REFUNDED);
    assert_int_equal(esewa_outcome_of(esewa_status_from("AMBIGUOUS")), ESEWA_OUT_WAIT);
    assert_int_equal(esewa_outcome_of(esewa_status_from("NOT_FOUND")), ESEWA_OUT_FAILED);
    assert_int_equal(esewa_outcome_of(esewa_status_from("CANCELED")), ESEWA_OUT_FAILED);
    /* The brief's "AMBIENT" and a lower-case COMPLETE are not eSewa's words: hold. */
    assert_int_equal(esewa_status_from("AMBIENT"), ESEWA_STATUS_UNKNOWN);
    assert_int_equal(esewa_outcome_of(esewa_status_from("complete")), ESEWA_OUT_WAIT);
    assert_int_equal(esewa_outcome_of(esewa_status_from(NULL)), ESEWA_OUT_WAIT);
}

static void test_esewa_uuid_valid(void **state)
{
    (void)state;
    assert_true(esewa_uuid_valid("250610-162413"));
    assert_true(esewa_uuid_valid("3f2a9c1e-8b7d-4e6f-9a0b-1c2d3e4f5a6b"));
    assert_false(esewa_uuid_valid(""));
    assert_false(esewa_uuid_valid("a_b"));
    assert_false(esewa_uuid_valid("a b"));
    assert_false(esewa_uuid_valid("a,b"));
}

static void test_esewa_status_url(void **state)
{
    (void)state;
    char *u = esewa_status_url("http://127.0.0.1:9/", "EPAYTEST", "100", "123");
    assert_non_null(u);
    assert_string_equal(u, "http://127.0.0.1:9/api/epay/transaction/status/"
                           "?product_code=EPAYTEST&total_amount=100&transaction_uuid=123");
    free(u);
    u = esewa_status_url("https://rc.esewa.com.np", "A&B", "1.5", "x y");
    assert_string_equal(u, "https://rc.esewa.com.np/api/epay/transaction/status/"
                           "?product_code=A%26B&total_amount=1.5&transaction_uuid=x%20y");
    free(u);
}

static void test_esewa_status_parse_docs_example(void **state)
{
    (void)state;
    const char *b = "{\"product_code\":\"EPAYTEST\",\"transaction_uuid\":\"123\","
                    "\"total_amount\":100.0,\"status\":\"COMPLETE\",\"ref_id\":\"0001TS9\"}";
    esewa_status_reply_t r;
    assert_int_equal(esewa_status_parse(b, strlen(b), &r), 0);
    assert_int_equal(r.status, ESEWA_COMPLETE);
    assert_string_equal(r.product_code, "EPAYTEST");
    assert_string_equal(r.transaction_uuid, "123");
    assert_int_equal(r.total_amount, 10000);
    assert_string_equal(r.ref_id, "0001TS9");
}

static void test_esewa_status_parse_pending_without_ref(void **state)
{
    (void)state;
    const char *b = "{\"product_code\":\"EPAYTEST\",\"transaction_uuid\":\"123\","
                    "\"total_amount\":\"1,000.50\",\"status\":\"PENDING\",\"ref_id\":null}";
    esewa_status_reply_t r;
    assert_int_equal(esewa_status_parse(b, strlen(b), &r), 0);
    assert_int_equal(r.status, ESEWA_PENDING);
    assert_int_equal(r.total_amount, 100050);
    assert_string_equal(r.ref_id, "");
}

static void test_esewa_status_parse_errors(void **state)
{
    (void)state;
    esewa_status_reply_t r;
    const char *down = "{\"code\":0,\"error_message\":\"Service is currently unavailable\"}";
    assert_int_equal(esewa_status_parse(down, strlen(down), &r), ERR_UNAVAILABLE);
    assert_int_equal(esewa_status_parse("<html>", 6, &r), ERR_MALFORMED);
    const char *nostatus = "{\"product_code\":\"EPAYTEST\"}";
    assert_int_equal(esewa_status_parse(nostatus, strlen(nostatus), &r), ERR_MALFORMED);
    const char *odd = "{\"status\":\"WHATEVER\",\"total_amount\":\"x\"}";
    assert_int_equal(esewa_status_parse(odd, strlen(odd), &r), 0);
    assert_int_equal(r.status, ESEWA_STATUS_UNKNOWN);
    assert_int_equal(r.total_amount, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_esewa_amount_format),
        cmocka_unit_test(test_esewa_amount_parse),
        cmocka_unit_test(test_esewa_status_mapping),
        cmocka_unit_test(test_esewa_uuid_valid),
        cmocka_unit_test(test_esewa_status_url),
        cmocka_unit_test(test_esewa_status_parse_docs_example),
        cmocka_unit_test(test_esewa_status_parse_pending_without_ref),
        cmocka_unit_test(test_esewa_status_parse_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
