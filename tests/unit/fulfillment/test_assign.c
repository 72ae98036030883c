/* test_assign.c - the courier auto-assignment rules (services/fulfillment/assign.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "assign.h"

/* A courier added at seq with capacity and open shipments, serving every zone. */
static courier_load_t courier(int64_t seq, int64_t capacity, int64_t open)
{
    courier_load_t c = {.seq = seq, .capacity = capacity, .open = open, .serves_all = true};
    return c;
}

static void test_assign_rule_names(void **state)
{
    (void)state;
    const char *names[] = {"off", "round_robin", "zone", "capacity"};
    for (int i = 0; i < 4; i++) {
        assign_rule_t r;
        assert_true(assign_rule_parse(names[i], &r));
        assert_int_equal(r, i);
        assert_string_equal(assign_rule_name(r), names[i]);
    }
    assign_rule_t r;
    assert_false(assign_rule_parse("ROUND_ROBIN", &r));
    assert_false(assign_rule_parse("", &r));
    assert_false(assign_rule_parse(NULL, &r));
}

static void test_assign_off_picks_nobody(void **state)
{
    (void)state;
    courier_load_t c[] = {courier(1, 5, 0)};
    assert_int_equal(assign_pick(ASSIGN_OFF, c, 1, 0), -1);
}

static void test_assign_round_robin_takes_turns_and_wraps(void **state)
{
    (void)state;
    courier_load_t c[] = {courier(3, 5, 0), courier(7, 5, 0), courier(9, 5, 0)};
    assert_int_equal(assign_pick(ASSIGN_ROUND_ROBIN, c, 3, 0), 0);
    assert_int_equal(assign_pick(ASSIGN_ROUND_ROBIN, c, 3, 3), 1);
    assert_int_equal(assign_pick(ASSIGN_ROUND_ROBIN, c, 3, 7), 2);
    assert_int_equal(assign_pick(ASSIGN_ROUND_ROBIN, c, 3, 9), 0);
    /* The last one chosen was deactivated (not listed): the next one after it. */
    assert_int_equal(assign_pick(ASSIGN_ROUND_ROBIN, c, 3, 8), 2);
    assert_int_equal(assign_pick(ASSIGN_ROUND_ROBIN, c, 3, 100), 0);
}

static void test_assign_round_robin_skips_full_and_out_of_zone(void **state)
{
    (void)state;
    courier_load_t c[] = {courier(1, 5, 0), courier(2, 2, 2), courier(3, 5, 0)};
    c[2].serves_all = false; /* lists zones, not this one */
    assert_int_equal(assign_pick(ASSIGN_ROUND_ROBIN, c, 3, 1), 0);
    c[2].lists_zone = true;
    assert_int_equal(assign_pick(ASSIGN_ROUND_ROBIN, c, 3, 1), 2);
    c[0].open = 5;
    c[2].open = 5;
    assert_int_equal(assign_pick(ASSIGN_ROUND_ROBIN, c, 3, 1), -1);
    assert_int_equal(assign_pick(ASSIGN_ROUND_ROBIN, c, 0, 0), -1);
}

static void test_assign_zone_only_listing_couriers_least_busy(void **state)
{
    (void)state;
    courier_load_t c[] = {courier(1, 10, 0), courier(2, 10, 4), courier(3, 10, 2),
                          courier(4, 10, 2)};
    /* The first serves every zone but does not list this one: not eligible under "zone". */
    c[1].serves_all = c[2].serves_all = c[3].serves_all = false;
    c[1].lists_zone = c[2].lists_zone = c[3].lists_zone = true;
    assert_int_equal(assign_pick(ASSIGN_ZONE, c, 4, 0), 2); /* tie 2 vs 3: added first */
    c[2].open = 10;                                         /* full */
    assert_int_equal(assign_pick(ASSIGN_ZONE, c, 4, 0), 3);
    c[1].lists_zone = c[3].lists_zone = false;
    assert_int_equal(assign_pick(ASSIGN_ZONE, c, 4, 0), -1);
}

static void test_assign_capacity_most_free(void **state)
{
    (void)state;
    courier_load_t c[] = {courier(1, 5, 1), courier(2, 20, 10), courier(3, 8, 0)};
    assert_int_equal(assign_pick(ASSIGN_CAPACITY, c, 3, 0), 1); /* 10 free */
    c[1].open = 12;                                             /* 8 free: tie with the third */
    assert_int_equal(assign_pick(ASSIGN_CAPACITY, c, 3, 0), 1);
    c[1].serves_all = false; /* out of zone */
    assert_int_equal(assign_pick(ASSIGN_CAPACITY, c, 3, 0), 2);
    c[0].open = 5;
    c[2].open = 8;
    assert_int_equal(assign_pick(ASSIGN_CAPACITY, c, 3, 0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_assign_rule_names),
        cmocka_unit_test(test_assign_off_picks_nobody),
        cmocka_unit_test(test_assign_round_robin_takes_turns_and_wraps),
        cmocka_unit_test(test_assign_round_robin_skips_full_and_out_of_zone),
        cmocka_unit_test(test_assign_zone_only_listing_couriers_least_busy),
        cmocka_unit_test(test_assign_capacity_most_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
