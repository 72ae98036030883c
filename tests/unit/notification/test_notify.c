/* test_notify.c - which event causes which message, the read models' parsing, the
 * template variables, phones and the retry schedule (notify.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "notify.h"

#define O1 "11111111-1111-4111-8111-111111111111"
#define U1 "44444444-4444-4444-8444-444444444444"

static const char *order_event_json =
    "{\"orderId\":\"" O1 "\",\"orderNumber\":\"ORD-000123\",\"customerId\":\"" U1 "\","
    "\"status\":\"PENDING_PAYMENT\",\"paymentMethod\":\"fake\",\"currency\":\"NPR\","
    "\"subtotal\":\"240000\",\"shippingFee\":10000,\"discount\":0,\"tax\":0,\"total\":250000,"
    "\"lines\":[{\"productId\":\"" O1 "\",\"sellerId\":\"" U1 "\",\"sku\":\"TEA-1\","
    "\"title\":\"Tea <Gold>\",\"unitPrice\":120000,\"quantity\":2,\"lineTotal\":\"240000\"}],"
    "\"address\":{\"name\":\"Asha\",\"phone\":\"+977 1 5550100\",\"line1\":\"x\","
    "\"city\":\"Kathmandu\",\"country\":\"NP\"}}";

static cJSON *parse(const char *s)
{
    cJSON *j = cJSON_Parse(s);
    assert_non_null(j);
    return j;
}

static void test_cause_mapping(void **state)
{
    (void)state;
    static const struct {
        const char *type, *data, *tpl;
        int rc;
    } cases[] = {
        {"OrderCreated", "{\"orderId\":\"" O1 "\",\"customerId\":\"" U1 "\"}", "order_created", 0},
        {"PaymentSucceeded", "{\"orderId\":\"" O1 "\",\"amount\":\"250000\",\"currency\":\"NPR\"}",
         "payment_succeeded", 0},
        {"ShipmentStatusChanged", "{\"orderId\":\"" O1 "\",\"to\":\"SHIPPED\"}", "order_shipped",
         0},
        {"ShipmentStatusChanged", "{\"orderId\":\"" O1 "\",\"to\":\"DELIVERED\"}",
         "order_delivered", 0},
        {"OrderCancelled", "{\"orderId\":\"" O1 "\",\"reason\":\"customer\"}", "order_cancelled",
         0},
        {"ShipmentStatusChanged", "{\"orderId\":\"" O1 "\",\"to\":\"PACKING\"}", NULL, 1},
        {"OrderConfirmed", "{\"orderId\":\"" O1 "\"}", NULL, 1},
        {"PaymentFailed", "{\"orderId\":\"" O1 "\"}", NULL, 1},
        {"OrderCreated", "{\"orderId\":\"not-a-uuid\"}", NULL, ERR_INVALID},
        {"OrderCreated", "{\"orderId\":\"" O1 "\",\"customerId\":\"x\"}", NULL, ERR_INVALID},
        {"ShipmentStatusChanged", "{\"orderId\":\"" O1 "\"}", NULL, ERR_INVALID},
        {"PaymentSucceeded", "{\"orderId\":\"" O1 "\",\"amount\":\"-5\",\"currency\":\"NPR\"}",
         NULL, ERR_INVALID},
        {"OrderCancelled", "{\"orderId\":\"" O1 "\",\"reason\":7}", NULL, ERR_INVALID},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *data = parse(cases[i].data);
        notify_cause_t c;
        int rc = notify_cause_from_event(cases[i].type, data, &c);
        if (rc != cases[i].rc)
            fail_msg("case %zu (%s): rc %d, want %d", i, cases[i].type, rc, cases[i].rc);
        if (rc == 0) {
            assert_string_equal(c.template, cases[i].tpl);
            assert_string_equal(c.order_id, O1);
        }
        notify_cause_free(&c);
        cJSON_Delete(data);
    }
}

static void test_cause_carries_event_variables(void **state)
{
    (void)state;
    cJSON *data = parse("{\"orderId\":\"" O1 "\",\"customerId\":\"" U1 "\",\"to\":\"SHIPPED\","
                        "\"trackingNumber\":\"TRK-42\",\"courierName\":\"Pathao\"}");
    notify_cause_t c;
    assert_int_equal(notify_cause_from_event("ShipmentStatusChanged", data, &c), 0);
    assert_string_equal(c.user_id, U1);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(c.vars, "tracking_number")),
                        "TRK-42");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(c.vars, "courier_name")),
                        "Pathao");
    notify_cause_free(&c);
    cJSON_Delete(data);
}

static void test_cause_without_customer_leaves_user_empty(void **state)
{
    (void)state;
    cJSON *data = parse("{\"orderId\":\"" O1 "\",\"amount\":100,\"currency\":\"NPR\"}");
    notify_cause_t c;
    assert_int_equal(notify_cause_from_event("PaymentSucceeded", data, &c), 0);
    assert_string_equal(c.user_id, "");
    notify_cause_free(&c);
    cJSON_Delete(data);
}

static void test_order_from_event(void **state)
{
    (void)state;
    cJSON *data = parse(order_event_json);
    notify_order_t o;
    assert_int_equal(notify_order_from_event(data, &o), 0);
    assert_string_equal(o.order_number, "ORD-000123");
    assert_string_equal(o.customer_id, U1);
    assert_string_equal(o.currency, "NPR");
    assert_int_equal(o.subtotal, 240000);
    assert_int_equal(o.shipping_fee, 10000);
    assert_int_equal(o.total, 250000);
    assert_string_equal(o.phone, "+97715550100");
    assert_int_equal(cJSON_GetArraySize(o.lines), 1);
    const cJSON *l = cJSON_GetArrayItem(o.lines, 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(l, "title")), "Tea <Gold>");
    assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItem(l, "line_total")), 240000);
    notify_order_free(&o);
    cJSON_Delete(data);
}

static void test_order_from_api(void **state)
{
    (void)state;
    cJSON *data = parse("{\"order_id\":\"" O1 "\",\"order_number\":\"ORD-7\",\"customer_id\":\"" U1
                        "\",\"currency\":\"USD\",\"subtotal\":500,\"shipping_fee\":0,"
                        "\"discount\":0,\"tax\":0,\"final_price\":500,\"items\":[{\"sku\":\"A\","
                        "\"title\":\"Mug\",\"unit_price\":250,\"quantity\":2,\"line_total\":500}],"
                        "\"address\":{\"phone\":\"12\"}}");
    notify_order_t o;
    assert_int_equal(notify_order_from_api(data, &o), 0);
    assert_string_equal(o.order_number, "ORD-7");
    assert_int_equal(o.total, 500);
    /* A phone too short for SMS is no phone, not a broken order. */
    assert_string_equal(o.phone, "");
    notify_order_free(&o);
    cJSON_Delete(data);
}

