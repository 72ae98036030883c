/* test_pricing.c - items, prices, totals and the address of a checkout
 * (services/order/pricing.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/money.h"
#include "pricing.h"

#define P1 "11111111-1111-4111-8111-111111111111"
#define P2 "22222222-2222-4222-8222-222222222222"
#define S1 "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"

static const char *failure(const json_check_t *chk, const char *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(chk->fields, field);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int parse_items(const char *text, json_check_t *chk, order_item_req_t **items, int *n)
{
    cJSON *body = cJSON_Parse(text);
    assert_non_null(body);
    json_check_init(chk);
    int rc = order_items_parse(chk, body, items, n);
    cJSON_Delete(body);
    return rc;
}

static void test_order_items_parse_valid(void **state)
{
    (void)state;
    json_check_t chk;
    order_item_req_t *items = NULL;
    int n = 0;
    assert_int_equal(parse_items("{\"items\":[{\"product_id\":\"" P1 "\",\"sku\":\"A-1\","
                                 "\"quantity\":2},{\"product_id\":\"" P2
                                 "\",\"sku\":\"B.2\",\"quantity\":10000}]}",
                                 &chk, &items, &n),
                     0);
    assert_true(json_check_ok(&chk));
    assert_int_equal(n, 2);
    assert_string_equal(items[0].product_id, P1);
    assert_string_equal(items[1].sku, "B.2");
    assert_int_equal(items[1].quantity, 10000);
    free(items);
    json_check_free(&chk);
}

static void test_order_items_parse_names_each_bad_field(void **state)
{
    (void)state;
    json_check_t chk;
    order_item_req_t *items = NULL;
    int n = 0;
    assert_int_equal(parse_items("{\"items\":[{\"product_id\":\"nope\",\"sku\":\"A-1\","
                                 "\"quantity\":\"2\"},{\"product_id\":\"" P2
                                 "\",\"sku\":\"A-1\",\"quantity\":1.5},7,"
                                 "{\"product_id\":\"" P2 "\",\"sku\":\"-x\",\"quantity\":0}]}",
                                 &chk, &items, &n),
                     ERR_INVALID);
    assert_null(items);
    assert_non_null(failure(&chk, "items[0].product_id"));
    assert_non_null(failure(&chk, "items[0].quantity"));
    assert_non_null(failure(&chk, "items[1].sku")); /* A-1 twice */
    assert_non_null(failure(&chk, "items[1].quantity"));
    assert_non_null(failure(&chk, "items[2]"));
    assert_non_null(failure(&chk, "items[3].sku"));
    assert_non_null(failure(&chk, "items[3].quantity"));
    json_check_free(&chk);
}

static void test_order_items_parse_empty_or_missing(void **state)
{
    (void)state;
    json_check_t chk;
    order_item_req_t *items = NULL;
    int n = 0;
    assert_int_equal(parse_items("{\"items\":[]}", &chk, &items, &n), ERR_INVALID);
    assert_non_null(failure(&chk, "items"));
    json_check_free(&chk);
    assert_int_equal(parse_items("{}", &chk, &items, &n), ERR_INVALID);
    assert_non_null(failure(&chk, "items"));
    json_check_free(&chk);
    assert_int_equal(parse_items("{\"items\":{}}", &chk, &items, &n), ERR_INVALID);
    json_check_free(&chk);
}

static void test_order_items_from_cart(void **state)
{
    (void)state;
    order_item_req_t *items = NULL;
    int n = -1;
    char cart_id[37];
    cJSON *cart = cJSON_Parse("{\"id\":\"" S1 "\",\"items\":[{\"id\":\"x\",\"product_id\":\"" P1
                              "\",\"sku\":\"A-1\",\"quantity\":3,\"purchasable\":true}]}");
    assert_int_equal(order_items_from_cart(cart, &items, &n, cart_id), 0);
    assert_int_equal(n, 1);
    assert_string_equal(cart_id, S1);
    assert_int_equal(items[0].quantity, 3);
    free(items);
    cJSON_Delete(cart);

    cart = cJSON_Parse("{\"id\":null,\"items\":[]}");
    assert_int_equal(order_items_from_cart(cart, &items, &n, cart_id), 0);
    assert_int_equal(n, 0);
    assert_string_equal(cart_id, "");
    cJSON_Delete(cart);

    cart = cJSON_Parse("{\"items\":[{\"product_id\":\"" P1 "\",\"sku\":\"A-1\"}]}");
    assert_int_equal(order_items_from_cart(cart, &items, &n, cart_id), ERR_INVALID);
    cJSON_Delete(cart);
}

