/* test_cart.c - the cart's rules (cart.c): what may be added, currency, merging, line
 * flags, totals, and what an OrderCreated takes out of the cart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "cart.h"
#include "common/errors.h"
#include "common/money.h"

#define P1 "11111111-1111-4111-8111-111111111111"
#define P2 "22222222-2222-4222-8222-222222222222"

/* A purchasable line: approved, in stock, in NPR. */
static cart_line_t line(const char *id, const char *sku, int64_t price, int64_t qty)
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
                     .available = 100};
    return l;
}

static void test_cart_status_names(void **state)
{
    (void)state;
    assert_int_equal(cart_product_status("APPROVED"), PRODUCT_APPROVED);
    assert_int_equal(cart_product_status("ARCHIVED"), PRODUCT_ARCHIVED);
    assert_int_equal(cart_product_status("PENDING_APPROVAL"), PRODUCT_PENDING_APPROVAL);
    assert_int_equal(cart_product_status("REJECTED"), PRODUCT_REJECTED);
    assert_int_equal(cart_product_status("approved"), PRODUCT_STATUS_UNKNOWN);
    assert_int_equal(cart_product_status(NULL), PRODUCT_STATUS_UNKNOWN);
}

static void test_cart_only_approved_products_are_addable(void **state)
{
    (void)state;
    assert_int_equal(cart_product_addable(PRODUCT_APPROVED), 0);
    /* Never public: indistinguishable from a product that does not exist. */
    assert_int_equal(cart_product_addable(PRODUCT_PENDING_APPROVAL), ERR_NOT_FOUND);
    assert_int_equal(cart_product_addable(PRODUCT_REJECTED), ERR_NOT_FOUND);
    assert_int_equal(cart_product_addable(PRODUCT_STATUS_UNKNOWN), ERR_NOT_FOUND);
    assert_int_equal(cart_product_addable(PRODUCT_ARCHIVED), ERR_CONFLICT);
}

static void test_cart_sku_codes(void **state)
{
    (void)state;
    assert_true(cart_sku_valid("TEA-500G"));
    assert_true(cart_sku_valid("a.b_c-1"));
    assert_true(cart_sku_valid("0"));
    char longest[65];
    memset(longest, 'A', 64);
    longest[64] = '\0';
    assert_true(cart_sku_valid(longest));
    char too_long[66];
    memset(too_long, 'A', 65);
    too_long[65] = '\0';
    assert_false(cart_sku_valid(too_long));
    assert_false(cart_sku_valid(""));
    assert_false(cart_sku_valid(NULL));
    assert_false(cart_sku_valid("-TEA"));
    assert_false(cart_sku_valid("TEA 500"));
    assert_false(cart_sku_valid("TEA/500"));
    assert_false(cart_sku_valid("TÉA"));
}

static void test_cart_first_line_sets_currency(void **state)
{
    (void)state;
    assert_int_equal(cart_currency_accepts(NULL, 0, "NPR"), 0);
    assert_int_equal(cart_currency_accepts("", 0, "USD"), 0);
    /* An emptied cart keeps its old currency in storage; it no longer binds. */
    assert_int_equal(cart_currency_accepts("NPR", 0, "USD"), 0);
    assert_int_equal(cart_currency_accepts("NPR", 2, "NPR"), 0);
    assert_int_equal(cart_currency_accepts("NPR", 2, "USD"), ERR_CONFLICT);
    assert_int_equal(cart_currency_accepts("NPR", 1, NULL), ERR_CONFLICT);
}

static void test_cart_merge_respects_maximum(void **state)
{
    (void)state;
    int64_t q = 0;
    assert_int_equal(cart_merge_quantity(0, 5, 99, &q), 0);
    assert_int_equal(q, 5);
    assert_int_equal(cart_merge_quantity(90, 9, 99, &q), 0);
    assert_int_equal(q, 99);
    q = -1;
    assert_int_equal(cart_merge_quantity(90, 10, 99, &q), ERR_CONFLICT);
    assert_int_equal(q, -1);
    assert_int_equal(cart_merge_quantity(0, 0, 99, &q), ERR_CONFLICT);
    assert_int_equal(cart_merge_quantity(INT64_MAX, 1, 99, &q), ERR_CONFLICT);
}

static void test_cart_totals_of_purchasable_lines(void **state)
{
    (void)state;
    cart_line_t lines[2] = {line("a", "S1", 1250, 2), line("b", "S2", 999, 3)};
    cart_summary_t s;
    cart_evaluate(lines, 2, "NPR", &s);
    assert_int_equal(lines[0].flag, CART_LINE_OK);
    assert_int_equal(lines[0].line_total, 2500);
    assert_int_equal(lines[1].line_total, 2997);
    assert_int_equal(s.subtotal, 5497);
    assert_int_equal(s.item_count, 5);
    assert_int_equal(s.line_count, 2);
    assert_int_equal(s.flagged_count, 0);
    assert_string_equal(s.currency, "NPR");
}

