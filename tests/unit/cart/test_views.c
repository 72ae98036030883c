/* test_views.c - the read model's inputs (views.c): catalog and inventory events in
 * proto3 JSON and the peers' /internal answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/errors.h"
#include "views.h"

#define P1 "11111111-1111-4111-8111-111111111111"
#define S1 "22222222-2222-4222-8222-222222222222"

static cJSON *event(const char *type, const char *seq, const char *data)
{
    char buf[2048];
    snprintf(buf, sizeof buf,
             "{\"specversion\":\"1.0\",\"type\":\"%s\",\"subject\":\"x\"%s%s,\"data\":%s}", type,
             seq ? ",\"sequence\":" : "", seq ? seq : "", data);
    cJSON *e = cJSON_Parse(buf);
    assert_non_null(e);
    return e;
}

static void test_views_product_from_event(void **state)
{
    (void)state;
    cJSON *e = event("ProductPriceChanged", "4",
                     "{\"productId\":\"" P1 "\",\"sellerId\":\"" S1 "\",\"title\":\"Tea\","
                     "\"price\":\"1250\",\"oldPrice\":\"1000\",\"currency\":\"NPR\","
                     "\"category\":\"drinks\",\"status\":\"APPROVED\",\"version\":4}");
    product_view_t v;
    assert_int_equal(product_view_from_event(e, &v), 0);
    assert_string_equal(v.id, P1);
    assert_string_equal(v.title, "Tea");
    assert_int_equal(v.price, 1250);
    assert_string_equal(v.currency, "NPR");
    assert_string_equal(v.status, "APPROVED");
    assert_int_equal(v.version, 4);
    cJSON_Delete(e);
}

static void test_views_product_version_from_sequence_when_data_has_none(void **state)
{
    (void)state;
    /* price as a JSON number, version only in the envelope. */
    cJSON *e = event("ProductApproved", "\"7\"",
                     "{\"productId\":\"" P1 "\",\"title\":\"Tea\",\"price\":900,"
                     "\"currency\":\"USD\",\"status\":\"APPROVED\"}");
    product_view_t v;
    assert_int_equal(product_view_from_event(e, &v), 0);
    assert_int_equal(v.version, 7);
    assert_int_equal(v.price, 900);
    cJSON_Delete(e);
}

static void test_views_product_price_omitted_is_zero(void **state)
{
    (void)state;
    /* proto3 JSON leaves fields at their default out. */
    cJSON *e = event("ProductSubmitted", "1",
                     "{\"productId\":\"" P1 "\",\"title\":\"Free sample\","
                     "\"currency\":\"NPR\",\"status\":\"PENDING_APPROVAL\",\"version\":\"1\"}");
    product_view_t v;
    assert_int_equal(product_view_from_event(e, &v), 0);
    assert_int_equal(v.price, 0);
    cJSON_Delete(e);
}

static void test_views_product_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        /* no product id, bad id, no title, bad currency, unknown status, negative
         * price, fractional price, no version anywhere */
        "{\"title\":\"T\",\"price\":1,\"currency\":\"NPR\",\"status\":\"APPROVED\",\"version\":1}",
        "{\"productId\":\"nope\",\"title\":\"T\",\"price\":1,\"currency\":\"NPR\","
        "\"status\":\"APPROVED\",\"version\":1}",
        "{\"productId\":\"" P1 "\",\"price\":1,\"currency\":\"NPR\",\"status\":\"APPROVED\","
        "\"version\":1}",
        "{\"productId\":\"" P1 "\",\"title\":\"T\",\"price\":1,\"currency\":\"npr\","
        "\"status\":\"APPROVED\",\"version\":1}",
        "{\"productId\":\"" P1 "\",\"title\":\"T\",\"price\":1,\"currency\":\"NPR\","
        "\"status\":\"SOLD\",\"version\":1}",
        "{\"productId\":\"" P1 "\",\"title\":\"T\",\"price\":-1,\"currency\":\"NPR\","
        "\"status\":\"APPROVED\",\"version\":1}",
        "{\"productId\":\"" P1 "\",\"title\":\"T\",\"price\":1.5,\"currency\":\"NPR\","
        "\"status\":\"APPROVED\",\"version\":1}",
        "{\"productId\":\"" P1 "\",\"title\":\"T\",\"price\":1,\"currency\":\"NPR\","
        "\"status\":\"APPROVED\"}",
        "\"not an object\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *e = event("ProductUpdated", NULL, bad[i]);
        product_view_t v;
        assert_int_equal(product_view_from_event(e, &v), ERR_INVALID);
        cJSON_Delete(e);
    }
}

