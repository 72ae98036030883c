/* test_payment.c - the payment service through the gateway with the fake provider: the
 * whole journey (checkout -> initiate -> the hosted page's pay / fail -> signed webhook ->
 * order confirmed or cancelled, stock committed or released), webhooks delivered five
 * times at once, forged / stale / tampered webhooks, ownership, bad input, idempotent
 * initiate, admin refunds, and the automatic refunds (an order cancelled after it was
 * paid; a success arriving for an order already cancelled).
 *
 * Every test makes its own seller, product and customer, so tests share no order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <time.h>

#include "payment_journey_support.h"

#define WAIT_MS 20000
#define PRICE   1500

static const char *fake_secret(void)
{
    return stack_get("FAKE_WEBHOOK_SECRET");
}

/* POST /payment/fake/:id with the form field action=<action>. Caller frees. */
static t_resp_t fake_click(const char *payment_id, const char *action)
{
    char url[512], body[32];
    snprintf(url, sizeof url, "%s/payment/fake/%s", stack_get("GATEWAY_URL"), payment_id);
    snprintf(body, sizeof body, "action=%s", action);
    const char *headers[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    t_resp_t r;
    assert_int_equal(t_http("POST", url, NULL, body, headers, &r), 0);
    return r;
}

/* The payment is still INITIATED and the order still waits, with its stock reserved. */
static void nothing_changed(const p_journey_t *j, const char *payment_id, long quantity)
{
    char status[32], order[40];
    p_status(payment_id, status);
    assert_string_equal(status, "INITIATED");
    p_order_field(j->customer.token, j->order_id, "order_status", order);
    assert_string_equal(order, "PENDING_PAYMENT");
    assert_int_equal(p_events("PaymentSucceeded", payment_id), 0);
    assert_int_equal(p_events("PaymentFailed", payment_id), 0);
    p_wait_stock(j->product.sku, j->stock, quantity, WAIT_MS);
}

/* ---- the journey ---------------------------------------------------------------------- */

static void test_payment_fake_pay_confirms_order(void **state)
{
    (void)state;
    p_journey_t j = p_journey("fake", PRICE, 5, 2);
    t_resp_t r = p_initiate_raw(j.customer.token, j.order_id, "fake", NULL, 201);
    char payment_id[37];
    snprintf(payment_id, sizeof payment_id, "%s", c_str(r.json, "payment_id"));
    assert_string_equal(c_str(r.json, "order_id"), j.order_id);
    assert_string_equal(c_str(r.json, "provider"), "fake");
    assert_int_equal((long)c_num(r.json, "amount"), 2 * PRICE);
    assert_string_equal(c_str(r.json, "currency"), "NPR");
    const char *redirect = c_str(r.json, "redirect_url");
    assert_non_null(redirect);
    assert_non_null(strstr(redirect, payment_id));

    /* The hosted page, as a browser gets it through the gateway. */
    t_resp_t page;
    assert_int_equal(t_http("GET", redirect, NULL, NULL, NULL, &page), 0);
    assert_int_equal(page.status, 200);
    assert_non_null(strstr(page.body, "value=\"pay\""));
    t_resp_free(&page);
    t_resp_free(&r);
    p_wait_events("PaymentInitiated", payment_id, 1, WAIT_MS);

    r = fake_click(payment_id, "pay");
    assert_int_equal(r.status, 200);
    assert_string_equal(c_str(r.json, "status"), "SUCCEEDED");
    t_resp_free(&r);

    j_wait_order(j.customer.token, j.order_id, "payment_status", "PAID", WAIT_MS);
    j_wait_order(j.customer.token, j.order_id, "order_status", "CONFIRMED", WAIT_MS);
    p_wait_stock(j.product.sku, 3, 0, WAIT_MS);
    p_wait_events("PaymentSucceeded", payment_id, 1, WAIT_MS);
    assert_int_equal(p_events("PaymentSucceeded", payment_id), 1);

    /* The page no longer offers to pay; clicking again changes nothing. */
    r = fake_click(payment_id, "pay");
    assert_int_equal(r.status, 409);
    assert_string_equal(c_error_code(&r), "PAYMENT_NOT_PENDING");
    t_resp_free(&r);

    r = p_get(j.customer.token, payment_id);
    assert_int_equal(r.status, 200);
    assert_string_equal(c_str(r.json, "status"), "SUCCEEDED");
    assert_int_equal((long)c_num(r.json, "amount"), 2 * PRICE);
    t_resp_free(&r);
    p_journey_free(&j);
}

static void test_payment_fake_fail_cancels_order(void **state)
{
    (void)state;
    p_journey_t j = p_journey("fake", PRICE, 4, 3);
    char payment_id[37];
    p_initiate(&j, "fake", payment_id);
    p_wait_stock(j.product.sku, 4, 3, WAIT_MS);

    t_resp_t r = fake_click(payment_id, "fail");
    assert_int_equal(r.status, 200);
    assert_string_equal(c_str(r.json, "status"), "FAILED");
    t_resp_free(&r);

    j_wait_order(j.customer.token, j.order_id, "order_status", "CANCELLED", WAIT_MS);
    j_wait_order(j.customer.token, j.order_id, "payment_status", "FAILED", WAIT_MS);
    p_wait_stock(j.product.sku, 4, 0, WAIT_MS);
    p_wait_events("PaymentFailed", payment_id, 1, WAIT_MS);
    assert_int_equal(p_events("PaymentSucceeded", payment_id), 0);
    p_journey_free(&j);
}

/* ---- webhooks: duplicates, forgeries ------------------------------------------------- */

typedef struct delivery {
    const char *body;
    t_resp_t resp;
} delivery_t;

static void *deliver(void *arg)
{
    delivery_t *d = arg;
    char sig[160];
    p_sign(fake_secret(), (long)time(NULL), d->body, sig);
    char url[512], header[200];
    snprintf(url, sizeof url, "%s/payment/webhook/fake", stack_get("GATEWAY_URL"));
    snprintf(header, sizeof header, "X-Webhook-Signature: %s", sig);
    const char *headers[] = {header, NULL};
    if (t_http("POST", url, NULL, d->body, headers, &d->resp) != 0)
        d->resp.status = -1;
    return NULL;
}

static void test_payment_same_webhook_five_times_one_event(void **state)
{
    (void)state;
    p_journey_t j = p_journey("fake", PRICE, 5, 1);
    char payment_id[37], body[512], evt[64];
    p_initiate(&j, "fake", payment_id);
    snprintf(evt, sizeof evt, "evt_fake_five_%ld", (long)time(NULL));
    p_fake_body(evt, "payment.succeeded", payment_id, PRICE, "NPR", body);

    /* Five deliveries of one event, all at once. */
    pthread_t threads[5];
    delivery_t d[5];
    for (int i = 0; i < 5; i++) {
        d[i].body = body;
        assert_int_equal(pthread_create(&threads[i], NULL, deliver, &d[i]), 0);
    }
    int applied = 0, duplicate = 0;
    for (int i = 0; i < 5; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(d[i].resp.status, 200);
        const char *result = c_str(d[i].resp.json, "result");
        assert_non_null(result);
        applied += strcmp(result, "applied") == 0;
        duplicate += strcmp(result, "duplicate") == 0;
        t_resp_free(&d[i].resp);
    }
    assert_int_equal(applied, 1);
    assert_int_equal(duplicate, 4);

    j_wait_order(j.customer.token, j.order_id, "order_status", "CONFIRMED", WAIT_MS);
    p_wait_events("PaymentSucceeded", payment_id, 1, WAIT_MS);
    assert_int_equal(p_events("PaymentSucceeded", payment_id), 1);
    char *n =
        c_sql("SELECT count(*) FROM payments.notifications WHERE provider_event_id = $1", evt);
    assert_string_equal(n, "1");
    free(n);
    /* Another (authentic) success event for the paid payment: recorded, nothing moves. */
    p_fake_body("evt_fake_second_success", "payment.succeeded", payment_id, PRICE, "NPR", body);
    t_resp_t r = p_fake_webhook(fake_secret(), (long)time(NULL), body);
    assert_int_equal(r.status, 200);
    assert_string_equal(c_str(r.json, "result"), "unchanged");
    t_resp_free(&r);
    assert_int_equal(p_events("PaymentSucceeded", payment_id), 1);
    p_journey_free(&j);
}

static void test_payment_forged_stale_tampered_change_nothing(void **state)
{
    (void)state;
    p_journey_t j = p_journey("fake", PRICE, 5, 1);
    char payment_id[37], body[512], sig[160];
    p_initiate(&j, "fake", payment_id);
    long now = (long)time(NULL);

    /* Forged: signed with another secret. */
    p_fake_body("evt_forged", "payment.succeeded", payment_id, PRICE, "NPR", body);
    t_resp_t r = p_fake_webhook("not-the-secret", now, body);
    assert_int_equal(r.status, 400);
    assert_string_equal(c_error_code(&r), "SIGNATURE_INVALID");
    t_resp_free(&r);
    /* No signature at all. */
    r = p_post_webhook("/payment/webhook/fake", "X-Webhook-Signature", NULL, body);
    assert_int_equal(r.status, 400);
    t_resp_free(&r);
    /* Stale: the right secret, ten minutes ago (tolerance 300 s). */
    p_fake_body("evt_stale", "payment.succeeded", payment_id, PRICE, "NPR", body);
    r = p_fake_webhook(fake_secret(), now - 600, body);
    assert_int_equal(r.status, 400);
    assert_string_equal(c_error_code(&r), "SIGNATURE_INVALID");
    t_resp_free(&r);
    /* Tampered: signed, then the amount changed. */
    p_fake_body("evt_tampered", "payment.succeeded", payment_id, PRICE, "NPR", body);
    p_sign(fake_secret(), now, body, sig);
    char *at = strstr(body, "\"amount\":");
    assert_non_null(at);
    at[9] = '9';
    r = p_post_webhook("/payment/webhook/fake", "X-Webhook-Signature", sig, body);
    assert_int_equal(r.status, 400);
    t_resp_free(&r);
    /* Signed correctly, but for another amount / currency: rejected and logged. */
    p_fake_body("evt_amount", "payment.succeeded", payment_id, PRICE - 1, "NPR", body);
    r = p_fake_webhook(fake_secret(), now, body);
    assert_int_equal(r.status, 400);
    assert_string_equal(c_error_code(&r), "AMOUNT_MISMATCH");
    t_resp_free(&r);
    p_fake_body("evt_currency", "payment.succeeded", payment_id, PRICE, "USD", body);
    r = p_fake_webhook(fake_secret(), now, body);
    assert_int_equal(r.status, 400);
    assert_string_equal(c_error_code(&r), "AMOUNT_MISMATCH");
    t_resp_free(&r);
    /* Not JSON, no payment named. */
    r = p_post_webhook("/payment/webhook/fake", "X-Webhook-Signature", "t=1,v1=00", "nonsense");
    assert_int_equal(r.status, 400);
    t_resp_free(&r);

    nothing_changed(&j, payment_id, 1);

    /* The genuine webhook still works afterwards. */
    r = fake_click(payment_id, "pay");
    assert_int_equal(r.status, 200);
    t_resp_free(&r);
    j_wait_order(j.customer.token, j.order_id, "order_status", "CONFIRMED", WAIT_MS);
    p_journey_free(&j);
}

static void test_payment_webhook_for_unknown_payment(void **state)
{
    (void)state;
    char body[512];
    p_fake_body("evt_unknown_payment", "payment.succeeded", "00000000-0000-4000-8000-000000000001",
                PRICE, "NPR", body);
    t_resp_t r = p_fake_webhook(fake_secret(), (long)time(NULL), body);
    /* Authentic but about nothing of ours: acknowledged (so it is not retried forever). */
    assert_int_equal(r.status, 200);
    assert_string_equal(c_str(r.json, "result"), "unknown_payment");
    t_resp_free(&r);
    r = p_post_webhook("/payment/webhook/nosuch", "X-Webhook-Signature", "t=1,v1=00", body);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);
}

