/* test_payment.c - the payment aggregate's rules (payment.c), Stripe's event and
 * session reading (stripe.c), the fake provider's webhook (fake.c) and the order JSON
 * the order service answers (orders.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "fake.h"
#include "orders.h"
#include "payment.h"
#include "stripe.h"

static payment_row_t row(payment_status_t s, int64_t amount, int64_t refunded)
{
    payment_row_t p;
    memset(&p, 0, sizeof p);
    strcpy(p.id, "11111111-1111-4111-8111-111111111111");
    strcpy(p.order_id, "22222222-2222-4222-8222-222222222222");
    strcpy(p.customer_id, "33333333-3333-4333-8333-333333333333");
    strcpy(p.provider, "fake");
    strcpy(p.currency, "NPR");
    p.status = s;
    p.amount = amount;
    p.refunded_amount = refunded;
    return p;
}

static void test_payment_transitions(void **state)
{
    (void)state;
    assert_int_equal(payment_next_status(PAYMENT_INITIATED, PAY_OUTCOME_SUCCEEDED),
                     PAYMENT_SUCCEEDED);
    assert_int_equal(payment_next_status(PAYMENT_INITIATED, PAY_OUTCOME_FAILED), PAYMENT_FAILED);
    assert_int_equal(payment_next_status(PAYMENT_FAILED, PAY_OUTCOME_SUCCEEDED), PAYMENT_SUCCEEDED);
    assert_int_equal(payment_next_status(PAYMENT_SUCCEEDED, PAY_OUTCOME_SUCCEEDED), -1);
    assert_int_equal(payment_next_status(PAYMENT_SUCCEEDED, PAY_OUTCOME_FAILED), -1);
    assert_int_equal(payment_next_status(PAYMENT_INITIATED, PAY_OUTCOME_PENDING), -1);
    assert_int_equal(payment_next_status(PAYMENT_INITIATED, PAY_OUTCOME_IGNORED), -1);
    assert_int_equal(payment_next_status(PAYMENT_REFUNDED, PAY_OUTCOME_SUCCEEDED), -1);
    assert_string_equal(payment_event_type(PAYMENT_SUCCEEDED), "PaymentSucceeded");
    assert_string_equal(payment_event_type(PAYMENT_PARTIALLY_REFUNDED), "PaymentRefunded");
}

static void test_payment_status_names_round_trip(void **state)
{
    (void)state;
    for (int s = PAYMENT_INITIATED; s <= PAYMENT_PARTIALLY_REFUNDED; s++) {
        payment_status_t back;
        assert_int_equal(payment_status_parse(payment_status_name((payment_status_t)s), &back), 0);
        assert_int_equal(back, s);
    }
    payment_status_t x;
    assert_int_equal(payment_status_parse("PAID", &x), ERR_INVALID);
}

static void test_payment_amount_check(void **state)
{
    (void)state;
    payment_row_t p = row(PAYMENT_INITIATED, 150000, 0);
    assert_true(payment_amount_matches(&p, 150000, "NPR", PAY_OUTCOME_SUCCEEDED));
    assert_true(payment_amount_matches(&p, 150000, "", PAY_OUTCOME_SUCCEEDED));
    assert_false(payment_amount_matches(&p, 150001, "NPR", PAY_OUTCOME_SUCCEEDED));
    assert_false(payment_amount_matches(&p, 150000, "USD", PAY_OUTCOME_SUCCEEDED));
    /* A success must say how much; a failure need not. */
    assert_false(payment_amount_matches(&p, -1, "NPR", PAY_OUTCOME_SUCCEEDED));
    assert_true(payment_amount_matches(&p, -1, "", PAY_OUTCOME_FAILED));
}

static void test_payment_refund_amounts(void **state)
{
    (void)state;
    int64_t a = 0;
    payment_row_t p = row(PAYMENT_SUCCEEDED, 1000, 0);
    assert_int_equal(payment_refund_amount(&p, 0, 0, &a), 0);
    assert_int_equal(a, 1000);
    assert_int_equal(payment_refund_amount(&p, 0, 400, &a), 0);
    assert_int_equal(a, 400);
    assert_int_equal(payment_refund_amount(&p, 700, 400, &a), ERR_CONFLICT);
    assert_int_equal(payment_refund_amount(&p, 0, 1001, &a), ERR_CONFLICT);
    p = row(PAYMENT_PARTIALLY_REFUNDED, 1000, 400);
    assert_int_equal(payment_refund_amount(&p, 0, 0, &a), 0);
    assert_int_equal(a, 600);
    assert_int_equal(payment_status_after_refund(&p, 600), PAYMENT_PARTIALLY_REFUNDED);
    assert_int_equal(payment_status_after_refund(&p, 1000), PAYMENT_REFUNDED);
    p = row(PAYMENT_INITIATED, 1000, 0);
    assert_int_equal(payment_refund_amount(&p, 0, 0, &a), ERR_CONFLICT);
    p = row(PAYMENT_REFUNDED, 1000, 1000);
    assert_int_equal(payment_refund_amount(&p, 0, 0, &a), ERR_CONFLICT);
}

