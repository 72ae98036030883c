/* test_payment_stripe.c - Stripe through the gateway against tests/stubs/stripe_stub.py:
 * a Checkout Session created over the REST API, the stub "completing" it and POSTing a
 * signed checkout.session.completed to our webhook, the order confirmed and the stock
 * committed; the failure path; the same event redelivered; forged, stale and tampered
 * events; the browser's return verified by a server-side lookup; refunds through the
 * stub's /v1/refunds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <time.h>

#include "payment_journey_support.h"

#define WAIT_MS 20000
#define PRICE   2500

/* Initiates with Stripe; the session id into cs[96]. */
static void stripe_initiate(const p_journey_t *j, char payment_id[37], char cs[96])
{
    t_resp_t r = p_initiate_raw(j->customer.token, j->order_id, "stripe", NULL, 201);
    snprintf(payment_id, 37, "%s", c_str(r.json, "payment_id"));
    const char *url = c_str(r.json, "redirect_url");
    assert_non_null(url);
    /* The buyer goes to the stub's hosted page: http://127.0.0.1:<port>/pay/cs_test_... */
    assert_int_equal(
        strncmp(url, stack_get("STRIPE_STUB_URL"), strlen(stack_get("STRIPE_STUB_URL"))), 0);
    const char *at = strstr(url, "/pay/");
    assert_non_null(at);
    snprintf(cs, 96, "%s", at + 5);
    assert_int_equal(strncmp(cs, "cs_test_", 8), 0);
    t_resp_free(&r);
    r = p_get(j->customer.token, payment_id);
    assert_string_equal(c_str(r.json, "provider_reference"), cs);
    t_resp_free(&r);
}

/* Asks the stub to finish the session (outcome paid|failed|expired, amount NULL or a
 * tampered amount_total) and deliver the event; the stub's answer, for the caller to free:
 * {"event": {...}, "status": <our webhook's HTTP status>, "body": "..."}. */