/* ---- initiate: who, what, how often ----------------------------------------------------- */

static void test_payment_other_customer_is_404(void **state)
{
    (void)state;
    p_journey_t j = p_journey("fake", PRICE, 5, 1);
    j_user_t other = j_user("customer");
    char payment_id[37];
    p_initiate(&j, "fake", payment_id);

    t_resp_t r = p_get(other.token, payment_id);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);
    r = p_get(j.seller.token, payment_id);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);
    r = p_get(j_admin(), payment_id);
    assert_int_equal(r.status, 200);
    t_resp_free(&r);
    r = p_get(NULL, payment_id);
    assert_int_equal(r.status, 401);
    t_resp_free(&r);
    r = p_get(j.customer.token, "00000000-0000-4000-8000-000000000002");
    assert_int_equal(r.status, 404);
    t_resp_free(&r);
    r = p_get(j.customer.token, "not-a-uuid");
    assert_int_equal(r.status, 404);
    t_resp_free(&r);

    /* Paying someone else's order: the order is not found for them. */
    r = p_initiate_raw(other.token, j.order_id, "fake", NULL, 404);
    t_resp_free(&r);
    j_user_free(&other);
    p_journey_free(&j);
}

static void test_payment_initiate_bad_input_and_roles(void **state)
{
    (void)state;
    p_journey_t j = p_journey("fake", PRICE, 5, 1);
    t_resp_t r = p_initiate_raw(j.customer.token, j.order_id, "paypal", NULL, 400);
    assert_true(c_names_field(&r, "provider"));
    t_resp_free(&r);
    r = p_initiate_raw(j.customer.token, "not-a-uuid", "fake", NULL, 400);
    assert_true(c_names_field(&r, "order_id"));
    t_resp_free(&r);
    r = j_call("POST", "/payment/initiate", j.customer.token, "{\"provider\":\"fake\"}", 400);
    assert_true(c_names_field(&r, "order_id"));
    t_resp_free(&r);
    r = j_call("POST", "/payment/initiate", j.customer.token, "{not json", 400);
    t_resp_free(&r);
    r = p_initiate_raw(j.customer.token, "00000000-0000-4000-8000-000000000003", "fake", NULL, 404);
    t_resp_free(&r);
    r = p_initiate_raw(j.seller.token, j.order_id, "fake", NULL, 403);
    t_resp_free(&r);
    r = p_initiate_raw(NULL, j.order_id, "fake", NULL, 401);
    t_resp_free(&r);
    p_journey_free(&j);
}