static void test_cart_flagged_lines_leave_the_subtotal(void **state)
{
    (void)state;
    cart_line_t lines[5] = {line("ok", "S1", 100, 1), line("arch", "S2", 200, 1),
                            line("out", "S3", 300, 1), line("short", "S4", 400, 5),
                            line("gone", "S5", 500, 1)};
    lines[1].status = "ARCHIVED";
    lines[2].available = 0;
    lines[3].available = 2;
    lines[4].product_known = false;
    cart_summary_t s;
    cart_evaluate(lines, 5, "NPR", &s);
    assert_int_equal(lines[0].flag, CART_LINE_OK);
    assert_int_equal(lines[1].flag, CART_LINE_PRODUCT_UNAVAILABLE);
    assert_int_equal(lines[2].flag, CART_LINE_OUT_OF_STOCK);
    assert_int_equal(lines[3].flag, CART_LINE_INSUFFICIENT_STOCK);
    assert_int_equal(lines[4].flag, CART_LINE_PRODUCT_UNAVAILABLE);
    /* A flagged line still shows its own total when its price is known. */
    assert_true(lines[3].has_line_total);
    assert_int_equal(lines[3].line_total, 2000);
    assert_false(lines[4].has_line_total);
    assert_int_equal(s.subtotal, 100);
    assert_int_equal(s.item_count, 1);
    assert_int_equal(s.line_count, 5);
    assert_int_equal(s.flagged_count, 4);
}

static void test_cart_flag_order_product_before_stock(void **state)
{
    (void)state;
    cart_line_t l = line("a", "S1", 100, 5);
    l.status = "PENDING_APPROVAL";
    l.available = 0;
    assert_int_equal(cart_line_check(&l, "NPR"), CART_LINE_PRODUCT_UNAVAILABLE);
    l.status = "APPROVED";
    l.currency = "USD";
    assert_int_equal(cart_line_check(&l, "NPR"), CART_LINE_CURRENCY_MISMATCH);
    l.currency = "NPR";
    assert_int_equal(cart_line_check(&l, "NPR"), CART_LINE_OUT_OF_STOCK);
    l.available = 4;
    assert_int_equal(cart_line_check(&l, "NPR"), CART_LINE_INSUFFICIENT_STOCK);
    l.available = 5;
    assert_int_equal(cart_line_check(&l, "NPR"), CART_LINE_OK);
    l.stock_known = false;
    assert_int_equal(cart_line_check(&l, "NPR"), CART_LINE_OUT_OF_STOCK);
    l.stock_known = true;
    l.sku_product_id = P2; /* the SKU belongs to another product */
    assert_int_equal(cart_line_check(&l, "NPR"), CART_LINE_PRODUCT_UNAVAILABLE);
}

static void test_cart_money_ceiling_flags_instead_of_overflowing(void **state)
{
    (void)state;
    cart_line_t lines[2] = {line("a", "S1", MONEY_MAX_MINOR, 1), line("b", "S2", 1, 1)};
    lines[0].available = lines[1].available = 1000;
    cart_summary_t s;
    cart_evaluate(lines, 2, "NPR", &s);
    assert_int_equal(lines[0].flag, CART_LINE_OK);
    assert_int_equal(lines[1].flag, CART_LINE_LIMIT_EXCEEDED);
    assert_true(s.subtotal == MONEY_MAX_MINOR);

    cart_line_t big = line("c", "S3", MONEY_MAX_MINOR, 2);
    cart_evaluate(&big, 1, "NPR", &s);
    assert_int_equal(big.flag, CART_LINE_LIMIT_EXCEEDED);
    assert_false(big.has_line_total);
    assert_int_equal(s.subtotal, 0);
}

static void test_cart_empty_cart_has_no_currency(void **state)
{
    (void)state;
    cart_summary_t s;
    cart_evaluate(NULL, 0, "NPR", &s);
    assert_null(s.currency);
    assert_int_equal(s.subtotal, 0);
    assert_int_equal(s.line_count, 0);
}

