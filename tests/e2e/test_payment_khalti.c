/* test_payment_khalti.c - paying an order with Khalti ePayment through the gateway,
 * against the Khalti stub (tests/stubs/khalti_stub.py) that scripts/stack.sh starts:
 * checkout, POST /payment/initiate, the buyer pays (or cancels) on the stub, and the
 * browser's return to /payment/return/khalti, which the payment service verifies by a
 * server-side lookup only. Also: a forged return that says Completed while Khalti says
 * otherwise changes nothing, the same return five times gives one PaymentSucceeded, and
 * a buyer who paid but never came back is settled by the reconciler. */
#include "payment_support.h"

#define PRICE   150000 /* Rs 1,500.00 in paisa: above Khalti's Rs 10 minimum */
#define STOCK   5
#define WAIT_MS 20000

/* A case (see pay_case_t) paid with Khalti, and the pidx Khalti gave its payment. */
typedef struct khalti_case {
    pay_case_t pay;
    char pidx[64];
} khalti_case_t;

static void start_case(khalti_case_t *c, long quantity)
{
    t_resp_t r = pay_case_start(&c->pay, "khalti", "Khalti journey lamp", PRICE, STOCK, quantity);
    /* The buyer goes to the payment page Khalti (the stub) answered with. */
    const char *url = c_str(r.json, "redirect_url");
    assert_non_null(url);
    const char *stub = stack_get("KHALTI_STUB_URL");
    assert_int_equal(strncmp(url, stub, strlen(stub)), 0);
    const char *p = strstr(url, "pidx=");
    assert_non_null(p);
    snprintf(c->pidx, sizeof c->pidx, "%s", p + 5);
    t_resp_free(&r);
}

static void end_case(khalti_case_t *c)
{
    pay_case_end(&c->pay);
}

/* The buyer acts on Khalti's page (outcome: a lookup status); the URL the browser is
 * sent back to goes into return_url[2048] ("" when the buyer does not come back). */
static void buyer_acts(const khalti_case_t *c, const char *outcome, char return_url[2048])
{
    char body[160];
    snprintf(body, sizeof body, "{\"pidx\":\"%s\",\"outcome\":\"%s\"}", c->pidx, outcome);
    pay_stub_complete("KHALTI_STUB_URL", body, return_url, 2048);
}

static void test_khalti_initiate_asks_for_the_order_total(void **state)
{
    (void)state;
    khalti_case_t c;
    start_case(&c, 2);
    /* What the stub was asked for: paisa, our payment id, the gateway's return route. */
    char path[128];
    snprintf(path, sizeof path, "/_test/payments/%s", c.pidx);
    t_resp_t r = pay_stub_get("KHALTI_STUB_URL", path);
    const cJSON *amount = cJSON_GetObjectItemCaseSensitive(r.json, "total_amount");
    assert_true(cJSON_IsNumber(amount));
    assert_int_equal((long)amount->valuedouble, 2 * PRICE);
    assert_string_equal(c_str(r.json, "purchase_order_id"), c.pay.payment_id);
    char want[512];
    snprintf(want, sizeof want, "%s/payment/return/khalti", stack_get("GATEWAY_URL"));
    assert_string_equal(c_str(r.json, "return_url"), want);
    assert_string_equal(c_str(r.json, "status"), "Initiated");
    t_resp_free(&r);
    pay_assert_status(&c.pay.customer, c.pay.payment_id, "INITIATED");
    end_case(&c);
}

static void test_khalti_paid_order_confirmed(void **state)
{
    (void)state;
    khalti_case_t c;
    start_case(&c, 2);
    pay_assert_stock(c.pay.product.sku, STOCK, 2);

    char back[2048];
    buyer_acts(&c, "Completed", back);
    pay_return_ok(back, "SUCCEEDED");
    /* What refunds will need later: Khalti's transaction id, from the lookup. */
    pay_assert_confirmed(&c.pay, STOCK, 2, WAIT_MS);
    pay_assert_status(&c.pay.customer, c.pay.payment_id, "SUCCEEDED");
    end_case(&c);
}

