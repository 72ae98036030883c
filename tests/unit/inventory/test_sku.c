/* test_sku.c - SKU codes, attributes and count arithmetic (services/inventory/sku.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "sku.h"

static void test_sku_code_valid_accepts_store_codes(void **state)
{
    (void)state;
    assert_true(sku_code_valid("TSHIRT-RED-M"));
    assert_true(sku_code_valid("a"));
    assert_true(sku_code_valid("9.5_wide-EU"));
    char longest[SKU_CODE_MAX + 1];
    memset(longest, 'A', SKU_CODE_MAX);
    longest[SKU_CODE_MAX] = '\0';
    assert_true(sku_code_valid(longest));
}

static void test_sku_code_invalid_rejected(void **state)
{
    (void)state;
    const char *bad[] = {"",        "-lead",  ".lead",  "_lead",  "has space", "slash/inside",
                         "quote\"", "comma,", "brace{", "ümlaut", "tab\t",     "percent%20"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (sku_code_valid(bad[i]))
            fail_msg("accepted \"%s\"", bad[i]);
    assert_false(sku_code_valid(NULL));
    char too_long[SKU_CODE_MAX + 2];
    memset(too_long, 'A', SKU_CODE_MAX + 1);
    too_long[SKU_CODE_MAX + 1] = '\0';
    assert_false(sku_code_valid(too_long));
}

static void test_sku_attributes_absent_or_strings_ok(void **state)
{
    (void)state;
    assert_null(sku_attributes_problem(NULL));
    cJSON *null = cJSON_CreateNull();
    assert_null(sku_attributes_problem(null));
    cJSON_Delete(null);
    cJSON *a = cJSON_Parse("{\"size\":\"M\",\"colour\":\"rød\"}");
    assert_null(sku_attributes_problem(a));
    cJSON_Delete(a);
    cJSON *empty = cJSON_Parse("{}");
    assert_null(sku_attributes_problem(empty));
    cJSON_Delete(empty);
}

static void test_sku_attributes_bad_shapes_rejected(void **state)
{
    (void)state;
    const char *bad[] = {
        "[]",
        "\"size\"",
        "{\"size\":1}",
        "{\"size\":null}",
        "{\"size\":\"\"}",
        "{\"\":\"M\"}",
        "{\"size\":\"M\",\"size\":\"L\"}",
        "{\"size\":\"a\\nb\"}",
        "{\"a\":\"1\",\"b\":\"1\",\"c\":\"1\",\"d\":\"1\",\"e\":\"1\",\"f\":\"1\",\"g\":\"1\","
        "\"h\":\"1\",\"i\":\"1\",\"j\":\"1\",\"k\":\"1\"}",
        "{\"size\":\"0123456789012345678901234567890123456789012345678901234567890123456789\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *a = cJSON_Parse(bad[i]);
        assert_non_null(a);
        if (sku_attributes_problem(a) == NULL)
            fail_msg("accepted %s", bad[i]);
        cJSON_Delete(a);
    }
}

static void test_sku_adjust_delta_and_set(void **state)
{
    (void)state;
    int64_t next = -1;
    assert_int_equal(sku_adjust(10, 3, false, 5, &next), SKU_ADJUST_OK);
    assert_int_equal(next, 15);
    assert_int_equal(sku_adjust(10, 3, false, -7, &next), SKU_ADJUST_OK);
    assert_int_equal(next, 3);
    assert_int_equal(sku_adjust(10, 3, true, 4, &next), SKU_ADJUST_OK);
    assert_int_equal(next, 4);
    assert_int_equal(sku_adjust(0, 0, true, SKU_COUNT_MAX, &next), SKU_ADJUST_OK);
    assert_int_equal(next, SKU_COUNT_MAX);
}

static void test_sku_adjust_never_below_reserved(void **state)
{
    (void)state;
    int64_t next = 42;
    assert_int_equal(sku_adjust(10, 3, false, -8, &next), SKU_ADJUST_BELOW_RESERVED);
    assert_int_equal(sku_adjust(10, 3, true, 2, &next), SKU_ADJUST_BELOW_RESERVED);
    assert_int_equal(sku_adjust(10, 0, false, -11, &next), SKU_ADJUST_BELOW_RESERVED);
    assert_int_equal(sku_adjust(10, 0, true, -1, &next), SKU_ADJUST_BELOW_RESERVED);
    assert_int_equal(sku_adjust(10, 0, false, INT64_MIN, &next), SKU_ADJUST_BELOW_RESERVED);
    assert_int_equal(next, 42); /* untouched on refusal */
}

static void test_sku_adjust_ceiling_and_noop(void **state)
{
    (void)state;
    int64_t next = 42;
    assert_int_equal(sku_adjust(SKU_COUNT_MAX, 0, false, 1, &next), SKU_ADJUST_ABOVE_MAX);
    assert_int_equal(sku_adjust(5, 0, true, SKU_COUNT_MAX + 1, &next), SKU_ADJUST_ABOVE_MAX);
    assert_int_equal(sku_adjust(5, 0, false, INT64_MAX, &next), SKU_ADJUST_ABOVE_MAX);
    assert_int_equal(sku_adjust(5, 2, true, 5, &next), SKU_ADJUST_NOOP);
    assert_int_equal(next, 42);
}

static void test_sku_crossing_detects_zero(void **state)
{
    (void)state;
    assert_int_equal(sku_crossing(1, 0), SKU_CROSS_OUT);
    assert_int_equal(sku_crossing(5, 0), SKU_CROSS_OUT);
    assert_int_equal(sku_crossing(0, 1), SKU_CROSS_BACK);
    assert_int_equal(sku_crossing(0, 7), SKU_CROSS_BACK);
    assert_int_equal(sku_crossing(0, 0), SKU_CROSS_NONE);
    assert_int_equal(sku_crossing(3, 1), SKU_CROSS_NONE);
    assert_int_equal(sku_crossing(1, 3), SKU_CROSS_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sku_code_valid_accepts_store_codes),
        cmocka_unit_test(test_sku_code_invalid_rejected),
        cmocka_unit_test(test_sku_attributes_absent_or_strings_ok),
        cmocka_unit_test(test_sku_attributes_bad_shapes_rejected),
        cmocka_unit_test(test_sku_adjust_delta_and_set),
        cmocka_unit_test(test_sku_adjust_never_below_reserved),
        cmocka_unit_test(test_sku_adjust_ceiling_and_noop),
        cmocka_unit_test(test_sku_crossing_detects_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