static void test_cart_reasons(void **state)
{
    (void)state;
    assert_null(cart_flag_reason(CART_LINE_OK));
    assert_string_equal(cart_flag_reason(CART_LINE_PRODUCT_UNAVAILABLE), "PRODUCT_UNAVAILABLE");
    assert_string_equal(cart_flag_reason(CART_LINE_OUT_OF_STOCK), "OUT_OF_STOCK");
    assert_string_equal(cart_flag_reason(CART_LINE_INSUFFICIENT_STOCK), "INSUFFICIENT_STOCK");
    assert_string_equal(cart_flag_reason(CART_LINE_CURRENCY_MISMATCH), "CURRENCY_MISMATCH");
    assert_string_equal(cart_flag_reason(CART_LINE_LIMIT_EXCEEDED), "LIMIT_EXCEEDED");
}

static void test_cart_order_created_lines(void **state)
{
    (void)state;
    cJSON *data = cJSON_Parse("{\"orderId\":\"" P1 "\",\"customerId\":\"" P2 "\","
                              "\"lines\":[{\"productId\":\"" P1 "\",\"sku\":\"A-1\",\"quantity\":2,"
                              "\"unitPrice\":\"100\"},{\"sku\":\"B-2\",\"quantity\":\"3\"},"
                              "{\"sku\":\"A-1\",\"quantity\":1}]}");
    cart_order_t o;
    assert_int_equal(cart_order_parse(data, &o), 0);
    assert_string_equal(o.order_id, P1);
    assert_string_equal(o.customer_id, P2);
    assert_string_equal(o.cart_id, "");
    /* A SKU listed twice is one line of the summed quantity. */
    assert_int_equal(o.count, 2);
    assert_string_equal(o.lines[0].sku, "A-1");
    assert_int_equal(o.lines[0].quantity, 3);
    assert_string_equal(o.lines[1].sku, "B-2");
    assert_int_equal(o.lines[1].quantity, 3);
    cart_order_free(&o);
    cJSON_Delete(data);
}

static void test_cart_order_created_with_cart_id(void **state)
{
    (void)state;
    cJSON *data = cJSON_Parse("{\"orderId\":\"" P1 "\",\"customerId\":\"" P2 "\",\"cartId\":\"" P1
                              "\",\"lines\":[]}");
    cart_order_t o;
    assert_int_equal(cart_order_parse(data, &o), 0);
    assert_string_equal(o.cart_id, P1);
    assert_int_equal(o.count, 0);
    cart_order_free(&o);
    cJSON_Delete(data);
}

static void test_cart_order_created_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"orderId\":\"x\",\"customerId\":\"" P2 "\",\"lines\":[]}",
        "{\"orderId\":\"" P1 "\",\"lines\":[]}",
        "{\"orderId\":\"" P1 "\",\"customerId\":\"" P2 "\"}",
        "{\"orderId\":\"" P1 "\",\"customerId\":\"" P2 "\",\"cartId\":\"nope\",\"lines\":[]}",
        "{\"orderId\":\"" P1 "\",\"customerId\":\"" P2 "\",\"lines\":[{\"sku\":\"A\"}]}",
        "{\"orderId\":\"" P1 "\",\"customerId\":\"" P2
        "\",\"lines\":[{\"sku\":\"A\",\"quantity\":0}]}",
        "{\"orderId\":\"" P1 "\",\"customerId\":\"" P2
        "\",\"lines\":[{\"sku\":\"A B\",\"quantity\":1}]}",
        "{\"orderId\":\"" P1 "\",\"customerId\":\"" P2
        "\",\"lines\":[{\"sku\":\"A\",\"quantity\":1.5}]}",
        "[]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *data = cJSON_Parse(bad[i]);
        cart_order_t o;
        assert_int_equal(cart_order_parse(data, &o), ERR_INVALID);
        assert_null(o.lines);
        cJSON_Delete(data);
    }
    cart_order_t o;
    assert_int_equal(cart_order_parse(NULL, &o), ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cart_status_names),
        cmocka_unit_test(test_cart_only_approved_products_are_addable),
        cmocka_unit_test(test_cart_sku_codes),
        cmocka_unit_test(test_cart_first_line_sets_currency),
        cmocka_unit_test(test_cart_merge_respects_maximum),
        cmocka_unit_test(test_cart_totals_of_purchasable_lines),
        cmocka_unit_test(test_cart_flagged_lines_leave_the_subtotal),
        cmocka_unit_test(test_cart_flag_order_product_before_stock),
        cmocka_unit_test(test_cart_money_ceiling_flags_instead_of_overflowing),
        cmocka_unit_test(test_cart_empty_cart_has_no_currency),
        cmocka_unit_test(test_cart_reasons),
        cmocka_unit_test(test_cart_order_created_lines),
        cmocka_unit_test(test_cart_order_created_with_cart_id),
        cmocka_unit_test(test_cart_order_created_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
