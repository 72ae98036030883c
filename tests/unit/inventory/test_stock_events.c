/* test_stock_events.c - the data of inventory's events (services/inventory/stock_events.c):
 * the field names and values the proto messages in inventory.proto expect. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "stock_events.h"

static const stock_snapshot_t snap = {.sku = "TEE-M",
                                      .product_id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
                                      .on_hand = 10,
                                      .reserved = 4};

static double num(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

static const char *str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

static void assert_base(const cJSON *d)
{
    assert_string_equal(str(d, "sku"), "TEE-M");
    assert_string_equal(str(d, "productId"), snap.product_id);
    assert_true(num(d, "onHand") == 10);
    assert_true(num(d, "reserved") == 4);
    assert_true(num(d, "available") == 6);
}

static void test_stock_events_sku_created_copies_attributes(void **state)
{
    (void)state;
    cJSON *attrs = cJSON_Parse("{\"size\":\"M\"}");
    cJSON *d = stock_event_sku_created(&snap, "0b72d66e-4c38-47b1-9092-adfc9809f822", attrs);
    cJSON_Delete(attrs); /* the event holds its own copy */
    assert_non_null(d);
    assert_base(d);
    assert_string_equal(str(d, "sellerId"), "0b72d66e-4c38-47b1-9092-adfc9809f822");
    assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(d, "attributes"), "size"), "M");
    cJSON_Delete(d);

    d = stock_event_sku_created(&snap, "0b72d66e-4c38-47b1-9092-adfc9809f822", NULL);
    assert_true(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(d, "attributes")));
    cJSON_Delete(d);
}

static void test_stock_events_adjusted_has_delta(void **state)
{
    (void)state;
    cJSON *d = stock_event_adjusted(&snap, 13);
    assert_base(d);
    assert_true(num(d, "delta") == -3);
    assert_true(num(d, "previousOnHand") == 13);
    cJSON_Delete(d);
}

static void test_stock_events_lines_carry_order_and_specifics(void **state)
{
    (void)state;
    const char *order = "6a1f5a3e-1111-4222-8333-944455556666";
    cJSON *r = stock_event_line(&snap, order, 2, "2026-01-01T00:15:00.000Z", NULL);
    assert_base(r);
    assert_string_equal(str(r, "orderId"), order);
    assert_true(num(r, "quantity") == 2);
    assert_string_equal(str(r, "expiresAt"), "2026-01-01T00:15:00.000Z");
    assert_null(cJSON_GetObjectItemCaseSensitive(r, "reason"));
    cJSON_Delete(r);

    cJSON *rel = stock_event_line(&snap, order, 2, NULL, "expired");
    assert_string_equal(str(rel, "reason"), "expired");
    assert_null(cJSON_GetObjectItemCaseSensitive(rel, "expiresAt"));
    cJSON_Delete(rel);
}

static void test_stock_events_crossing_carries_product_state(void **state)
{
    (void)state;
    cJSON *d = stock_event_crossing(&snap, false, 7);
    assert_base(d);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(d, "productInStock")));
    assert_true(num(d, "productSequence") == 7);
    cJSON_Delete(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stock_events_sku_created_copies_attributes),
        cmocka_unit_test(test_stock_events_adjusted_has_delta),
        cmocka_unit_test(test_stock_events_lines_carry_order_and_specifics),
        cmocka_unit_test(test_stock_events_crossing_carries_product_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