static t_resp_t stub_complete(const char *cs, const char *outcome, const char *amount)
{
    char url[512];
    snprintf(url, sizeof url, "%s/_test/sessions/%s/complete?outcome=%s%s%s",
             stack_get("STRIPE_STUB_URL"), cs, outcome, amount ? "&amount=" : "",
             amount ? amount : "");
    t_resp_t r;
    assert_int_equal(t_http("POST", url, NULL, "", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    return r;
}

static long webhook_status(const t_resp_t *r)
{
    return (long)c_num(r->json, "status");
}

static t_resp_t stub_resend(const char *event_id)
{
    char url[512];
    snprintf(url, sizeof url, "%s/_test/events/%s/resend", stack_get("STRIPE_STUB_URL"), event_id);
    t_resp_t r;
    assert_int_equal(t_http("POST", url, NULL, "", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    return r;
}

static void test_stripe_success_confirms_order_and_redelivery_is_one_event(void **state)
{
    (void)state;
    p_journey_t j = p_journey("stripe", PRICE, 6, 2);
    char payment_id[37], cs[96], evt[96];
    stripe_initiate(&j, payment_id, cs);

    /* Before the buyer paid, the return is verified by lookup and changes nothing. */
    char path[256];
    snprintf(path, sizeof path, "/payment/return/stripe?payment_id=%s&session_id=%s", payment_id,
             cs);
    t_resp_t r = j_call("GET", path, NULL, NULL, 200);
    assert_string_equal(c_str(r.json, "status"), "INITIATED");
    t_resp_free(&r);

    r = stub_complete(cs, "paid", NULL);
    assert_int_equal(webhook_status(&r), 200);
    snprintf(evt, sizeof evt, "%s", c_str(cJSON_GetObjectItem(r.json, "event"), "id"));
    t_resp_free(&r);

    j_wait_order(j.customer.token, j.order_id, "payment_status", "PAID", WAIT_MS);
    j_wait_order(j.customer.token, j.order_id, "order_status", "CONFIRMED", WAIT_MS);
    p_wait_stock(j.product.sku, 4, 0, WAIT_MS);
    p_wait_events("PaymentSucceeded", payment_id, 1, WAIT_MS);

    /* Stripe retries: the same event four more times. */
    for (int i = 0; i < 4; i++) {
        r = stub_resend(evt);
        assert_int_equal(webhook_status(&r), 200);
        t_resp_free(&r);
    }
    assert_int_equal(p_events("PaymentSucceeded", payment_id), 1);

    /* The browser's return now shows the payment captured. */
    r = j_call("GET", path, NULL, NULL, 200);
    assert_string_equal(c_str(r.json, "status"), "SUCCEEDED");
    t_resp_free(&r);
    p_journey_free(&j);
}

static void test_stripe_failure_cancels_order(void **state)
{
    (void)state;
    p_journey_t j = p_journey("stripe", PRICE, 3, 1);
    char payment_id[37], cs[96];
    stripe_initiate(&j, payment_id, cs);
    t_resp_t r = stub_complete(cs, "failed", NULL);
    assert_int_equal(webhook_status(&r), 200);
    t_resp_free(&r);
    j_wait_order(j.customer.token, j.order_id, "order_status", "CANCELLED", WAIT_MS);
    p_wait_stock(j.product.sku, 3, 0, WAIT_MS);
    p_wait_events("PaymentFailed", payment_id, 1, WAIT_MS);
    assert_int_equal(p_events("PaymentSucceeded", payment_id), 0);
    p_journey_free(&j);
}

static void test_stripe_expired_session_cancels_order(void **state)
{
    (void)state;
    p_journey_t j = p_journey("stripe", PRICE, 3, 1);
    char payment_id[37], cs[96];
    stripe_initiate(&j, payment_id, cs);
    t_resp_t r = stub_complete(cs, "expired", NULL);
    assert_int_equal(webhook_status(&r), 200);
    t_resp_free(&r);
    p_wait_status(payment_id, "FAILED", WAIT_MS);
    j_wait_order(j.customer.token, j.order_id, "order_status", "CANCELLED", WAIT_MS);
    p_journey_free(&j);
}

static void test_stripe_forged_stale_tampered_change_nothing(void **state)
{
    (void)state;
    p_journey_t j = p_journey("stripe", PRICE, 5, 1);
    char payment_id[37], cs[96], body[1024], sig[160];
    stripe_initiate(&j, payment_id, cs);
    long now = (long)time(NULL);
    snprintf(body, sizeof body,
             "{\"id\":\"evt_forged_%s\",\"object\":\"event\",\"type\":\"checkout.session."
             "completed\",\"data\":{\"object\":{\"id\":\"%s\",\"object\":\"checkout.session\","
             "\"client_reference_id\":\"%s\",\"payment_status\":\"paid\",\"status\":\"complete\","
             "\"amount_total\":%d,\"currency\":\"npr\",\"payment_intent\":\"pi_forged\"}}}",
             cs + 8, cs, payment_id, PRICE);

    /* Forged: another secret. */
    p_sign("whsec_not_ours", now, body, sig);
    t_resp_t r = p_post_webhook("/payment/webhook/stripe", "Stripe-Signature", sig, body);
    assert_int_equal(r.status, 400);
    t_resp_free(&r);
    /* Only a v0 (test-mode decoy) signature. */
    p_sign(stack_get("STRIPE_WEBHOOK_SECRET"), now, body, sig);
    char v0[200];
    snprintf(v0, sizeof v0, "t=%ld,v0=%s", now, strstr(sig, "v1=") + 3);
    r = p_post_webhook("/payment/webhook/stripe", "Stripe-Signature", v0, body);
    assert_int_equal(r.status, 400);
    t_resp_free(&r);
    /* Stale: the right secret, ten minutes old (tolerance 300 s). */
    p_sign(stack_get("STRIPE_WEBHOOK_SECRET"), now - 601, body, sig);
    r = p_post_webhook("/payment/webhook/stripe", "Stripe-Signature", sig, body);
    assert_int_equal(r.status, 400);
    t_resp_free(&r);
    /* Tampered after signing. */
    p_sign(stack_get("STRIPE_WEBHOOK_SECRET"), now, body, sig);
    char *at = strstr(body, "\"amount_total\":");
    at[15] = '9';
    r = p_post_webhook("/payment/webhook/stripe", "Stripe-Signature", sig, body);
    assert_int_equal(r.status, 400);
    t_resp_free(&r);
    /* Correctly signed by the stub, but for another amount: rejected, logged. */
    r = stub_complete(cs, "paid", "1");
    assert_int_equal(webhook_status(&r), 400);
    t_resp_free(&r);

    char status[32], order[40];
    p_status(payment_id, status);
    assert_string_equal(status, "INITIATED");
    p_order_field(j.customer.token, j.order_id, "order_status", order);
    assert_string_equal(order, "PENDING_PAYMENT");
    assert_int_equal(p_events("PaymentSucceeded", payment_id), 0);
    p_wait_stock(j.product.sku, 5, 1, WAIT_MS);
    p_journey_free(&j);
}

static void test_stripe_admin_refund_goes_through_stripe(void **state)
{
    (void)state;
    p_journey_t j = p_journey("stripe", PRICE, 5, 1);
    char payment_id[37], cs[96], path[128];
    stripe_initiate(&j, payment_id, cs);
    t_resp_t r = stub_complete(cs, "paid", NULL);
    t_resp_free(&r);
    p_wait_status(payment_id, "SUCCEEDED", WAIT_MS);

    snprintf(path, sizeof path, "/admin/payments/%s/refund", payment_id);
    r = j_call("POST", path, j_admin(), "{\"amount\":500}", 201);
    const char *re = c_str(r.json, "provider_refund_id");
    assert_non_null(re);
    assert_int_equal(strncmp(re, "re_", 3), 0);
    t_resp_free(&r);
    r = j_call("POST", path, j_admin(), NULL, 201);
    t_resp_free(&r);
    p_wait_status(payment_id, "REFUNDED", WAIT_MS);
    p_wait_events("PaymentRefunded", payment_id, 2, WAIT_MS);

    /* The stub holds both refunds of the payment intent, 500 + 2000. */
    r = p_get(j_admin(), payment_id);
    assert_int_equal((long)c_num(r.json, "refunded_amount"), PRICE);
    t_resp_free(&r);
    p_journey_free(&j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stripe_success_confirms_order_and_redelivery_is_one_event),
        cmocka_unit_test(test_stripe_failure_cancels_order),
        cmocka_unit_test(test_stripe_expired_session_cancels_order),
        cmocka_unit_test(test_stripe_forged_stale_tampered_change_nothing),
        cmocka_unit_test(test_stripe_admin_refund_goes_through_stripe),
    };
    return cmocka_run_group_tests(tests, j_group_setup, NULL);
}
