/* test_khalti_api.c - Khalti ePayment requests, answers and statuses
 * (services/payment/khalti_api.c), against ../shared/providers/PROVIDERS.md section 2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "khalti_api.h"

static void test_khalti_status_mapping(void **state)
{
    (void)state;
    assert_int_equal(khalti_outcome_of(khalti_status_from("Completed")), KHALTI_OUT_PAID);
    assert_int_equal(khalti_outcome_of(khalti_status_from("Pending")), KHALTI_OUT_WAIT);
    assert_int_equal(khalti_outcome_of(khalti_status_from("Initiated")), KHALTI_OUT_WAIT);
    assert_int_equal(khalti_outcome_of(khalti_status_from("Refunded")), KHALTI_OUT_REFUNDED);
    assert_int_equal(khalti_outcome_of(khalti_status_from("Expired")), KHALTI_OUT_FAILED);
    assert_int_equal(khalti_outcome_of(khalti_status_from("User canceled")), KHALTI_OUT_FAILED);
    assert_int_equal(khalti_outcome_of(khalti_status_from("Failed")), KHALTI_OUT_FAILED);
    assert_int_equal(khalti_outcome_of(khalti_status_from("Partially Refunded")),
                     KHALTI_OUT_REFUNDED);
    /* The docs print it both ways. */
    assert_int_equal(khalti_status_from("Partially refunded"), KHALTI_PARTIALLY_REFUNDED);
    /* Anything else is held, never taken as paid. */
    assert_int_equal(khalti_status_from("Complete"), KHALTI_STATUS_UNKNOWN);
    assert_int_equal(khalti_outcome_of(khalti_status_from("Paid")), KHALTI_OUT_WAIT);
    assert_int_equal(khalti_outcome_of(khalti_status_from(NULL)), KHALTI_OUT_WAIT);
}

static void test_khalti_pidx_valid(void **state)
{
    (void)state;
    assert_true(khalti_pidx_valid("bZQLD9wRVWo4CdESSfuSsB"));
    assert_false(khalti_pidx_valid(""));
    assert_false(khalti_pidx_valid("bZQ LD9"));
    assert_false(khalti_pidx_valid("../x"));
}

static void test_khalti_initiate_body(void **state)
{
    (void)state;
    khalti_initiate_t in = {.return_url = "http://shop/payment/return/khalti",
                            .website_url = "http://shop",
                            .amount = 150000,
                            .purchase_order_id = "pay-1",
                            .purchase_order_name = "ORD-000001"};
    char *body = khalti_initiate_body(&in);
    assert_non_null(body);
    cJSON *o = cJSON_Parse(body);
    assert_non_null(o);
    /* The amount is an integer number of paisa, not "1500.00". */
    assert_non_null(strstr(body, "\"amount\":150000"));
    assert_string_equal(cJSON_GetObjectItem(o, "return_url")->valuestring,
                        "http://shop/payment/return/khalti");
    assert_string_equal(cJSON_GetObjectItem(o, "purchase_order_id")->valuestring, "pay-1");
    assert_string_equal(cJSON_GetObjectItem(o, "purchase_order_name")->valuestring, "ORD-000001");
    assert_string_equal(cJSON_GetObjectItem(o, "website_url")->valuestring, "http://shop");
    cJSON_Delete(o);
    free(body);
    in.amount = 999; /* below Rs 10 */
    assert_null(khalti_initiate_body(&in));
    in.amount = 1000;
    in.return_url = NULL;
    assert_null(khalti_initiate_body(&in));
}

static void test_khalti_initiate_parse_docs_example(void **state)
{
    (void)state;
    const char *b = "{\"pidx\":\"bZQLD9wRVWo4CdESSfuSsB\",\"payment_url\":"
                    "\"https://test-pay.khalti.com/?pidx=bZQLD9wRVWo4CdESSfuSsB\","
                    "\"expires_at\":\"2023-05-25T16:26:16.471649+05:45\",\"expires_in\":1800}";
    khalti_initiated_t r;
    assert_int_equal(khalti_initiate_parse(b, strlen(b), &r), 0);
    assert_string_equal(r.pidx, "bZQLD9wRVWo4CdESSfuSsB");
    assert_string_equal(r.payment_url, "https://test-pay.khalti.com/?pidx=bZQLD9wRVWo4CdESSfuSsB");
    assert_int_equal(r.expires_in, 1800);
}