/* The catalog's and inventory's answers for two products. */
static void answers(cJSON **products, cJSON **skus, const char *status2, const char *currency2)
{
    char text[1024];
    snprintf(text, sizeof text,
             "[{\"id\":\"" P1 "\",\"seller_id\":\"" S1 "\",\"title\":\"Tea\",\"price\":1200,"
             "\"currency\":\"NPR\",\"status\":\"APPROVED\"},"
             "{\"id\":\"" P2 "\",\"seller_id\":\"" S1 "\",\"title\":\"Mug\",\"price\":250,"
             "\"currency\":\"%s\",\"status\":\"%s\"}]",
             currency2, status2);
    *products = cJSON_Parse(text);
    *skus = cJSON_Parse("[{\"sku\":\"A-1\",\"product_id\":\"" P1 "\",\"available\":5},"
                        "{\"sku\":\"B-1\",\"product_id\":\"" P2 "\",\"available\":5}]");
    assert_non_null(*products);
    assert_non_null(*skus);
}

static const order_item_req_t two_items[] = {
    {P1, "A-1", 2},
    {P2, "B-1", 3},
};

/* What order_price_lines() gave back for at most two items. */
typedef struct priced {
    order_line_t lines[2];
    order_totals_t t;
    price_refusal_t why;
    int at;
} priced_t;

/* Prices n items against answers(status2, currency2); order_price_lines()'s code. */
static int price(const order_item_req_t *items, int n, const char *status2, const char *currency2,
                 priced_t *out)
{
    cJSON *products, *skus;
    answers(&products, &skus, status2, currency2);
    int rc = order_price_lines(items, n, products, skus, out->lines, &out->t, &out->why, &out->at);
    cJSON_Delete(products);
    cJSON_Delete(skus);
    return rc;
}

static void test_order_price_lines_uses_catalog_prices(void **state)
{
    (void)state;
    priced_t p;
    assert_int_equal(price(two_items, 2, "APPROVED", "NPR", &p), 0);
    assert_int_equal(p.lines[0].unit_price, 1200);
    assert_int_equal(p.lines[0].line_total, 2400);
    assert_string_equal(p.lines[0].title, "Tea");
    assert_string_equal(p.lines[0].seller_id, S1);
    assert_int_equal(p.lines[1].line_total, 750);
    assert_int_equal(p.t.subtotal, 3150);
    assert_int_equal(p.t.final_price, 3150);
    assert_string_equal(p.t.currency, "NPR");
}

static void test_order_price_lines_refuses_unapproved_or_unknown(void **state)
{
    (void)state;
    priced_t p;
    assert_int_equal(price(two_items, 2, "PENDING_APPROVAL", "NPR", &p), ERR_CONFLICT);
    assert_int_equal(p.why, PRICE_PRODUCT_UNAVAILABLE);
    assert_int_equal(p.at, 1);
    assert_string_equal(order_price_refusal_code(p.why), "PRODUCT_UNAVAILABLE");

    /* The catalog knows neither product. */
    cJSON *products, *skus;
    answers(&products, &skus, "APPROVED", "NPR");
    cJSON_Delete(products);
    products = cJSON_Parse("[]");
    assert_int_equal(order_price_lines(two_items, 2, products, skus, p.lines, &p.t, &p.why, &p.at),
                     ERR_CONFLICT);
    assert_int_equal(p.why, PRICE_PRODUCT_UNAVAILABLE);
    assert_int_equal(p.at, 0);
    cJSON_Delete(products);
    cJSON_Delete(skus);
}

static void test_order_price_lines_refuses_foreign_sku(void **state)
{
    (void)state;
    /* Another product's SKU, a SKU nobody has, and the right SKU in the wrong case. */
    const order_item_req_t foreign[] = {{P1, "B-1", 1}, {P1, "Z-9", 1}, {P1, "a-1", 1}};
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++) {
        priced_t p;
        assert_int_equal(price(&foreign[i], 1, "APPROVED", "NPR", &p), ERR_CONFLICT);
        assert_int_equal(p.why, PRICE_SKU_MISMATCH);
    }
}

static void test_order_price_lines_one_currency(void **state)
{
    (void)state;
    priced_t p;
    assert_int_equal(price(two_items, 2, "APPROVED", "USD", &p), ERR_CONFLICT);
    assert_int_equal(p.why, PRICE_CURRENCY_MISMATCH);
    assert_int_equal(p.at, 1);
}