static void test_payment_initiate_idempotency_key(void **state)
{
    (void)state;
    p_journey_t j = p_journey("fake", PRICE, 5, 1);
    char key[40], hex[9];
    j_hex8(hex);
    snprintf(key, sizeof key, "pay-%s", hex);
    t_resp_t a = p_initiate_raw(j.customer.token, j.order_id, "fake", key, 201);
    t_resp_t b = p_initiate_raw(j.customer.token, j.order_id, "fake", key, 201);
    assert_string_equal(c_str(a.json, "payment_id"), c_str(b.json, "payment_id"));
    char *n = c_sql("SELECT count(*) FROM payments.payments WHERE order_id = $1", j.order_id);
    assert_string_equal(n, "1");
    free(n);
    /* The same key for another body. */
    t_resp_t c = p_initiate_raw(j.customer.token, j.order_id, "stripe", key, 422);
    t_resp_free(&a);
    t_resp_free(&b);
    t_resp_free(&c);
    p_journey_free(&j);
}

static void test_payment_paid_order_cannot_be_paid_again(void **state)
{
    (void)state;
    p_journey_t j = p_journey("fake", PRICE, 5, 1);
    char payment_id[37];
    p_initiate(&j, "fake", payment_id);
    t_resp_t r = fake_click(payment_id, "pay");
    assert_int_equal(r.status, 200);
    t_resp_free(&r);
    j_wait_order(j.customer.token, j.order_id, "payment_status", "PAID", WAIT_MS);
    r = p_initiate_raw(j.customer.token, j.order_id, "fake", NULL, 409);
    t_resp_free(&r);
    p_journey_free(&j);
}