static void test_khalti_initiate_parse_refuses_bad_answers(void **state)
{
    (void)state;
    khalti_initiated_t r;
    const char *v = "{\"return_url\":[\"Enter a valid URL.\"],\"error_key\":\"validation_error\"}";
    assert_int_equal(khalti_initiate_parse(v, strlen(v), &r), ERR_MALFORMED);
    const char *js = "{\"pidx\":\"abc\",\"payment_url\":\"javascript:alert(1)\"}";
    assert_int_equal(khalti_initiate_parse(js, strlen(js), &r), ERR_MALFORMED);
    const char *bad = "{\"pidx\":\"a/b\",\"payment_url\":\"https://x\"}";
    assert_int_equal(khalti_initiate_parse(bad, strlen(bad), &r), ERR_MALFORMED);
    const char *ok = "{\"pidx\":\"abc\",\"payment_url\":\"https://x/?pidx=abc\"}";
    assert_int_equal(khalti_initiate_parse(ok, strlen(ok), &r), 0);
    assert_int_equal(r.expires_in, 0);
}

static void test_khalti_lookup_parse_completed(void **state)
{
    (void)state;
    const char *b = "{\"pidx\":\"HT6o6PEZRWFJ5ygavzHWd5\",\"total_amount\":1000,"
                    "\"status\":\"Completed\",\"transaction_id\":\"GFq9PFS7b2iYvL8Lir9oXe\","
                    "\"fee\":0,\"refunded\":false}";
    khalti_lookup_t r;
    assert_int_equal(khalti_lookup_parse(b, strlen(b), &r), 0);
    assert_int_equal(r.status, KHALTI_COMPLETED);
    assert_int_equal(r.total_amount, 1000);
    assert_string_equal(r.transaction_id, "GFq9PFS7b2iYvL8Lir9oXe");
    assert_string_equal(r.pidx, "HT6o6PEZRWFJ5ygavzHWd5");
    assert_false(r.refunded);
}

static void test_khalti_lookup_parse_pending_and_400_bodies(void **state)
{
    (void)state;
    khalti_lookup_t r;
    const char *p = "{\"pidx\":\"abc\",\"total_amount\":1000,\"status\":\"Initiated\","
                    "\"transaction_id\":null,\"fee\":0,\"refunded\":false}";
    assert_int_equal(khalti_lookup_parse(p, strlen(p), &r), 0);
    assert_int_equal(r.status, KHALTI_INITIATED);
    assert_string_equal(r.transaction_id, "");
    /* Expired and User canceled come with HTTP 400 but the same body. */
    const char *e = "{\"pidx\":\"abc\",\"total_amount\":1000,\"status\":\"Expired\","
                    "\"transaction_id\":null,\"fee\":0,\"refunded\":false}";
    assert_int_equal(khalti_lookup_parse(e, strlen(e), &r), 0);
    assert_int_equal(khalti_outcome_of(r.status), KHALTI_OUT_FAILED);
    const char *rf = "{\"pidx\":\"abc\",\"total_amount\":1000,\"status\":\"Refunded\","
                     "\"transaction_id\":\"T1\",\"fee\":0,\"refunded\":true}";
    assert_int_equal(khalti_lookup_parse(rf, strlen(rf), &r), 0);
    assert_true(r.refunded);
    assert_int_equal(khalti_outcome_of(r.status), KHALTI_OUT_REFUNDED);
}

static void test_khalti_lookup_parse_not_found_and_garbage(void **state)
{
    (void)state;
    khalti_lookup_t r;
    const char *nf = "{\"detail\":\"Not found.\",\"error_key\":\"validation_error\"}";
    assert_int_equal(khalti_lookup_parse(nf, strlen(nf), &r), ERR_NOT_FOUND);
    const char *auth = "{\"detail\":\"Invalid token.\",\"status_code\":401}";
    assert_int_equal(khalti_lookup_parse(auth, strlen(auth), &r), ERR_MALFORMED);
    assert_int_equal(khalti_lookup_parse("nope", 4, &r), ERR_MALFORMED);
    assert_int_equal(r.status, KHALTI_STATUS_UNKNOWN);
    const char *notxt = "{\"pidx\":\"abc\",\"status\":\"Completed\",\"transaction_id\":7}";
    assert_int_equal(khalti_lookup_parse(notxt, strlen(notxt), &r), ERR_MALFORMED);
}

static void test_khalti_refund_body(void **state)
{
    (void)state;
    char *b = khalti_refund_body(0, false);
    assert_string_equal(b, "");
    free(b);
    b = khalti_refund_body(5000, true);
    assert_string_equal(b, "{\"amount\":5000}");
    free(b);
    assert_null(khalti_refund_body(0, true));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_khalti_status_mapping),
        cmocka_unit_test(test_khalti_pidx_valid),
        cmocka_unit_test(test_khalti_initiate_body),
        cmocka_unit_test(test_khalti_initiate_parse_docs_example),
        cmocka_unit_test(test_khalti_initiate_parse_refuses_bad_answers),
        cmocka_unit_test(test_khalti_lookup_parse_completed),
        cmocka_unit_test(test_khalti_lookup_parse_pending_and_400_bodies),
        cmocka_unit_test(test_khalti_lookup_parse_not_found_and_garbage),
        cmocka_unit_test(test_khalti_refund_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