static void test_order_price_lines_limit(void **state)
{
    (void)state;
    cJSON *products = cJSON_Parse("[{\"id\":\"" P1 "\",\"seller_id\":\"" S1
                                  "\",\"title\":\"Gold\",\"price\":100000000000,"
                                  "\"currency\":\"NPR\",\"status\":\"APPROVED\"}]");
    cJSON *skus = cJSON_Parse("[{\"sku\":\"A-1\",\"product_id\":\"" P1 "\"}]");
    const order_item_req_t items[] = {{P1, "A-1", 2}};
    order_line_t lines[1];
    order_totals_t t;
    price_refusal_t why;
    int at;
    assert_int_equal(order_price_lines(items, 1, products, skus, lines, &t, &why, &at),
                     ERR_CONFLICT);
    assert_int_equal(why, PRICE_LIMIT_EXCEEDED);
    cJSON_Delete(products);
    cJSON_Delete(skus);
}

static void test_order_totals_finish(void **state)
{
    (void)state;
    order_totals_t t = {.currency = "NPR", .subtotal = 3150, .discount = 150, .tax = 100};
    assert_int_equal(order_totals_finish(&t, 500), 0);
    assert_int_equal(t.shipping_fee, 500);
    assert_int_equal(t.final_price, 3150 + 500 - 150 + 100);

    order_totals_t big = {.subtotal = MONEY_MAX_MINOR};
    assert_int_equal(order_totals_finish(&big, 1), ERR_INVALID);
    order_totals_t neg = {.subtotal = 10, .discount = 11};
    assert_int_equal(order_totals_finish(&neg, 0), ERR_INVALID);
    order_totals_t fee = {.subtotal = 10};
    assert_int_equal(order_totals_finish(&fee, -1), ERR_INVALID);
}

static void test_order_address_parse(void **state)
{
    (void)state;
    order_address_t a;
    const char *field = NULL;
    cJSON *ok = cJSON_Parse("{\"id\":\"x\",\"name\":\"Buyer\",\"phone\":\"+977 1\",\"line1\":"
                            "\"Thamel 12\",\"line2\":null,\"city\":\"Kathmandu\",\"district\":"
                            "\"Kathmandu\",\"postal_code\":\"44600\",\"country\":\"NP\"}");
    assert_int_equal(order_address_parse(ok, &a, &field), 0);
    assert_string_equal(a.city, "Kathmandu");
    assert_string_equal(a.line2, "");
    assert_string_equal(a.country, "NP");
    cJSON_Delete(ok);

    cJSON *bad = cJSON_Parse("{\"name\":\"Buyer\",\"phone\":\"1\",\"line1\":\"x\",\"city\":"
                             "\"c\",\"district\":\"d\",\"postal_code\":\"44600\",\"country\":"
                             "\"np\"}");
    assert_int_equal(order_address_parse(bad, &a, &field), ERR_INVALID);
    assert_string_equal(field, "country");
    cJSON_Delete(bad);

    bad = cJSON_Parse("{\"name\":\"Buyer\",\"phone\":\"1\",\"line1\":\"x\",\"city\":"
                      "\"c\",\"district\":\"d\",\"postal_code\":\"44#00\",\"country\":\"NP\"}");
    assert_int_equal(order_address_parse(bad, &a, &field), ERR_INVALID);
    assert_string_equal(field, "postal_code");
    cJSON_Delete(bad);

    bad = cJSON_Parse("{\"name\":\"Buyer\",\"phone\":\"1\",\"line1\":\"x\",\"district\":\"d\","
                      "\"postal_code\":\"44600\",\"country\":\"NP\"}");
    assert_int_equal(order_address_parse(bad, &a, &field), ERR_INVALID);
    assert_string_equal(field, "city");
    cJSON_Delete(bad);
}

static void test_order_sku_valid(void **state)
{
    (void)state;
    assert_true(order_sku_valid("A"));
    assert_true(order_sku_valid("a.b_c-9"));
    assert_false(order_sku_valid(""));
    assert_false(order_sku_valid(".A"));
    assert_false(order_sku_valid("A B"));
    assert_false(order_sku_valid(NULL));
    char long_sku[70];
    memset(long_sku, 'A', 65);
    long_sku[65] = '\0';
    assert_false(order_sku_valid(long_sku));
    long_sku[64] = '\0';
    assert_true(order_sku_valid(long_sku));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_items_parse_valid),
        cmocka_unit_test(test_order_items_parse_names_each_bad_field),
        cmocka_unit_test(test_order_items_parse_empty_or_missing),
        cmocka_unit_test(test_order_items_from_cart),
        cmocka_unit_test(test_order_price_lines_uses_catalog_prices),
        cmocka_unit_test(test_order_price_lines_refuses_unapproved_or_unknown),
        cmocka_unit_test(test_order_price_lines_refuses_foreign_sku),
        cmocka_unit_test(test_order_price_lines_one_currency),
        cmocka_unit_test(test_order_price_lines_limit),
        cmocka_unit_test(test_order_totals_finish),
        cmocka_unit_test(test_order_address_parse),
        cmocka_unit_test(test_order_sku_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
