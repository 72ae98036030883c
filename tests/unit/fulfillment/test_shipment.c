/* test_shipment.c - the shipment's status path, every (from, to) pair
 * (services/fulfillment/shipment.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>

#include "shipment.h"

#define C SHIP_CONFIRMED
#define P SHIP_PACKING
#define S SHIP_SHIPPED
#define O SHIP_OUT_FOR_DELIVERY
#define D SHIP_DELIVERED
#define X SHIP_CANCELLED

/* The whole table, written out by hand rather than derived, so the test does not share
 * the implementation's reasoning: rows are from, columns to (C P S O D X). */
static const shipment_verdict_t want[SHIP_STATUS_COUNT][SHIP_STATUS_COUNT] = {
    /* from CONFIRMED */
    {SHIP_MOVE_SAME, SHIP_MOVE_OK, SHIP_MOVE_SKIP, SHIP_MOVE_SKIP, SHIP_MOVE_SKIP, SHIP_MOVE_OK},
    /* from PACKING */
    {SHIP_MOVE_BACK, SHIP_MOVE_SAME, SHIP_MOVE_OK, SHIP_MOVE_SKIP, SHIP_MOVE_SKIP, SHIP_MOVE_OK},
    /* from SHIPPED */
    {SHIP_MOVE_BACK, SHIP_MOVE_BACK, SHIP_MOVE_SAME, SHIP_MOVE_OK, SHIP_MOVE_SKIP,
     SHIP_MOVE_TOO_LATE},
    /* from OUT_FOR_DELIVERY */
    {SHIP_MOVE_BACK, SHIP_MOVE_BACK, SHIP_MOVE_BACK, SHIP_MOVE_SAME, SHIP_MOVE_OK,
     SHIP_MOVE_TOO_LATE},
    /* from DELIVERED */
    {SHIP_MOVE_FINAL, SHIP_MOVE_FINAL, SHIP_MOVE_FINAL, SHIP_MOVE_FINAL, SHIP_MOVE_SAME,
     SHIP_MOVE_FINAL},
    /* from CANCELLED */
    {SHIP_MOVE_FINAL, SHIP_MOVE_FINAL, SHIP_MOVE_FINAL, SHIP_MOVE_FINAL, SHIP_MOVE_FINAL,
     SHIP_MOVE_SAME},
};

static void test_shipment_every_pair(void **state)
{
    (void)state;
    for (int from = 0; from < SHIP_STATUS_COUNT; from++) {
        for (int to = 0; to < SHIP_STATUS_COUNT; to++) {
            shipment_verdict_t got =
                shipment_transition((shipment_status_t)from, (shipment_status_t)to);
            if (got != want[from][to])
                fail_msg("%s -> %s: verdict %d, want %d",
                         shipment_status_name((shipment_status_t)from),
                         shipment_status_name((shipment_status_t)to), got, want[from][to]);
        }
    }
}

static void test_shipment_forward_path_reaches_delivered(void **state)
{
    (void)state;
    shipment_status_t s = C, next;
    const shipment_status_t path[] = {P, S, O, D};
    for (int i = 0; i < 4; i++) {
        assert_true(shipment_next(s, &next));
        assert_int_equal(next, path[i]);
        assert_int_equal(shipment_transition(s, next), SHIP_MOVE_OK);
        s = next;
    }
    assert_false(shipment_next(D, &next));
    assert_false(shipment_next(X, &next));
}

static void test_shipment_names_round_trip(void **state)
{
    (void)state;
    const char *names[] = {"CONFIRMED",        "PACKING",   "SHIPPED",
                           "OUT_FOR_DELIVERY", "DELIVERED", "CANCELLED"};
    for (int i = 0; i < SHIP_STATUS_COUNT; i++) {
        shipment_status_t s;
        assert_string_equal(shipment_status_name((shipment_status_t)i), names[i]);
        assert_true(shipment_status_parse(names[i], &s));
        assert_int_equal(s, i);
    }
    shipment_status_t s;
    assert_false(shipment_status_parse("shipped", &s));
    assert_false(shipment_status_parse("", &s));
    assert_false(shipment_status_parse(NULL, &s));
    assert_false(shipment_status_parse("SHIPPED ", &s));
    assert_null(shipment_status_name(SHIP_STATUS_COUNT));
}

static void test_shipment_open_and_changeable(void **state)
{
    (void)state;
    assert_true(shipment_is_open(C));
    assert_true(shipment_is_open(P));
    assert_true(shipment_is_open(S));
    assert_true(shipment_is_open(O));
    assert_false(shipment_is_open(D));
    assert_false(shipment_is_open(X));
    assert_true(shipment_courier_changeable(C));
    assert_true(shipment_courier_changeable(P));
    assert_false(shipment_courier_changeable(S));
    assert_false(shipment_courier_changeable(O));
    assert_false(shipment_courier_changeable(D));
    assert_false(shipment_courier_changeable(X));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipment_every_pair),
        cmocka_unit_test(test_shipment_forward_path_reaches_delivered),
        cmocka_unit_test(test_shipment_names_round_trip),
        cmocka_unit_test(test_shipment_open_and_changeable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