static void test_views_product_from_api(void **state)
{
    (void)state;
    cJSON *item = cJSON_Parse("{\"id\":\"" P1 "\",\"seller_id\":\"" S1 "\",\"title\":\"Tea\","
                              "\"price\":1250,\"currency\":\"NPR\",\"category\":\"drinks\","
                              "\"status\":\"ARCHIVED\",\"in_stock\":true,\"version\":9}");
    product_view_t v;
    assert_int_equal(product_view_from_api(item, &v), 0);
    assert_string_equal(v.id, P1);
    assert_string_equal(v.status, "ARCHIVED");
    assert_int_equal(v.version, 9);
    cJSON_Delete(item);
    /* The answer must say which version it is. */
    item = cJSON_Parse("{\"id\":\"" P1 "\",\"title\":\"Tea\",\"price\":1250,\"currency\":\"NPR\","
                       "\"status\":\"APPROVED\"}");
    assert_int_equal(product_view_from_api(item, &v), ERR_INVALID);
    cJSON_Delete(item);
}

static void test_views_stock_from_event(void **state)
{
    (void)state;
    cJSON *e = event("StockReserved", "12",
                     "{\"sku\":\"TEA-500G\",\"productId\":\"" P1 "\",\"onHand\":\"10\","
                     "\"reserved\":\"4\",\"available\":\"6\",\"orderId\":\"" S1 "\"}");
    stock_view_t v;
    assert_int_equal(stock_view_from_event(e, &v), 0);
    assert_string_equal(v.sku, "TEA-500G");
    assert_string_equal(v.product_id, P1);
    assert_int_equal(v.available, 6);
    assert_int_equal(v.sequence, 12);
    cJSON_Delete(e);
}

static void test_views_stock_available_omitted_is_zero(void **state)
{
    (void)state;
    cJSON *e = event("OutOfStock", "3",
                     "{\"sku\":\"TEA\",\"productId\":\"" P1 "\",\"onHand\":\"4\","
                     "\"reserved\":\"4\"}");
    stock_view_t v;
    assert_int_equal(stock_view_from_event(e, &v), 0);
    assert_int_equal(v.available, 0);
    cJSON_Delete(e);
}

static void test_views_stock_needs_sequence_and_fields(void **state)
{
    (void)state;
    stock_view_t v;
    cJSON *e =
        event("StockAdjusted", NULL, "{\"sku\":\"TEA\",\"productId\":\"" P1 "\",\"available\":1}");
    assert_int_equal(stock_view_from_event(e, &v), ERR_INVALID);
    cJSON_Delete(e);
    e = event("StockAdjusted", "2", "{\"sku\":\"TE A\",\"productId\":\"" P1 "\",\"available\":1}");
    assert_int_equal(stock_view_from_event(e, &v), ERR_INVALID);
    cJSON_Delete(e);
    e = event("StockAdjusted", "2", "{\"sku\":\"TEA\",\"available\":1}");
    assert_int_equal(stock_view_from_event(e, &v), ERR_INVALID);
    cJSON_Delete(e);
    e = event("StockAdjusted", "2",
              "{\"sku\":\"TEA\",\"productId\":\"" P1 "\",\"available\":\"many\"}");
    assert_int_equal(stock_view_from_event(e, &v), ERR_INVALID);
    cJSON_Delete(e);
}

static void test_views_stock_from_api(void **state)
{
    (void)state;
    cJSON *item = cJSON_Parse("{\"sku\":\"TEA\",\"product_id\":\"" P1 "\",\"available\":5}");
    stock_view_t v;
    assert_int_equal(stock_view_from_api(item, &v), 0);
    assert_int_equal(v.available, 5);
    assert_int_equal(v.sequence, 0);
    cJSON_Delete(item);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_views_product_from_event),
        cmocka_unit_test(test_views_product_version_from_sequence_when_data_has_none),
        cmocka_unit_test(test_views_product_price_omitted_is_zero),
        cmocka_unit_test(test_views_product_malformed),
        cmocka_unit_test(test_views_product_from_api),
        cmocka_unit_test(test_views_stock_from_event),
        cmocka_unit_test(test_views_stock_available_omitted_is_zero),
        cmocka_unit_test(test_views_stock_needs_sequence_and_fields),
        cmocka_unit_test(test_views_stock_from_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
