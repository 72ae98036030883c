/* test_money.c - minor-unit arithmetic within [0, MONEY_MAX_MINOR] and currency codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/errors.h"
#include "common/money.h"

static void test_money_currency_accepts_known_codes(void **state)
{
    (void)state;
    assert_true(money_currency_valid("NPR"));
    assert_true(money_currency_valid("USD"));
    assert_true(money_currency_valid("EUR"));
}

static void test_money_currency_rejects_lower_case(void **state)
{
    (void)state;
    assert_false(money_currency_valid("npr"));
}

static void test_money_currency_rejects_unknown_and_malformed(void **state)
{
    (void)state;
    assert_false(money_currency_valid("XYZ"));
    assert_false(money_currency_valid("US"));
    assert_false(money_currency_valid("USDX"));
    assert_false(money_currency_valid(""));
    assert_false(money_currency_valid(NULL));
}

static void test_money_add_sums(void **state)
{
    (void)state;
    int64_t out = 0;
    assert_int_equal(money_add(1999, 1, &out), 0);
    assert_int_equal(out, 2000);
}

static void test_money_add_allows_the_ceiling(void **state)
{
    (void)state;
    int64_t out = 0;
    assert_int_equal(money_add(MONEY_MAX_MINOR - 1, 1, &out), 0);
    assert_int_equal(out, MONEY_MAX_MINOR);
}

static void test_money_add_rejects_above_ceiling(void **state)
{
    (void)state;
    int64_t out = 42;
    assert_int_equal(money_add(MONEY_MAX_MINOR, 1, &out), ERR_INVALID);
    assert_int_equal(out, 42);
}

static void test_money_add_rejects_int64_overflow(void **state)
{
    (void)state;
    int64_t out = 42;
    assert_int_equal(money_add(INT64_MAX, INT64_MAX, &out), ERR_INVALID);
    assert_int_equal(out, 42);
}

static void test_money_add_rejects_negative_sum(void **state)
{
    (void)state;
    int64_t out = 42;
    assert_int_equal(money_add(5, -6, &out), ERR_INVALID);
    assert_int_equal(out, 42);
}

static void test_money_mul_multiplies(void **state)
{
    (void)state;
    int64_t out = 0;
    assert_int_equal(money_mul(2550, 3, &out), 0);
    assert_int_equal(out, 7650);
}

static void test_money_mul_rejects_above_ceiling(void **state)
{
    (void)state;
    int64_t out = 42;
    assert_int_equal(money_mul(MONEY_MAX_MINOR / 2 + 1, 2, &out), ERR_INVALID);
    assert_int_equal(out, 42);
}

static void test_money_mul_rejects_int64_overflow(void **state)
{
    (void)state;
    int64_t out = 42;
    assert_int_equal(money_mul(INT64_MAX / 2, 3, &out), ERR_INVALID);
    assert_int_equal(out, 42);
}

static void test_money_mul_rejects_negative_operand(void **state)
{
    (void)state;
    int64_t out = 42;
    assert_int_equal(money_mul(-100, 2, &out), ERR_INVALID);
    assert_int_equal(money_mul(100, -2, &out), ERR_INVALID);
    assert_int_equal(out, 42);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_money_currency_accepts_known_codes),
        cmocka_unit_test(test_money_currency_rejects_lower_case),
        cmocka_unit_test(test_money_currency_rejects_unknown_and_malformed),
        cmocka_unit_test(test_money_add_sums),
        cmocka_unit_test(test_money_add_allows_the_ceiling),
        cmocka_unit_test(test_money_add_rejects_above_ceiling),
        cmocka_unit_test(test_money_add_rejects_int64_overflow),
        cmocka_unit_test(test_money_add_rejects_negative_sum),
        cmocka_unit_test(test_money_mul_multiplies),
        cmocka_unit_test(test_money_mul_rejects_above_ceiling),
        cmocka_unit_test(test_money_mul_rejects_int64_overflow),
        cmocka_unit_test(test_money_mul_rejects_negative_operand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
