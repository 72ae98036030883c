/* test_order_events.c - reading OrderConfirmed and OrderCancelled, and the split into one
 * group per seller (services/fulfillment/order_events.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "order_events.h"

#define ORDER  "11111111-1111-4111-8111-111111111111"
#define CUST   "22222222-2222-4222-8222-222222222222"
#define SELL_A "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
#define SELL_B "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
#define PROD_1 "33333333-3333-4333-8333-333333333331"
#define PROD_2 "33333333-3333-4333-8333-333333333332"
#define PROD_3 "33333333-3333-4333-8333-333333333333"

#define ADDRESS                                                                                    \
    "\"address\":{\"name\":\"Buyer\",\"phone\":\"+977\",\"line1\":\"Thamel 12\",\"city\":"         \
    "\"Kathmandu\",\"district\":\"Kathmandu\",\"postalCode\":\"44600\",\"country\":\"NP\"}"

static cJSON *confirmed(const char *lines)
{
    char text[4096];
    snprintf(text, sizeof text,
             "{\"orderId\":\"" ORDER "\",\"orderNumber\":\"ORD-000042\",\"customerId\":\"" CUST
             "\",\"currency\":\"NPR\",\"total\":1000,\"paymentId\":\"x\",\"lines\":%s," ADDRESS
             ",\"confirmedAt\":\"2024-01-02T03:04:05Z\"}",
             lines);
    cJSON *d = cJSON_Parse(text);
    assert_non_null(d);
    return d;
}

static void test_order_confirmed_split_per_seller(void **state)
{
    (void)state;
    /* Seller B first in the order, two lines of A around it. */
    cJSON *d = confirmed("[{\"productId\":\"" PROD_1 "\",\"sellerId\":\"" SELL_B
                         "\",\"sku\":\"B-1\",\"title\":\"Tea\",\"quantity\":2},"
                         "{\"productId\":\"" PROD_2 "\",\"sellerId\":\"" SELL_A
                         "\",\"sku\":\"A-1\",\"title\":\"Cup\",\"quantity\":\"3\"},"
                         "{\"productId\":\"" PROD_3 "\",\"sellerId\":\"" SELL_A
                         "\",\"sku\":\"A-0\",\"quantity\":1}]");
    order_confirmed_t o;
    assert_int_equal(order_confirmed_parse(d, &o), 0);
    assert_string_equal(o.order_id, ORDER);
    assert_string_equal(o.order_number, "ORD-000042");
    assert_string_equal(o.customer_id, CUST);
    assert_string_equal(o.address.postal_code, "44600");
    assert_string_equal(o.address.line2, ""); /* absent */
    assert_int_equal(o.group_count, 2);
    /* Groups in seller id order; lines of a seller in the order's order. */
    assert_string_equal(o.groups[0].seller_id, SELL_A);
    assert_int_equal(o.groups[0].count, 2);
    assert_string_equal(o.lines[o.groups[0].start].sku, "A-1");
    assert_int_equal(o.lines[o.groups[0].start].quantity, 3);
    assert_string_equal(o.lines[o.groups[0].start + 1].sku, "A-0");
    assert_string_equal(o.lines[o.groups[0].start + 1].title, "");
    assert_string_equal(o.groups[1].seller_id, SELL_B);
    assert_int_equal(o.groups[1].count, 1);

    cJSON *lines = order_group_lines_json(&o, 1);
    char *text = cJSON_PrintUnformatted(lines);
    assert_string_equal(text, "[{\"product_id\":\"" PROD_1
                              "\",\"sku\":\"B-1\",\"title\":\"Tea\",\"quantity\":2}]");
    cJSON_free(text);
    cJSON_Delete(lines);

    cJSON *addr = order_address_json(&o.address);
    text = cJSON_PrintUnformatted(addr);
    assert_string_equal(text, "{\"name\":\"Buyer\",\"phone\":\"+977\",\"line1\":\"Thamel 12\","
                              "\"line2\":\"\",\"city\":\"Kathmandu\",\"district\":\"Kathmandu\","
                              "\"postal_code\":\"44600\",\"country\":\"NP\"}");
    cJSON_free(text);
    cJSON_Delete(addr);
    order_confirmed_free(&o);
    cJSON_Delete(d);
}

static void test_order_confirmed_rejects_broken_events(void **state)
{
    (void)state;
    const char *bad_lines[] = {
        "[]",
        "\"x\"",
        "[{\"productId\":\"" PROD_1 "\",\"sku\":\"A\",\"quantity\":1}]", /* no seller */
        "[{\"productId\":\"" PROD_1 "\",\"sellerId\":\"nope\",\"sku\":\"A\",\"quantity\":1}]",
        "[{\"productId\":\"" PROD_1 "\",\"sellerId\":\"" SELL_A "\",\"quantity\":1}]",
        "[{\"productId\":\"" PROD_1 "\",\"sellerId\":\"" SELL_A "\",\"sku\":\"A\",\"quantity\":0}]",
        "[{\"productId\":\"" PROD_1 "\",\"sellerId\":\"" SELL_A
        "\",\"sku\":\"A\",\"quantity\":1.5}]",
    };
    for (size_t i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++) {
        cJSON *d = confirmed(bad_lines[i]);
        order_confirmed_t o;
        if (order_confirmed_parse(d, &o) == 0)
            fail_msg("accepted lines %s", bad_lines[i]);
        assert_null(o.lines);
        cJSON_Delete(d);
    }
    const char *bad_orders[] = {
        "{\"orderNumber\":\"N\",\"customerId\":\"" CUST "\"," ADDRESS ",\"lines\":[]}",
        "{\"orderId\":\"" ORDER "\",\"customerId\":\"" CUST "\"," ADDRESS "}",
        "{\"orderId\":\"" ORDER "\",\"orderNumber\":\"N\"," ADDRESS "}",
        "{\"orderId\":\"" ORDER "\",\"orderNumber\":\"N\",\"customerId\":\"" CUST "\"}",
        "{\"orderId\":\"" ORDER "\",\"orderNumber\":\"N\",\"customerId\":\"" CUST
        "\",\"address\":{\"city\":\"x\"}}",
    };
    for (size_t i = 0; i < sizeof bad_orders / sizeof bad_orders[0]; i++) {
        cJSON *d = cJSON_Parse(bad_orders[i]);
        assert_non_null(d);
        order_confirmed_t o;
        if (order_confirmed_parse(d, &o) == 0)
            fail_msg("accepted %s", bad_orders[i]);
        cJSON_Delete(d);
    }
    order_confirmed_t o;
    assert_int_not_equal(order_confirmed_parse(NULL, &o), 0);
}

static void test_order_cancelled_order_id(void **state)
{
    (void)state;
    cJSON *d = cJSON_Parse("{\"orderId\":\"" ORDER "\",\"reason\":\"customer\"}");
    assert_string_equal(order_cancelled_order_id(d), ORDER);
    cJSON_Delete(d);
    d = cJSON_Parse("{\"orderId\":42}");
    assert_null(order_cancelled_order_id(d));
    cJSON_Delete(d);
    assert_null(order_cancelled_order_id(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_confirmed_split_per_seller),
        cmocka_unit_test(test_order_confirmed_rejects_broken_events),
        cmocka_unit_test(test_order_cancelled_order_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