static void test_khalti_same_return_five_times_one_success(void **state)
{
    (void)state;
    khalti_case_t c;
    start_case(&c, 1);
    char back[2048];
    buyer_acts(&c, "Completed", back);
    /* The first one applies; the others are the same lookup answer again. */
    pay_assert_five_returns_one_success(&c.pay, back, "SUCCEEDED", WAIT_MS);
    pay_assert_stock(c.pay.product.sku, STOCK - 1, -1); /* committed once */
    end_case(&c);
}

static void test_khalti_cancelled_by_buyer_cancels_order(void **state)
{
    (void)state;
    khalti_case_t c;
    start_case(&c, 3);
    char back[2048];
    buyer_acts(&c, "User canceled", back);
    pay_return_ok(back, "FAILED");
    pay_assert_cancelled(&c.pay, STOCK, WAIT_MS);
    assert_int_equal(pay_outbox_count(c.pay.payment_id, "PaymentSucceeded"), 0);
    end_case(&c);
}

static void test_khalti_forged_return_changes_nothing(void **state)
{
    (void)state;
    khalti_case_t c;
    start_case(&c, 1);
    /* The buyer never paid, yet someone types Khalti's success parameters. */
    char forged[2048];
    snprintf(forged, sizeof forged,
             "%s/payment/return/khalti?pidx=%s&txnId=FORGED&amount=%d&total_amount=%d"
             "&status=Completed&mobile=98XXXXX904&tidx=FORGED&purchase_order_id=%s"
             "&purchase_order_name=x&transaction_id=FORGED",
             stack_get("GATEWAY_URL"), c.pidx, PRICE, PRICE, c.pay.payment_id);
    /* Khalti's lookup says Initiated: nothing to apply. */
    pay_return_ok(forged, "INITIATED");
    /* The same with the buyer's payment Pending at Khalti. */
    char back[2048];
    buyer_acts(&c, "Pending", back);
    pay_return_ok(forged, "INITIATED");

    pay_assert_status(&c.pay.customer, c.pay.payment_id, "INITIATED");
    assert_int_equal(pay_outbox_count(c.pay.payment_id, "PaymentSucceeded"), 0);
    assert_int_equal(pay_outbox_count(c.pay.payment_id, "PaymentFailed"), 0);
    pay_assert_order(&c.pay.customer, c.pay.order_id, "PENDING_PAYMENT", "PENDING");
    pay_assert_stock(c.pay.product.sku, STOCK, 1);
    end_case(&c);
}

static void test_khalti_return_naming_nothing_refused(void **state)
{
    (void)state;
    char url[512];
    /* No pidx, no purchase_order_id. */
    snprintf(url, sizeof url, "%s/payment/return/khalti?status=Completed&amount=1000",
             stack_get("GATEWAY_URL"));
    pay_return_refused(url, 400);
    /* A pidx nobody issued. */
    snprintf(url, sizeof url, "%s/payment/return/khalti?pidx=NoSuchPidx000&status=Completed",
             stack_get("GATEWAY_URL"));
    pay_return_refused(url, 404);
    /* A pidx with characters Khalti never uses is not even looked at. */
    snprintf(url, sizeof url, "%s/payment/return/khalti?pidx=..%%2F..%%2Fx",
             stack_get("GATEWAY_URL"));
    pay_return_refused(url, 400);
}

/* Khalti's (the stub's) record of the case's payment: its status and refunded paisa. */
static void stub_record(const khalti_case_t *c, char status[40], long *refunded)
{
    char path[128];
    snprintf(path, sizeof path, "/_test/payments/%s", c->pidx);
    t_resp_t r = pay_stub_get("KHALTI_STUB_URL", path);
    snprintf(status, 40, "%s", c_str(r.json, "status"));
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(r.json, "refunded_amount");
    *refunded = cJSON_IsNumber(n) ? (long)n->valuedouble : -1;
    t_resp_free(&r);
}

