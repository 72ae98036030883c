/* test_render.c - the cart and its lines as JSON (render.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "cart.h"
#include "render.h"

#define P1 "11111111-1111-4111-8111-111111111111"
#define C1 "33333333-3333-4333-8333-333333333333"
#define U1 "44444444-4444-4444-8444-444444444444"

static cart_line_t line(const char *id, const char *sku, int64_t price, int64_t qty,
                        int64_t available)
{
    cart_line_t l = {.id = id,
                     .product_id = P1,
                     .sku = sku,
                     .quantity = qty,
                     .product_known = true,
                     .title = "Tea",
                     .unit_price = price,
                     .currency = "NPR",
                     .status = "APPROVED",
                     .stock_known = true,
                     .sku_product_id = P1,
                     .available = available};
    return l;
}

static double number(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

static void test_render_purchasable_line(void **state)
{
    (void)state;
    cart_line_t l = line("L1", "TEA", 1250, 2, 10);
    cart_summary_t s;
    cart_evaluate(&l, 1, "NPR", &s);
    cJSON *o = render_line(&l);
    assert_non_null(o);
    assert_string_equal(cJSON_GetObjectItem(o, "id")->valuestring, "L1");
    assert_string_equal(cJSON_GetObjectItem(o, "product_id")->valuestring, P1);
    assert_string_equal(cJSON_GetObjectItem(o, "sku")->valuestring, "TEA");
    assert_string_equal(cJSON_GetObjectItem(o, "title")->valuestring, "Tea");
    assert_string_equal(cJSON_GetObjectItem(o, "currency")->valuestring, "NPR");
    assert_true(number(o, "unit_price") == 1250);
    assert_true(number(o, "quantity") == 2);
    assert_true(number(o, "line_total") == 2500);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "purchasable")));
    assert_null(cJSON_GetObjectItem(o, "reason"));
    assert_null(cJSON_GetObjectItem(o, "available"));
    cJSON_Delete(o);
}

static void test_render_flagged_line_says_why(void **state)
{
    (void)state;
    cart_line_t l = line("L1", "TEA", 1250, 5, 3);
    cart_summary_t s;
    cart_evaluate(&l, 1, "NPR", &s);
    cJSON *o = render_line(&l);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "purchasable")));
    assert_string_equal(cJSON_GetObjectItem(o, "reason")->valuestring, "INSUFFICIENT_STOCK");
    assert_true(number(o, "available") == 3);
    cJSON_Delete(o);
}

static void test_render_unknown_product_has_nulls(void **state)
{
    (void)state;
    cart_line_t l = line("L1", "TEA", 0, 1, 3);
    l.product_known = false;
    cart_summary_t s;
    cart_evaluate(&l, 1, NULL, &s);
    cJSON *o = render_line(&l);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "title")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "unit_price")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "line_total")));
    assert_string_equal(cJSON_GetObjectItem(o, "reason")->valuestring, "PRODUCT_UNAVAILABLE");
    cJSON_Delete(o);
}

static void test_render_cart_with_totals(void **state)
{
    (void)state;
    cart_line_t lines[2] = {line("L1", "A", 100, 3, 10), line("L2", "B", 50, 1, 0)};
    cart_summary_t s;
    cart_evaluate(lines, 2, "NPR", &s);
    cJSON *o = render_cart(C1, U1, lines, 2, &s);
    assert_non_null(o);
    assert_string_equal(cJSON_GetObjectItem(o, "id")->valuestring, C1);
    assert_string_equal(cJSON_GetObjectItem(o, "customer_id")->valuestring, U1);
    assert_string_equal(cJSON_GetObjectItem(o, "currency")->valuestring, "NPR");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "items")), 2);
    assert_true(number(o, "subtotal") == 300);
    assert_true(number(o, "item_count") == 3);
    assert_true(number(o, "line_count") == 2);
    assert_true(number(o, "flagged_count") == 1);
    cJSON_Delete(o);
}

static void test_render_no_cart_yet(void **state)
{
    (void)state;
    cart_summary_t s;
    cart_evaluate(NULL, 0, NULL, &s);
    cJSON *o = render_cart(NULL, U1, NULL, 0, &s);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "id")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "currency")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "items")), 0);
    assert_true(number(o, "subtotal") == 0);
    cJSON_Delete(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_purchasable_line),
        cmocka_unit_test(test_render_flagged_line_says_why),
        cmocka_unit_test(test_render_unknown_product_has_nulls),
        cmocka_unit_test(test_render_cart_with_totals),
        cmocka_unit_test(test_render_no_cart_yet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
