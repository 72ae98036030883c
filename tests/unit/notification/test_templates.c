/* test_templates.c - the template files the service ships, rendered with a real order:
 * every one exists and parses, and each shows the order number and totals (templates.c
 * over services/notification/templates). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "notify.h"
#include "templates.h"

#define O1 "11111111-1111-4111-8111-111111111111"
#define U1 "44444444-4444-4444-8444-444444444444"

static int setup(void **state)
{
    (void)state;
    return templates_init(NOTIFICATION_TEMPLATES_SOURCE_DIR);
}

static void order_ctx(tpl_ctx_t *ctx, const char *vars_json)
{
    cJSON *data = cJSON_Parse(
        "{\"orderId\":\"" O1 "\",\"orderNumber\":\"ORD-000123\",\"customerId\":\"" U1 "\","
        "\"currency\":\"NPR\",\"subtotal\":240000,\"shippingFee\":10000,\"total\":250000,"
        "\"lines\":[{\"sku\":\"TEA-1\",\"title\":\"Tea <Gold> & Co\",\"unitPrice\":120000,"
        "\"quantity\":2,\"lineTotal\":240000}],\"address\":{\"phone\":\"+9779800000000\"}}");
    cJSON *vars = cJSON_Parse(vars_json);
    notify_order_t o;
    notify_contact_t c = {.user_id = U1, .email = "asha@example.com", .name = "Asha"};
    assert_int_equal(notify_order_from_event(data, &o), 0);
    assert_int_equal(notify_build_ctx(&o, &c, vars, ctx), 0);
    notify_order_free(&o);
    cJSON_Delete(vars);
    cJSON_Delete(data);
}

static void test_templates_all_render(void **state)
{
    (void)state;
    tpl_ctx_t ctx;
    order_ctx(&ctx, "{\"tracking_number\":\"TRK-42\",\"reason\":\"customer\"}");
    for (const char *const *n = templates_names(); *n != NULL; n++) {
        char *subject, *text, *html;
        assert_int_equal(templates_render_email(*n, &ctx, &subject, &text, &html), 0);
        /* Every mail names the order, in its subject and both bodies. */
        assert_non_null(strstr(subject, "ORD-000123"));
        assert_null(strchr(subject, '\n'));
        assert_non_null(strstr(text, "ORD-000123"));
        assert_non_null(strstr(html, "ORD-000123"));
        assert_null(strstr(text, "{{"));
        assert_null(strstr(html, "{{"));
        free(subject);
        free(text);
        free(html);
    }
    tpl_ctx_free(&ctx);
}

static void test_templates_order_created_shows_lines_and_totals(void **state)
{
    (void)state;
    tpl_ctx_t ctx;
    char *subject, *text, *html;
    order_ctx(&ctx, "{}");
    assert_int_equal(templates_render_email(TPL_ORDER_CREATED, &ctx, &subject, &text, &html), 0);
    assert_string_equal(subject, "Your order ORD-000123 is placed");
    assert_non_null(strstr(text, "Hello Asha,"));
    assert_non_null(strstr(text, "2 x Tea <Gold> & Co (TEA-1)    NPR 2,400.00"));
    assert_non_null(strstr(text, "Total:     NPR 2,500.00"));
    /* No discount and no tax: those lines are left out. */
    assert_null(strstr(text, "Discount"));
    assert_null(strstr(text, "Tax"));
    /* HTML escapes the values, not the markup. */
    assert_non_null(strstr(html, "Tea &lt;Gold&gt; &amp; Co"));
    assert_null(strstr(html, "<Gold>"));
    assert_non_null(strstr(html, "<strong>NPR 2,500.00</strong>"));
    free(subject);
    free(text);
    free(html);
    tpl_ctx_free(&ctx);
}

static void test_templates_shipped_shows_tracking(void **state)
{
    (void)state;
    tpl_ctx_t ctx;
    char *subject, *text, *html;
    order_ctx(&ctx, "{\"tracking_number\":\"TRK-42\",\"courier_name\":\"Pathao\"}");
    assert_int_equal(templates_render_email(TPL_ORDER_SHIPPED, &ctx, &subject, &text, &html), 0);
    assert_non_null(strstr(text, "Tracking number: TRK-42"));
    assert_non_null(strstr(text, "with Pathao"));
    free(subject);
    free(text);
    free(html);
    tpl_ctx_free(&ctx);
}

static void test_templates_sms(void **state)
{
    (void)state;
    tpl_ctx_t ctx;
    char *text;
    order_ctx(&ctx, "{}");
    assert_true(templates_has_sms(TPL_ORDER_CREATED));
    assert_false(templates_has_sms(TPL_ORDER_CANCELLED));
    assert_false(templates_has_sms("../../etc/passwd"));
    assert_int_equal(templates_render_sms(TPL_ORDER_CREATED, &ctx, &text), 0);
    assert_string_equal(text, "Store: order ORD-000123 placed, total NPR 2,500.00. We will tell "
                              "you when it is paid.");
    free(text);
    assert_int_equal(templates_render_sms(TPL_ORDER_CANCELLED, &ctx, &text), ERR_NOT_FOUND);
    tpl_ctx_free(&ctx);
}

static void test_templates_unknown_name(void **state)
{
    (void)state;
    tpl_ctx_t ctx;
    char *subject, *text, *html;
    tpl_ctx_init(&ctx);
    assert_false(templates_known("welcome"));
    assert_int_equal(templates_render_email("welcome", &ctx, &subject, &text, &html),
                     ERR_NOT_FOUND);
    tpl_ctx_free(&ctx);
}

static void test_templates_init_fails_on_missing_dir(void **state)
{
    (void)state;
    assert_int_equal(templates_init("/nonexistent/templates"), ERR_INVALID);
    assert_int_equal(templates_init(NOTIFICATION_TEMPLATES_SOURCE_DIR), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_templates_all_render),
        cmocka_unit_test(test_templates_order_created_shows_lines_and_totals),
        cmocka_unit_test(test_templates_shipped_shows_tracking),
        cmocka_unit_test(test_templates_sms),
        cmocka_unit_test(test_templates_unknown_name),
        cmocka_unit_test(test_templates_init_fails_on_missing_dir),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