static void test_khalti_admin_refunds_part_then_the_rest(void **state)
{
    (void)state;
    khalti_case_t c;
    start_case(&c, 1);
    char back[2048], status[40];
    long refunded;
    buyer_acts(&c, "Completed", back);
    pay_return_ok(back, NULL);
    pay_assert_status(&c.pay.customer, c.pay.payment_id, "SUCCEEDED");

    /* Only an admin refunds. */
    t_resp_t r = pay_refund(c.pay.customer.token, c.pay.payment_id, "{\"amount\":50000}");
    assert_int_equal(r.status, 403);
    t_resp_free(&r);

    r = pay_refund(j_admin(), c.pay.payment_id,
                   "{\"amount\":50000,\"reason\":\"one item damaged\"}");
    if (r.status != 201)
        fail_msg("partial refund: %ld %s", r.status, r.body);
    t_resp_free(&r);
    stub_record(&c, status, &refunded);
    assert_string_equal(status, "Partially Refunded");
    assert_int_equal(refunded, 50000);
    pay_assert_status(&c.pay.customer, c.pay.payment_id, "PARTIALLY_REFUNDED");

    r = pay_refund(j_admin(), c.pay.payment_id, NULL); /* everything left */
    if (r.status != 201)
        fail_msg("refund of the rest: %ld %s", r.status, r.body);
    t_resp_free(&r);
    stub_record(&c, status, &refunded);
    assert_string_equal(status, "Refunded");
    assert_int_equal(refunded, PRICE);
    pay_assert_status(&c.pay.customer, c.pay.payment_id, "REFUNDED");
    j_wait_events("payment.events", "PaymentRefunded", c.pay.payment_id, 2, WAIT_MS);

    /* Nothing is left to refund. */
    r = pay_refund(j_admin(), c.pay.payment_id, NULL);
    assert_int_equal(r.status, 409);
    t_resp_free(&r);
    end_case(&c);
}

static bool payment_succeeded(void *arg)
{
    char *v = c_sql("SELECT status FROM payments.payments WHERE id = $1", arg);
    bool ok = v != NULL && strcmp(v, "SUCCEEDED") == 0;
    free(v);
    return ok;
}

static void test_khalti_buyer_who_never_returned_is_reconciled(void **state)
{
    (void)state;
    khalti_case_t c;
    start_case(&c, 1);
    char back[2048];
    buyer_acts(&c, "Completed", back); /* paid, and closed the tab */
    /* The reconciler looks INITIATED attempts up once they are older than
     * PAYMENT_RECONCILE_AFTER_SECONDS (a few seconds in the test stack). */
    if (!t_wait_until(payment_succeeded, c.pay.payment_id, 90000))
        fail_msg("payment %s was not reconciled", c.pay.payment_id);
    j_wait_order(c.pay.customer.token, c.pay.order_id, "order_status", "CONFIRMED", WAIT_MS);
    j_wait_events("payment.events", "PaymentSucceeded", c.pay.payment_id, 1, WAIT_MS);
    /* The buyer's late return is then the same lookup answer again. */
    t_resp_t r = pay_follow(back);
    assert_int_equal(r.status, 200);
    assert_string_equal(c_str(r.json, "result"), "duplicate");
    t_resp_free(&r);
    assert_int_equal(pay_outbox_count(c.pay.payment_id, "PaymentSucceeded"), 1);
    end_case(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_khalti_initiate_asks_for_the_order_total),
        cmocka_unit_test(test_khalti_paid_order_confirmed),
        cmocka_unit_test(test_khalti_same_return_five_times_one_success),
        cmocka_unit_test(test_khalti_cancelled_by_buyer_cancels_order),
        cmocka_unit_test(test_khalti_forged_return_changes_nothing),
        cmocka_unit_test(test_khalti_return_naming_nothing_refused),
        cmocka_unit_test(test_khalti_admin_refunds_part_then_the_rest),
        cmocka_unit_test(test_khalti_buyer_who_never_returned_is_reconciled),
    };
    return cmocka_run_group_tests(tests, pay_setup, pay_teardown);
}