/* ---- refunds -------------------------------------------------------------------------- */

static void refund(const char *token, const char *payment_id, const char *body, long want)
{
    char path[128];
    snprintf(path, sizeof path, "/admin/payments/%s/refund", payment_id);
    t_resp_t r = j_call("POST", path, token, body, want);
    t_resp_free(&r);
}

static void test_payment_admin_refunds_in_parts(void **state)
{
    (void)state;
    p_journey_t j = p_journey("fake", PRICE, 5, 2);
    char payment_id[37], status[32];
    p_initiate(&j, "fake", payment_id);
    /* Not captured yet: nothing to refund. */
    refund(j_admin(), payment_id, "{}", 409);
    t_resp_t r = fake_click(payment_id, "pay");
    t_resp_free(&r);
    p_wait_status(payment_id, "SUCCEEDED", WAIT_MS);

    refund(j.customer.token, payment_id, "{}", 403);
    refund(j_admin(), payment_id, "{\"amount\":0}", 400);
    refund(j_admin(), payment_id, "{\"amount\":\"10\"}", 400);
    refund(j_admin(), payment_id, "{\"amount\":99999999}", 409);
    refund(j_admin(), payment_id, "{\"amount\":1000,\"reason\":\"one item damaged\"}", 201);
    p_status(payment_id, status);
    assert_string_equal(status, "PARTIALLY_REFUNDED");
    refund(j_admin(), payment_id, "{}", 201);
    p_status(payment_id, status);
    assert_string_equal(status, "REFUNDED");
    refund(j_admin(), payment_id, "{}", 409);
    refund(j_admin(), "00000000-0000-4000-8000-000000000004", "{}", 404);

    r = p_get(j.customer.token, payment_id);
    assert_int_equal((long)c_num(r.json, "refunded_amount"), 2 * PRICE);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "refunds")), 2);
    t_resp_free(&r);
    p_wait_events("PaymentRefunded", payment_id, 2, WAIT_MS);
    p_journey_free(&j);
}

