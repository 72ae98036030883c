/* test_stock.c - inventory's OutOfStock / BackInStock events read as stock updates
 * (services/catalog/stock.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/errors.h"
#include "stock.h"

static int parse_text(const char *text, stock_update_t *u)
{
    cJSON *ev = cJSON_Parse(text);
    assert_non_null(ev);
    int rc = stock_update_parse(ev, u);
    cJSON_Delete(ev);
    return rc;
}

static void test_stock_event_parsed(void **state)
{
    (void)state;
    stock_update_t u;
    assert_int_equal(parse_text("{\"type\":\"BackInStock\",\"subject\":\"SKU-1\",\"sequence\":4,"
                                "\"data\":{\"sku\":\"SKU-1\",\"productId\":"
                                "\"0B72D66E-4C38-47B1-9092-ADFC9809F822\",\"onHand\":5,"
                                "\"reserved\":2,\"available\":3,\"productInStock\":true}}",
                                &u),
                     0);
    assert_string_equal(u.sku, "SKU-1");
    assert_string_equal(u.product_id, "0b72d66e-4c38-47b1-9092-adfc9809f822");
    assert_int_equal(u.available, 3);
    assert_int_equal(u.sequence, 4);
    /* proto3 JSON: int64 as a string, zero omitted. */
    assert_int_equal(parse_text("{\"subject\":\"S\",\"sequence\":2,\"data\":{\"sku\":\"S\","
                                "\"productId\":\"0b72d66e-4c38-47b1-9092-adfc9809f822\","
                                "\"available\":\"7\"}}",
                                &u),
                     0);
    assert_int_equal(u.available, 7);
    assert_int_equal(parse_text("{\"subject\":\"S\",\"data\":{\"sku\":\"S\",\"productId\":"
                                "\"0b72d66e-4c38-47b1-9092-adfc9809f822\"}}",
                                &u),
                     0);
    assert_int_equal(u.available, 0);
    assert_int_equal(u.sequence, 0);
}

static void test_stock_event_malformed_is_invalid(void **state)
{
    (void)state;
    stock_update_t u;
    const char *bad[] = {
        "{\"data\":{\"productId\":\"0b72d66e-4c38-47b1-9092-adfc9809f822\",\"available\":1}}",
        "{\"data\":{\"sku\":\"S\",\"productId\":\"nope\",\"available\":1}}",
        "{\"data\":{\"sku\":\"S\",\"productId\":\"0b72d66e-4c38-47b1-9092-adfc9809f822\","
        "\"available\":-1}}",
        "{\"data\":{\"sku\":\"S\",\"productId\":\"0b72d66e-4c38-47b1-9092-adfc9809f822\","
        "\"available\":1.5}}",
        "{\"subject\":\"OTHER\",\"data\":{\"sku\":\"S\",\"productId\":"
        "\"0b72d66e-4c38-47b1-9092-adfc9809f822\",\"available\":1}}",
        "{\"sequence\":\"x\",\"data\":{\"sku\":\"S\",\"productId\":"
        "\"0b72d66e-4c38-47b1-9092-adfc9809f822\",\"available\":1}}",
        "{}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (parse_text(bad[i], &u) != ERR_INVALID)
            fail_msg("accepted %s", bad[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stock_event_parsed),
        cmocka_unit_test(test_stock_event_malformed_is_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