static void test_order_rejects_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"orderNumber\":\"X\",\"customerId\":\"" U1 "\",\"currency\":\"NPR\",\"lines\":[]}",
        "{\"orderId\":\"" O1 "\",\"orderNumber\":\"X\",\"customerId\":\"" U1
        "\",\"currency\":\"npr\",\"lines\":[]}",
        "{\"orderId\":\"" O1 "\",\"orderNumber\":\"X\",\"customerId\":\"" U1
        "\",\"currency\":\"NPR\",\"total\":-1,\"lines\":[]}",
        "{\"orderId\":\"" O1 "\",\"orderNumber\":\"X\",\"customerId\":\"" U1
        "\",\"currency\":\"NPR\"}",
        "{\"orderId\":\"" O1 "\",\"orderNumber\":\"X\",\"customerId\":\"" U1
        "\",\"currency\":\"NPR\",\"lines\":[{\"sku\":\"A\",\"quantity\":1}]}",
        "{\"orderId\":\"" O1 "\",\"orderNumber\":\"\",\"customerId\":\"" U1
        "\",\"currency\":\"NPR\",\"lines\":[]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *data = parse(bad[i]);
        notify_order_t o;
        if (notify_order_from_event(data, &o) != ERR_INVALID)
            fail_msg("case %zu parsed", i);
        notify_order_free(&o);
        cJSON_Delete(data);
    }
}

static void test_contact_parsing(void **state)
{
    (void)state;
    cJSON *ev = parse("{\"userId\":\"" U1 "\",\"email\":\"a@b.c\",\"name\":\"Asha\","
                      "\"role\":\"customer\",\"registeredAt\":\"2026-01-01T00:00:00Z\"}");
    cJSON *api = parse("{\"id\":\"" U1 "\",\"email\":\"a@b.c\",\"name\":\"Asha\",\"role\":\"x\"}");
    cJSON *bad = parse("{\"userId\":\"" U1 "\",\"email\":\"nope\"}");
    notify_contact_t c;
    assert_int_equal(notify_contact_from_event(ev, &c), 0);
    assert_string_equal(c.email, "a@b.c");
    assert_string_equal(c.name, "Asha");
    assert_int_equal(notify_contact_from_api(api, &c), 0);
    assert_string_equal(c.user_id, U1);
    assert_int_equal(notify_contact_from_event(bad, &c), ERR_INVALID);
    cJSON_Delete(ev);
    cJSON_Delete(api);
    cJSON_Delete(bad);
}

