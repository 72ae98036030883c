/* test_order_status.c - the order's state machine and its small rules
 * (services/order/order.c): every pair of statuses, cancellation rights, payment
 * methods, shipments, cursors and date filters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/errors.h"
#include "order.h"

/* The transitions the issue allows, and no other. */
static bool expected_legal(order_status_t from, order_status_t to)
{
    return (from == ORDER_PENDING_PAYMENT && to == ORDER_CONFIRMED) ||
           (from == ORDER_CONFIRMED && to == ORDER_PACKING) ||
           (from == ORDER_PACKING && to == ORDER_SHIPPED) ||
           (from == ORDER_SHIPPED && to == ORDER_OUT_FOR_DELIVERY) ||
           (from == ORDER_OUT_FOR_DELIVERY && to == ORDER_DELIVERED) ||
           (from == ORDER_PENDING_PAYMENT && to == ORDER_CANCELLED) ||
           (from == ORDER_CONFIRMED && to == ORDER_CANCELLED);
}

static void test_order_transition_every_pair(void **state)
{
    (void)state;
    int legal = 0;
    for (int from = 0; from < ORDER_STATUS_COUNT; from++) {
        for (int to = 0; to < ORDER_STATUS_COUNT; to++) {
            int want = expected_legal((order_status_t)from, (order_status_t)to) ? 0 : ERR_CONFLICT;
            int got = order_transition((order_status_t)from, (order_status_t)to);
            if (got != want)
                fail_msg("%s -> %s: got %d, want %d", order_status_name((order_status_t)from),
                         order_status_name((order_status_t)to), got, want);
            legal += got == 0;
        }
    }
    assert_int_equal(legal, 7);
}

static void test_order_transition_out_of_range_refused(void **state)
{
    (void)state;
    assert_int_equal(order_transition(ORDER_STATUS_INVALID, ORDER_CONFIRMED), ERR_CONFLICT);
    assert_int_equal(order_transition(ORDER_PENDING_PAYMENT, ORDER_STATUS_INVALID), ERR_CONFLICT);
    assert_int_equal(order_transition(ORDER_STATUS_COUNT, ORDER_CONFIRMED), ERR_CONFLICT);
    assert_int_equal(order_transition(ORDER_PENDING_PAYMENT, ORDER_STATUS_COUNT), ERR_CONFLICT);
}

static void test_order_status_final(void **state)
{
    (void)state;
    for (int s = 0; s < ORDER_STATUS_COUNT; s++)
        assert_int_equal(order_status_final((order_status_t)s),
                         s == ORDER_DELIVERED || s == ORDER_CANCELLED);
}

static void test_order_status_names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < ORDER_STATUS_COUNT; s++)
        assert_int_equal(order_status_parse(order_status_name((order_status_t)s)), s);
    for (int s = 0; s < PAYMENT_STATUS_COUNT; s++)
        assert_int_equal(payment_status_parse(payment_status_name((payment_status_t)s)), s);
    assert_int_equal(order_status_parse("pending_payment"), ORDER_STATUS_INVALID);
    assert_int_equal(order_status_parse(NULL), ORDER_STATUS_INVALID);
    assert_null(order_status_name(ORDER_STATUS_COUNT));
    assert_int_equal(payment_status_parse("paid"), PAYMENT_STATUS_INVALID);
    assert_string_equal(order_status_name(ORDER_OUT_FOR_DELIVERY), "OUT_FOR_DELIVERY");
}

static void test_order_cancel_allowed_by_role(void **state)
{
    (void)state;
    for (int s = 0; s < ORDER_STATUS_COUNT; s++) {
        assert_int_equal(order_cancel_allowed((order_status_t)s, false),
                         s == ORDER_PENDING_PAYMENT ? 0 : ERR_CONFLICT);
        assert_int_equal(order_cancel_allowed((order_status_t)s, true),
                         s == ORDER_PENDING_PAYMENT || s == ORDER_CONFIRMED ? 0 : ERR_CONFLICT);
    }
}

static void test_order_payment_methods(void **state)
{
    (void)state;
    assert_true(order_payment_method_valid("fake"));
    assert_true(order_payment_method_valid("stripe"));
    assert_true(order_payment_method_valid("khalti"));
    assert_true(order_payment_method_valid("esewa"));
    assert_false(order_payment_method_valid("Stripe"));
    assert_false(order_payment_method_valid("cash"));
    assert_false(order_payment_method_valid(""));
    assert_false(order_payment_method_valid(NULL));
}

