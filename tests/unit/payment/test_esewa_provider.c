/* test_esewa_provider.c - the eSewa provider's parts that need no network
 * (services/payment/esewa.c): configuration, the signed form initiate answers, finding
 * the payment a return names, and refusing forged data before any status check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "esewa_sign.h"
#include "esewa_vectors.h"
#include "initiate_request.h"

static const pay_provider_t *esewa(void)
{
    return &pay_provider_esewa;
}

static int configure(void **state)
{
    (void)state;
    setenv("ESEWA_PRODUCT_CODE", "EPAYTEST", 1);
    setenv("ESEWA_SECRET_KEY", UAT_SECRET, 1);
    /* A port nothing listens on: any status check would fail as unavailable. */
    setenv("ESEWA_FORM_BASE", "http://127.0.0.1:9/", 1);
    unsetenv("ESEWA_STATUS_BASE");
    return esewa()->init();
}

static pay_initiate_req_t request(int64_t amount, const char *currency)
{
    return initiate_request(amount, currency, "http://shop/payment/return/esewa");
}

static const char *form_field(const pay_initiate_res_t *res, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(res->form_fields, name);
    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

static void test_esewa_provider_unconfigured_is_unavailable(void **state)
{
    (void)state;
    unsetenv("ESEWA_SECRET_KEY");
    assert_int_equal(esewa()->init(), 0);
    assert_false(esewa()->available());
    pay_initiate_req_t req = request(11000, "NPR");
    pay_initiate_res_t res;
    assert_int_equal(esewa()->initiate(&req, &res), ERR_UNAVAILABLE);
    assert_int_equal(configure(NULL), 0);
    assert_true(esewa()->available());
}

static void test_esewa_provider_bad_base_url_refused(void **state)
{
    (void)state;
    setenv("ESEWA_FORM_BASE", "ftp://example", 1);
    assert_int_equal(esewa()->init(), ERR_INVALID);
    setenv("ESEWA_FORM_BASE", "http://127.0.0.1:9/x?y", 1);
    assert_int_equal(esewa()->init(), ERR_INVALID);
    assert_int_equal(configure(NULL), 0);
}

static void test_esewa_provider_initiate_signed_form(void **state)
{
    (void)state;
    pay_initiate_req_t req = request(11000, "NPR");
    pay_initiate_res_t res;
    assert_int_equal(esewa()->initiate(&req, &res), 0);
    assert_null(res.redirect_url);
    assert_string_equal(res.form_action, "http://127.0.0.1:9/api/epay/main/v2/form");
    assert_string_equal(res.provider_reference, PAYMENT_ID);
    assert_string_equal(form_field(&res, "amount"), "110");
    assert_string_equal(form_field(&res, "total_amount"), "110");
    assert_string_equal(form_field(&res, "tax_amount"), "0");
    assert_string_equal(form_field(&res, "product_service_charge"), "0");
    assert_string_equal(form_field(&res, "product_delivery_charge"), "0");
    assert_string_equal(form_field(&res, "transaction_uuid"), PAYMENT_ID);
    assert_string_equal(form_field(&res, "product_code"), "EPAYTEST");
    assert_string_equal(form_field(&res, "success_url"), "http://shop/payment/return/esewa");
    assert_string_equal(form_field(&res, "failure_url"),
                        "http://shop/payment/return/esewa?transaction_uuid=" PAYMENT_ID);
    assert_string_equal(form_field(&res, "signed_field_names"),
                        "total_amount,transaction_uuid,product_code");
    char sig[ESEWA_SIG_LEN];
    assert_int_equal(
        esewa_sign(UAT_SECRET,
                   "total_amount=110,transaction_uuid=" PAYMENT_ID ",product_code=EPAYTEST", sig),
        0);
    assert_string_equal(form_field(&res, "signature"), sig);
    /* Exactly the eleven fields eSewa requires. */
    assert_int_equal(cJSON_GetArraySize(res.form_fields), 11);
    pay_initiate_res_free(&res);
}

static void test_esewa_provider_initiate_paisa_and_currency(void **state)
{
    (void)state;
    pay_initiate_req_t req = request(125050, "NPR");
    pay_initiate_res_t res;
    assert_int_equal(esewa()->initiate(&req, &res), 0);
    assert_string_equal(form_field(&res, "total_amount"), "1250.50");
    pay_initiate_res_free(&res);
    req = request(11000, "USD");
    assert_int_equal(esewa()->initiate(&req, &res), ERR_CONFLICT);
    assert_null(res.form_fields);
}

static int identify_query(const char *query, pay_ref_t *ref)
{
    pay_notification_t n = {.is_return = true, .query = query};
    return esewa()->identify(&n, ref);
}

static void test_esewa_provider_identify(void **state)
{
    (void)state;
    pay_ref_t ref;
    /* The success data names its transaction (not a UUID here: no payment id). */
    assert_int_equal(identify_query("data=" E3_DATA, &ref), 0);
    assert_string_equal(ref.provider_reference, "250610-162413");
    assert_string_equal(ref.payment_id, "");
    /* Our failure_url, with whatever eSewa might append after it. */
    assert_int_equal(identify_query("transaction_uuid=" PAYMENT_ID "?data=abc", &ref), 0);
    assert_string_equal(ref.provider_reference, PAYMENT_ID);
    assert_string_equal(ref.payment_id, PAYMENT_ID);
    assert_int_equal(identify_query("status=COMPLETE", &ref), ERR_INVALID);
    assert_int_equal(identify_query("transaction_uuid=a_b", &ref), ERR_INVALID);
    assert_int_equal(identify_query("data=%%%", &ref), ERR_INVALID);
    assert_int_equal(identify_query(NULL, &ref), ERR_INVALID);
}

static void test_esewa_provider_verify_refuses_before_asking(void **state)
{
    (void)state;
    pay_payment_t p = {.payment_id = PAYMENT_ID,
                       .order_id = "0b8e0f5c-6a1d-4a53-9d1e-2f4c8b7a9e10",
                       .provider_reference = "250610-162413",
                       .provider_txn = "",
                       .amount = 100000,
                       .currency = "NPR"};
    pay_event_t ev;
    /* Authentic E3 data under another secret: a bad signature, no status check made. */
    setenv("ESEWA_SECRET_KEY", "not-the-uat-key", 1);
    assert_int_equal(esewa()->init(), 0);
    pay_notification_t n = {.is_return = true, .query = "data=" E3_DATA};
    assert_int_equal(esewa()->verify(&n, &p, &ev), ERR_UNAUTHORIZED);
    assert_int_equal(configure(NULL), 0);
    /* Authentic, but about another transaction than the payment's. */
    p.provider_reference = PAYMENT_ID;
    assert_int_equal(esewa()->verify(&n, &p, &ev), ERR_UNAUTHORIZED);
    /* Authentic and ours: the status API (down here) decides, so nothing is decided. */
    p.provider_reference = "250610-162413";
    assert_int_equal(esewa()->verify(&n, &p, &ev), ERR_UNAVAILABLE);
    /* No record to check against. */
    assert_int_equal(esewa()->verify(&n, NULL, &ev), ERR_NOT_FOUND);
    /* A failure return naming another payment. */
    pay_notification_t f = {.is_return = true, .query = "transaction_uuid=" PAYMENT_ID};
    assert_int_equal(esewa()->verify(&f, &p, &ev), ERR_UNAUTHORIZED);
    assert_null(esewa()->refund); /* no refund API */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_esewa_provider_unconfigured_is_unavailable),
        cmocka_unit_test(test_esewa_provider_bad_base_url_refused),
        cmocka_unit_test(test_esewa_provider_initiate_signed_form),
        cmocka_unit_test(test_esewa_provider_initiate_paisa_and_currency),
        cmocka_unit_test(test_esewa_provider_identify),
        cmocka_unit_test(test_esewa_provider_verify_refuses_before_asking),
    };
    return cmocka_run_group_tests(tests, configure, NULL);
}