static void test_payment_event_data(void **state)
{
    (void)state;
    payment_row_t p = row(PAYMENT_REFUNDED, 1000, 1000);
    strcpy(p.provider_reference, "cs_test_1");
    cJSON *d = payment_event_data(&p, "order_cancelled", "44444444-4444-4444-8444-444444444444",
                                  1000, 1700000000);
    assert_non_null(d);
    assert_string_equal(cJSON_GetObjectItem(d, "paymentId")->valuestring, p.id);
    assert_string_equal(cJSON_GetObjectItem(d, "status")->valuestring, "REFUNDED");
    assert_string_equal(cJSON_GetObjectItem(d, "occurredAt")->valuestring, "2023-11-14T22:13:20Z");
    assert_int_equal((int)cJSON_GetObjectItem(d, "refundAmount")->valuedouble, 1000);
    assert_string_equal(cJSON_GetObjectItem(d, "reason")->valuestring, "order_cancelled");
    cJSON_Delete(d);
    d = payment_event_data(&p, NULL, NULL, 0, 0);
    assert_null(cJSON_GetObjectItem(d, "reason"));
    assert_null(cJSON_GetObjectItem(d, "refundId"));
    cJSON_Delete(d);
}

#define EVENT(type, pay_status, status, amount)                                                    \
    "{\"id\":\"evt_1\",\"object\":\"event\",\"type\":\"" type "\",\"data\":{\"object\":{"          \
    "\"id\":\"cs_test_1\",\"object\":\"checkout.session\",\"client_reference_id\":"                \
    "\"11111111-1111-4111-8111-111111111111\",\"payment_status\":\"" pay_status "\","              \
    "\"status\":\"" status "\",\"amount_total\":" amount ",\"currency\":\"npr\","                  \
    "\"payment_intent\":\"pi_1\"}}}"

static void test_stripe_event_completed_paid(void **state)
{
    (void)state;
    const char *b = EVENT("checkout.session.completed", "paid", "complete", "150000");
    pay_event_t ev;
    assert_int_equal(stripe_event_read(b, strlen(b), &ev), 0);
    assert_int_equal(ev.outcome, PAY_OUTCOME_SUCCEEDED);
    assert_string_equal(ev.event_id, "evt_1");
    assert_string_equal(ev.payment_id, "11111111-1111-4111-8111-111111111111");
    assert_string_equal(ev.provider_reference, "cs_test_1");
    assert_string_equal(ev.provider_txn, "pi_1");
    assert_string_equal(ev.currency, "NPR");
    assert_int_equal(ev.amount, 150000);
}

static void test_stripe_event_outcomes(void **state)
{
    (void)state;
    pay_event_t ev;
    const char *unpaid = EVENT("checkout.session.completed", "unpaid", "complete", "1");
    assert_int_equal(stripe_event_read(unpaid, strlen(unpaid), &ev), 0);
    assert_int_equal(ev.outcome, PAY_OUTCOME_PENDING);
    const char *failed = EVENT("checkout.session.async_payment_failed", "unpaid", "complete", "1");
    assert_int_equal(stripe_event_read(failed, strlen(failed), &ev), 0);
    assert_int_equal(ev.outcome, PAY_OUTCOME_FAILED);
    const char *expired = EVENT("checkout.session.expired", "unpaid", "expired", "1");
    assert_int_equal(stripe_event_read(expired, strlen(expired), &ev), 0);
    assert_int_equal(ev.outcome, PAY_OUTCOME_FAILED);
    const char *other = "{\"id\":\"evt_2\",\"type\":\"charge.refunded\",\"data\":{\"object\":{}}}";
    assert_int_equal(stripe_event_read(other, strlen(other), &ev), 0);
    assert_int_equal(ev.outcome, PAY_OUTCOME_IGNORED);
    assert_int_equal(stripe_event_read("{", 1, &ev), ERR_INVALID);
    assert_int_equal(stripe_event_read("{\"id\":\"e\"}", 10, &ev), ERR_INVALID);
}

static void test_fake_webhook_body(void **state)
{
    (void)state;
    char *b = fake_webhook_body("11111111-1111-4111-8111-111111111111", 2500, "NPR", false, 42);
    assert_non_null(b);
    cJSON *j = cJSON_Parse(b);
    assert_string_equal(cJSON_GetObjectItem(j, "type")->valuestring, "payment.failed");
    assert_int_equal(strncmp(cJSON_GetObjectItem(j, "id")->valuestring, "evt_fake_", 9), 0);
    cJSON *d = cJSON_GetObjectItem(j, "data");
    assert_int_equal((int)cJSON_GetObjectItem(d, "amount")->valuedouble, 2500);
    cJSON_Delete(j);
    free(b);
}

static void test_order_info_parse(void **state)
{
    (void)state;
    const char *text = "{\"order_id\":\"22222222-2222-4222-8222-222222222222\",\"order_number\":"
                       "\"ORD-000001\",\"customer_id\":\"33333333-3333-4333-8333-333333333333\","
                       "\"order_status\":\"PENDING_PAYMENT\",\"payment_status\":\"PENDING\","
                       "\"currency\":\"NPR\",\"final_price\":123400}";
    cJSON *j = cJSON_Parse(text);
    order_info_t o;
    assert_int_equal(order_info_parse(j, &o), 0);
    assert_int_equal(o.total, 123400);
    assert_string_equal(o.order_status, "PENDING_PAYMENT");
    cJSON_DeleteItemFromObject(j, "final_price");
    assert_int_equal(order_info_parse(j, &o), ERR_INVALID);
    cJSON_AddNumberToObject(j, "final_price", 1.5);
    assert_int_equal(order_info_parse(j, &o), ERR_INVALID);
    cJSON_Delete(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_payment_transitions),
        cmocka_unit_test(test_payment_status_names_round_trip),
        cmocka_unit_test(test_payment_amount_check),
        cmocka_unit_test(test_payment_refund_amounts),
        cmocka_unit_test(test_payment_event_data),
        cmocka_unit_test(test_stripe_event_completed_paid),
        cmocka_unit_test(test_stripe_event_outcomes),
        cmocka_unit_test(test_fake_webhook_body),
        cmocka_unit_test(test_order_info_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