static void test_payment_cancelled_after_payment_is_refunded(void **state)
{
    (void)state;
    p_journey_t j = p_journey("fake", PRICE, 5, 1);
    char payment_id[37], path[128];
    p_initiate(&j, "fake", payment_id);
    t_resp_t r = fake_click(payment_id, "pay");
    t_resp_free(&r);
    j_wait_order(j.customer.token, j.order_id, "order_status", "CONFIRMED", WAIT_MS);

    /* A confirmed order is the admin's to cancel (the customer's window has closed). */
    snprintf(path, sizeof path, "/orders/%s/cancel", j.order_id);
    r = j_call("POST", path, j_admin(), "{}", 200);
    t_resp_free(&r);
    p_wait_status(payment_id, "REFUNDED", WAIT_MS);
    p_wait_events("PaymentRefunded", payment_id, 1, WAIT_MS);
    j_wait_order(j.customer.token, j.order_id, "payment_status", "REFUNDED", WAIT_MS);
    p_journey_free(&j);
}

typedef struct cancelled_wait {
    const char *order_id;
} cancelled_wait_t;

static bool payment_knows_cancelled(void *arg)
{
    cancelled_wait_t *w = arg;
    char *v =
        c_sql("SELECT count(*) FROM payments.cancelled_orders WHERE order_id = $1", w->order_id);
    bool yes = v != NULL && strcmp(v, "1") == 0;
    free(v);
    return yes;
}

static void test_payment_success_for_cancelled_order_is_refunded(void **state)
{
    (void)state;
    p_journey_t j = p_journey("fake", PRICE, 5, 1);
    char payment_id[37], path[128], body[512];
    p_initiate(&j, "fake", payment_id);
    snprintf(path, sizeof path, "/orders/%s/cancel", j.order_id);
    t_resp_t r = j_call("POST", path, j.customer.token, "{}", 0);
    t_resp_free(&r);
    j_wait_order(j.customer.token, j.order_id, "order_status", "CANCELLED", WAIT_MS);
    cancelled_wait_t w = {j.order_id};
    assert_true(t_wait_until(payment_knows_cancelled, &w, WAIT_MS));

    /* The provider took the money anyway (the buyer paid on a page left open). */
    char evt[64], hex[9];
    j_hex8(hex);
    snprintf(evt, sizeof evt, "evt_after_cancel_%s", hex);
    p_fake_body(evt, "payment.succeeded", payment_id, PRICE, "NPR", body);
    r = p_fake_webhook(fake_secret(), (long)time(NULL), body);
    assert_int_equal(r.status, 200);
    t_resp_free(&r);
    p_wait_status(payment_id, "REFUNDED", WAIT_MS);
    p_wait_events("PaymentRefunded", payment_id, 1, WAIT_MS);
    /* The order stays cancelled; the stock stays released. */
    char order[40];
    p_order_field(j.customer.token, j.order_id, "order_status", order);
    assert_string_equal(order, "CANCELLED");
    p_wait_stock(j.product.sku, 5, 0, WAIT_MS);
    p_journey_free(&j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_payment_fake_pay_confirms_order),
        cmocka_unit_test(test_payment_fake_fail_cancels_order),
        cmocka_unit_test(test_payment_same_webhook_five_times_one_event),
        cmocka_unit_test(test_payment_forged_stale_tampered_change_nothing),
        cmocka_unit_test(test_payment_webhook_for_unknown_payment),
        cmocka_unit_test(test_payment_other_customer_is_404),
        cmocka_unit_test(test_payment_initiate_bad_input_and_roles),
        cmocka_unit_test(test_payment_initiate_idempotency_key),
        cmocka_unit_test(test_payment_paid_order_cannot_be_paid_again),
        cmocka_unit_test(test_payment_admin_refunds_in_parts),
        cmocka_unit_test(test_payment_cancelled_after_payment_is_refunded),
        cmocka_unit_test(test_payment_success_for_cancelled_order_is_refunded),
    };
    return cmocka_run_group_tests(tests, j_group_setup, NULL);
}
