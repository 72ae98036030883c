/* test_render.c - orders as JSON for the API and the events (services/order/render.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

static const char *str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

static order_line_t line = {
    .product_id = "11111111-1111-4111-8111-111111111111",
    .seller_id = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
    .sku = "A-1",
    .title = "Tea",
    .unit_price = 1200,
    .quantity = 2,
    .line_total = 2400,
};

static order_history_t hist = {
    .from = "", .to = "PENDING_PAYMENT", .actor = "customer:x", .at = "2026-01-02T03:04:05.678Z"};

static void sample(order_record_t *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->id, sizeof o->id, "0b72d66e-4c38-47b1-9092-adfc9809f822");
    snprintf(o->number, sizeof o->number, "ORD-000123");
    snprintf(o->customer_id, sizeof o->customer_id, "9b72d66e-4c38-47b1-9092-adfc9809f822");
    o->status = ORDER_PENDING_PAYMENT;
    o->payment_status = PAYMENT_PENDING;
    snprintf(o->payment_method, sizeof o->payment_method, "fake");
    o->totals = (order_totals_t){"NPR", 2400, 100, 0, 0, 2500};
    o->address = (order_address_t){.name = "B",
                                   .phone = "1",
                                   .line1 = "L1",
                                   .city = "C",
                                   .district = "D",
                                   .postal_code = "44600",
                                   .country = "NP"};
    snprintf(o->created_at, sizeof o->created_at, "2026-01-02T03:04:05.678Z");
    snprintf(o->updated_at, sizeof o->updated_at, "2026-01-02T03:04:05.678Z");
    o->lines = &line;
    o->line_count = 1;
    o->history = &hist;
    o->history_count = 1;
    o->item_count = 2;
}

static void test_render_order_api_shape(void **state)
{
    (void)state;
    order_record_t o;
    sample(&o);
    cJSON *j = render_order(&o);
    assert_non_null(j);
    assert_string_equal(str(j, "order_id"), o.id);
    assert_string_equal(str(j, "order_number"), "ORD-000123");
    assert_string_equal(str(j, "order_status"), "PENDING_PAYMENT");
    assert_string_equal(str(j, "payment_status"), "PENDING");
    assert_int_equal(num(j, "final_price"), 2500);
    assert_int_equal(num(j, "shipping_fee"), 100);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(j, "items");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    assert_int_equal(num(cJSON_GetArrayItem(items, 0), "line_total"), 2400);
    const cJSON *addr = cJSON_GetObjectItemCaseSensitive(j, "address");
    assert_string_equal(str(addr, "postal_code"), "44600");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(addr, "line2")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "reservation_expires_at")));
    const cJSON *h = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "history"), 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(h, "from")));
    assert_string_equal(str(h, "to"), "PENDING_PAYMENT");
    cJSON_Delete(j);
}

static void test_render_summary_has_no_lines(void **state)
{
    (void)state;
    order_record_t o;
    sample(&o);
    cJSON *j = render_order_summary(&o);
    assert_non_null(j);
    assert_null(cJSON_GetObjectItemCaseSensitive(j, "items"));
    assert_int_equal(num(j, "item_count"), 2);
    cJSON_Delete(j);
}

static void test_render_event_created_proto_names(void **state)
{
    (void)state;
    order_record_t o;
    sample(&o);
    cJSON *j = render_event_created(&o);
    assert_non_null(j);
    assert_string_equal(str(j, "orderId"), o.id);
    assert_string_equal(str(j, "customerId"), o.customer_id);
    assert_string_equal(str(j, "status"), "PENDING_PAYMENT");
    assert_int_equal(num(j, "total"), 2500);
    assert_int_equal(num(j, "shippingFee"), 100);
    assert_null(cJSON_GetObjectItemCaseSensitive(j, "cartId"));
    const cJSON *l = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "lines"), 0);
    assert_string_equal(str(l, "productId"), line.product_id);
    assert_int_equal(num(l, "unitPrice"), 1200);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "address");
    assert_string_equal(str(a, "postalCode"), "44600");
    assert_null(cJSON_GetObjectItemCaseSensitive(a, "line2"));
    cJSON_Delete(j);

    snprintf(o.cart_id, sizeof o.cart_id, "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa");
    j = render_event_created(&o);
    assert_string_equal(str(j, "cartId"), o.cart_id);
    cJSON_Delete(j);
}

static void test_render_event_status_changed_creation_has_no_from(void **state)
{
    (void)state;
    order_record_t o;
    sample(&o);
    cJSON *j = render_event_status_changed(&o, ORDER_STATUS_INVALID, ORDER_PENDING_PAYMENT,
                                           "customer:x", "2026-01-02T03:04:05.678Z");
    assert_null(cJSON_GetObjectItemCaseSensitive(j, "from"));
    assert_string_equal(str(j, "to"), "PENDING_PAYMENT");
    cJSON_Delete(j);
    j = render_event_status_changed(&o, ORDER_PENDING_PAYMENT, ORDER_CANCELLED, "admin:y",
                                    "2026-01-02T03:04:05.678Z");
    assert_string_equal(str(j, "from"), "PENDING_PAYMENT");
    assert_string_equal(str(j, "actor"), "admin:y");
    cJSON_Delete(j);
}

static void test_render_event_cancelled_and_confirmed(void **state)
{
    (void)state;
    order_record_t o;
    sample(&o);
    o.status = ORDER_CANCELLED;
    o.payment_status = PAYMENT_REFUND_PENDING;
    cJSON *j = render_event_cancelled(&o, "admin", ORDER_CONFIRMED, "2026-01-02T03:04:05.678Z");
    assert_string_equal(str(j, "reason"), "admin");
    assert_string_equal(str(j, "previousStatus"), "CONFIRMED");
    assert_string_equal(str(j, "paymentStatus"), "REFUND_PENDING");
    cJSON_Delete(j);
    snprintf(o.payment_id, sizeof o.payment_id, "pay-1");
    j = render_event_confirmed(&o, "2026-01-02T03:04:05.678Z");
    assert_string_equal(str(j, "paymentId"), "pay-1");
    assert_int_equal(num(j, "total"), 2500);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "lines")), 1);
    cJSON_Delete(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_order_api_shape),
        cmocka_unit_test(test_render_summary_has_no_lines),
        cmocka_unit_test(test_render_event_created_proto_names),
        cmocka_unit_test(test_render_event_status_changed_creation_has_no_from),
        cmocka_unit_test(test_render_event_cancelled_and_confirmed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
