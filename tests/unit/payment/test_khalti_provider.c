/* test_khalti_provider.c - the Khalti provider's parts that need no network
 * (services/payment/khalti.c): configuration, refusing what Khalti would refuse before
 * calling it, and finding the payment a return names without believing the rest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "initiate_request.h"

static const pay_provider_t *khalti(void)
{
    return &pay_provider_khalti;
}

static int configure(void **state)
{
    (void)state;
    setenv("KHALTI_SECRET_KEY", "test_secret_key", 1);
    /* A port nothing listens on: any call to Khalti fails as unavailable. */
    setenv("KHALTI_API_BASE", "http://127.0.0.1:9", 1);
    return khalti()->init();
}

static pay_initiate_req_t request(int64_t amount, const char *currency)
{
    return initiate_request(amount, currency, "http://shop/payment/return/khalti");
}

static void test_khalti_provider_unconfigured_is_unavailable(void **state)
{
    (void)state;
    unsetenv("KHALTI_SECRET_KEY");
    assert_int_equal(khalti()->init(), 0);
    assert_false(khalti()->available());
    assert_int_equal(configure(NULL), 0);
    assert_true(khalti()->available());
    setenv("KHALTI_API_BASE", "dev.khalti.com", 1); /* no scheme */
    assert_int_equal(khalti()->init(), ERR_INVALID);
    assert_int_equal(configure(NULL), 0);
}

static void test_khalti_provider_refuses_what_khalti_would(void **state)
{
    (void)state;
    pay_initiate_res_t res;
    pay_initiate_req_t req = request(150000, "USD");
    assert_int_equal(khalti()->initiate(&req, &res), ERR_CONFLICT);
    req = request(999, "NPR"); /* under Rs 10 */
    assert_int_equal(khalti()->initiate(&req, &res), ERR_CONFLICT);
    /* A valid request to a Khalti that cannot be reached. */
    req = request(150000, "NPR");
    assert_int_equal(khalti()->initiate(&req, &res), ERR_UNAVAILABLE);
    assert_null(res.redirect_url);
}

static void test_khalti_provider_identify_reads_only_ids(void **state)
{
    (void)state;
    pay_ref_t ref;
    pay_notification_t n = {
        .is_return = true,
        .query = "pidx=bZQLD9wRVWo4CdESSfuSsB&txnId=4H7AhoXDJWg5WjrcPT9ixW&amount=1000"
                 "&total_amount=1000&status=Completed&mobile=98XXXXX904"
                 "&tidx=4H7AhoXDJWg5WjrcPT9ixW&purchase_order_id=" PAYMENT_ID
                 "&purchase_order_name=test&transaction_id=4H7AhoXDJWg5WjrcPT9ixW"};
    assert_int_equal(khalti()->identify(&n, &ref), 0);
    assert_string_equal(ref.provider_reference, "bZQLD9wRVWo4CdESSfuSsB");
    assert_string_equal(ref.payment_id, PAYMENT_ID);
    /* The docs' own sample has purchase_order_id=test12: not ours, only the pidx. */
    n.query = "pidx=bZQLD9wRVWo4CdESSfuSsB&status=User%20canceled&purchase_order_id=test12";
    assert_int_equal(khalti()->identify(&n, &ref), 0);
    assert_string_equal(ref.payment_id, "");
    n.query = "status=Completed&amount=1000";
    assert_int_equal(khalti()->identify(&n, &ref), ERR_INVALID);
    n.query = "pidx=..%2F..%2Fadmin";
    assert_int_equal(khalti()->identify(&n, &ref), ERR_INVALID);
    /* A posted body names it the same way, JSON or form. */
    pay_notification_t w = {.is_return = false,
                            .body = "{\"pidx\":\"abc123\"}",
                            .body_len = strlen("{\"pidx\":\"abc123\"}")};
    assert_int_equal(khalti()->identify(&w, &ref), 0);
    assert_string_equal(ref.provider_reference, "abc123");
    w.body = "pidx=abc124&status=Completed";
    w.body_len = strlen(w.body);
    assert_int_equal(khalti()->identify(&w, &ref), 0);
    assert_string_equal(ref.provider_reference, "abc124");
}

static void test_khalti_provider_verify_only_by_lookup(void **state)
{
    (void)state;
    pay_event_t ev;
    pay_notification_t n = {.is_return = true,
                            .query = "pidx=abc123&status=Completed&total_amount=150000"};
    /* No record of ours: nothing to look up, whatever the query claims. */
    assert_int_equal(khalti()->verify(&n, NULL, &ev), ERR_NOT_FOUND);
    /* With a record, the lookup decides; Khalti unreachable decides nothing. */
    pay_payment_t p = {.payment_id = PAYMENT_ID,
                       .order_id = "0b8e0f5c-6a1d-4a53-9d1e-2f4c8b7a9e10",
                       .provider_reference = "abc123",
                       .provider_txn = "",
                       .amount = 150000,
                       .currency = "NPR"};
    assert_int_equal(khalti()->verify(&n, &p, &ev), ERR_UNAVAILABLE);
    assert_int_not_equal(ev.outcome, PAY_OUTCOME_SUCCEEDED);
    p.provider_reference = "";
    assert_int_equal(khalti()->lookup(&p, &ev), ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_khalti_provider_unconfigured_is_unavailable),
        cmocka_unit_test(test_khalti_provider_refuses_what_khalti_would),
        cmocka_unit_test(test_khalti_provider_identify_reads_only_ids),
        cmocka_unit_test(test_khalti_provider_verify_only_by_lookup),
    };
    return cmocka_run_group_tests(tests, configure, NULL);
}