static void test_order_status_follows_least_advanced_shipment(void **state)
{
    (void)state;
    const char *one[] = {"SHIPPED"};
    const char *two[] = {"DELIVERED", "PACKING"};
    const char *skip[] = {"CANCELLED", "OUT_FOR_DELIVERY", "bogus"};
    const char *none[] = {"CANCELLED"};
    assert_int_equal(order_status_from_shipments(one, 1), ORDER_SHIPPED);
    assert_int_equal(order_status_from_shipments(two, 2), ORDER_PACKING);
    assert_int_equal(order_status_from_shipments(skip, 3), ORDER_OUT_FOR_DELIVERY);
    assert_int_equal(order_status_from_shipments(none, 1), ORDER_STATUS_INVALID);
    assert_int_equal(order_status_from_shipments(NULL, 0), ORDER_STATUS_INVALID);
    assert_int_equal(order_status_of_shipment("PENDING_PAYMENT"), ORDER_STATUS_INVALID);
}

static void test_order_next_toward_steps_one_at_a_time(void **state)
{
    (void)state;
    assert_int_equal(order_next_toward(ORDER_CONFIRMED, ORDER_SHIPPED), ORDER_PACKING);
    assert_int_equal(order_next_toward(ORDER_PACKING, ORDER_SHIPPED), ORDER_SHIPPED);
    assert_int_equal(order_next_toward(ORDER_SHIPPED, ORDER_SHIPPED), ORDER_STATUS_INVALID);
    assert_int_equal(order_next_toward(ORDER_SHIPPED, ORDER_PACKING), ORDER_STATUS_INVALID);
    assert_int_equal(order_next_toward(ORDER_PENDING_PAYMENT, ORDER_PACKING), ORDER_STATUS_INVALID);
    assert_int_equal(order_next_toward(ORDER_CANCELLED, ORDER_DELIVERED), ORDER_STATUS_INVALID);
    assert_int_equal(order_next_toward(ORDER_DELIVERED, ORDER_DELIVERED), ORDER_STATUS_INVALID);
}

static void test_order_cursor_parse(void **state)
{
    (void)state;
    int64_t us = 0;
    char id[37];
    assert_int_equal(
        order_cursor_parse("1764000000123456_0b72d66e-4c38-47b1-9092-adfc9809f822", &us, id), 0);
    assert_true(us == 1764000000123456LL);
    assert_string_equal(id, "0b72d66e-4c38-47b1-9092-adfc9809f822");
    assert_int_equal(order_cursor_parse("", &us, id), ERR_INVALID);
    assert_int_equal(order_cursor_parse("_0b72d66e-4c38-47b1-9092-adfc9809f822", &us, id),
                     ERR_INVALID);
    assert_int_equal(order_cursor_parse("12x_0b72d66e-4c38-47b1-9092-adfc9809f822", &us, id),
                     ERR_INVALID);
    assert_int_equal(order_cursor_parse("12_not-a-uuid", &us, id), ERR_INVALID);
    assert_int_equal(
        order_cursor_parse("1234567890123456789_0b72d66e-4c38-47b1-9092-adfc9809f822", &us, id),
        ERR_INVALID);
}

static void test_order_time_filter_valid(void **state)
{
    (void)state;
    assert_true(order_time_filter_valid("2026-01-31"));
    assert_true(order_time_filter_valid("2026-01-31T10:20:30Z"));
    assert_true(order_time_filter_valid("2026-01-31T10:20:30.123Z"));
    assert_true(order_time_filter_valid("2026-01-31T10:20:30+05:45"));
    assert_false(order_time_filter_valid("2026-1-31"));
    assert_false(order_time_filter_valid("2026-01-31T10:20"));
    assert_false(order_time_filter_valid("2026-01-31T10:20:30"));
    assert_false(order_time_filter_valid("2026-01-31T10:20:30.Z"));
    assert_false(order_time_filter_valid("2026-01-31; DROP"));
    assert_false(order_time_filter_valid("yesterday"));
    assert_false(order_time_filter_valid(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_transition_every_pair),
        cmocka_unit_test(test_order_transition_out_of_range_refused),
        cmocka_unit_test(test_order_status_final),
        cmocka_unit_test(test_order_status_names_round_trip),
        cmocka_unit_test(test_order_cancel_allowed_by_role),
        cmocka_unit_test(test_order_payment_methods),
        cmocka_unit_test(test_order_status_follows_least_advanced_shipment),
        cmocka_unit_test(test_order_next_toward_steps_one_at_a_time),
        cmocka_unit_test(test_order_cursor_parse),
        cmocka_unit_test(test_order_time_filter_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