static void test_build_ctx(void **state)
{
    (void)state;
    cJSON *data = parse(order_event_json);
    cJSON *vars = parse("{\"amount_minor\":\"250000\",\"amount_currency\":\"NPR\","
                        "\"reason\":\"payment_failed\"}");
    notify_order_t o;
    notify_contact_t c = {.user_id = U1, .email = "a@b.c", .name = "Asha"};
    tpl_ctx_t ctx;
    assert_int_equal(notify_order_from_event(data, &o), 0);
    assert_int_equal(notify_build_ctx(&o, &c, vars, &ctx), 0);
    assert_string_equal(tpl_ctx_get(&ctx, "name"), "Asha");
    assert_string_equal(tpl_ctx_get(&ctx, "order_number"), "ORD-000123");
    assert_string_equal(tpl_ctx_get(&ctx, "total"), "NPR 2,500.00");
    assert_string_equal(tpl_ctx_get(&ctx, "shipping_fee"), "NPR 100.00");
    assert_string_equal(tpl_ctx_get(&ctx, "discount"), "");
    assert_string_equal(tpl_ctx_get(&ctx, "amount"), "NPR 2,500.00");
    assert_string_equal(tpl_ctx_get(&ctx, "reason_text"), "the payment did not go through");
    assert_int_equal(ctx.item_count, 1);
    assert_string_equal(tpl_ctx_get(&ctx.items[0], "quantity"), "2");
    assert_string_equal(tpl_ctx_get(&ctx.items[0], "unit_price"), "NPR 1,200.00");
    tpl_ctx_free(&ctx);
    /* Without a contact (an SMS) the greeting falls back. */
    assert_int_equal(notify_build_ctx(&o, NULL, NULL, &ctx), 0);
    assert_string_equal(tpl_ctx_get(&ctx, "name"), "customer");
    tpl_ctx_free(&ctx);
    notify_order_free(&o);
    cJSON_Delete(vars);
    cJSON_Delete(data);
}

static void test_phone_normalize(void **state)
{
    (void)state;
    char p[32];
    assert_int_equal(notify_phone_normalize("+977 (1) 555-0100", p, sizeof p), 0);
    assert_string_equal(p, "+97715550100");
    assert_int_equal(notify_phone_normalize("9801234567", p, sizeof p), 0);
    assert_string_equal(p, "9801234567");
    assert_int_equal(notify_phone_normalize("12345", p, sizeof p), ERR_INVALID);
    assert_int_equal(notify_phone_normalize("+1 555 CALL NOW", p, sizeof p), ERR_INVALID);
    assert_int_equal(notify_phone_normalize("1234567890123456", p, sizeof p), ERR_INVALID);
    assert_int_equal(notify_phone_normalize("12+34567890", p, sizeof p), ERR_INVALID);
}

static void test_backoff_doubles_to_cap(void **state)
{
    (void)state;
    assert_int_equal(notify_backoff_ms(1, 1000, 60000), 1000);
    assert_int_equal(notify_backoff_ms(2, 1000, 60000), 2000);
    assert_int_equal(notify_backoff_ms(4, 1000, 60000), 8000);
    assert_int_equal(notify_backoff_ms(7, 1000, 60000), 60000);
    assert_int_equal(notify_backoff_ms(100, 1000, 60000), 60000);
    assert_int_equal(notify_backoff_ms(64, 3600000, 86400000), 86400000);
}

static void test_channels(void **state)
{
    (void)state;
    assert_true(notify_channel_valid("email"));
    assert_true(notify_channel_valid("sms"));
    assert_false(notify_channel_valid("push"));
    assert_false(notify_channel_valid(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cause_mapping),
        cmocka_unit_test(test_cause_carries_event_variables),
        cmocka_unit_test(test_cause_without_customer_leaves_user_empty),
        cmocka_unit_test(test_order_from_event),
        cmocka_unit_test(test_order_from_api),
        cmocka_unit_test(test_order_rejects_malformed),
        cmocka_unit_test(test_contact_parsing),
        cmocka_unit_test(test_build_ctx),
        cmocka_unit_test(test_phone_normalize),
        cmocka_unit_test(test_backoff_doubles_to_cap),
        cmocka_unit_test(test_channels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
