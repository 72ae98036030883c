/* test_template.c - the template renderer and money formatting (template.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "template.h"

/* Renders tpl with ctx and checks the output. */
static void expect(const char *tpl, const tpl_ctx_t *ctx, bool html, const char *want)
{
    char *out = NULL;
    assert_int_equal(tpl_render(tpl, strlen(tpl), ctx, html, &out), 0);
    assert_string_equal(out, want);
    free(out);
}

static void expect_invalid(const char *tpl)
{
    tpl_ctx_t ctx;
    char *out = NULL;
    tpl_ctx_init(&ctx);
    assert_int_equal(tpl_render(tpl, strlen(tpl), &ctx, false, &out), ERR_INVALID);
    assert_null(out);
    tpl_ctx_free(&ctx);
}

static void test_template_substitutes_variables(void **state)
{
    (void)state;
    tpl_ctx_t ctx;
    tpl_ctx_init(&ctx);
    tpl_ctx_set(&ctx, "order_number", "ORD-000123");
    tpl_ctx_set(&ctx, "name", "Asha");
    expect("Hi {{name}}, order {{ order_number }} is placed.", &ctx, false,
           "Hi Asha, order ORD-000123 is placed.");
    tpl_ctx_free(&ctx);
}

static void test_template_unknown_variable_is_empty(void **state)
{
    (void)state;
    tpl_ctx_t ctx;
    tpl_ctx_init(&ctx);
    expect("[{{missing}}]", &ctx, false, "[]");
    tpl_ctx_free(&ctx);
}

static void test_template_later_set_wins(void **state)
{
    (void)state;
    tpl_ctx_t ctx;
    tpl_ctx_init(&ctx);
    tpl_ctx_set(&ctx, "x", "1");
    tpl_ctx_set(&ctx, "x", "2");
    expect("{{x}}", &ctx, false, "2");
    tpl_ctx_free(&ctx);
}

static void test_template_html_escapes_values_not_markup(void **state)
{
    (void)state;
    tpl_ctx_t ctx;
    tpl_ctx_init(&ctx);
    tpl_ctx_set(&ctx, "title", "<script>\"Tea\" & 'Co'</script>");
    expect("<b>{{title}}</b>", &ctx, true,
           "<b>&lt;script&gt;&quot;Tea&quot; &amp; &#39;Co&#39;&lt;/script&gt;</b>");
    /* Plain text keeps the value as it is. */
    expect("{{title}}", &ctx, false, "<script>\"Tea\" & 'Co'</script>");
    tpl_ctx_free(&ctx);
}

static void test_template_lines_loop_sees_item_and_parent(void **state)
{
    (void)state;
    tpl_ctx_t ctx;
    tpl_ctx_init(&ctx);
    tpl_ctx_set(&ctx, "currency", "NPR");
    tpl_ctx_t *a = tpl_ctx_add_item(&ctx);
    tpl_ctx_set(a, "title", "Tea");
    tpl_ctx_set(a, "quantity", "2");
    tpl_ctx_t *b = tpl_ctx_add_item(&ctx);
    tpl_ctx_set(b, "title", "Cup");
    tpl_ctx_set(b, "quantity", "1");
    expect("{{#lines}}{{quantity}}x{{title}} {{currency}};{{/lines}}", &ctx, false,
           "2xTea NPR;1xCup NPR;");
    tpl_ctx_free(&ctx);
}

static void test_template_standalone_section_lines_vanish(void **state)
{
    (void)state;
    tpl_ctx_t ctx;
    tpl_ctx_init(&ctx);
    tpl_ctx_add_item(&ctx);
    tpl_ctx_set(&ctx.items[0], "title", "Tea");
    expect("Items:\n{{#lines}}\n  - {{title}}\n{{/lines}}\nEnd\n", &ctx, false,
           "Items:\n  - Tea\nEnd\n");
    tpl_ctx_free(&ctx);
}

static void test_template_scalar_and_inverted_sections(void **state)
{
    (void)state;
    tpl_ctx_t ctx;
    tpl_ctx_init(&ctx);
    tpl_ctx_set(&ctx, "tracking_number", "TRK-1");
    tpl_ctx_set(&ctx, "discount", "");
    expect("{{#tracking_number}}Tracking: {{tracking_number}}{{/tracking_number}}"
           "{{#discount}}D{{/discount}}{{^discount}} no discount{{/discount}}"
           "{{^lines}}, no lines{{/lines}}",
           &ctx, false, "Tracking: TRK-1 no discount, no lines");
    tpl_ctx_free(&ctx);
}

static void test_template_comment_renders_nothing(void **state)
{
    (void)state;
    tpl_ctx_t ctx;
    tpl_ctx_init(&ctx);
    expect("a{{! a note for editors }}b", &ctx, false, "ab");
    tpl_ctx_free(&ctx);
}

static void test_template_rejects_malformed(void **state)
{
    (void)state;
    expect_invalid("hello {{name");
    expect_invalid("{{#lines}} never closed");
    expect_invalid("stray {{/lines}}");
    expect_invalid("{{Bad-Name}}");
    expect_invalid("{{}}");
    expect_invalid("{{two words}}");
    /* A broken block fails even where it would not be shown. */
    expect_invalid("{{#absent}}{{oops{{/absent}}");
}

static void test_money_formats_minor_units(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(tpl_money(123450, "NPR", buf, sizeof buf), 12);
    assert_string_equal(buf, "NPR 1,234.50");
    tpl_money(5, "USD", buf, sizeof buf);
    assert_string_equal(buf, "USD 0.05");
    tpl_money(0, "NPR", buf, sizeof buf);
    assert_string_equal(buf, "NPR 0.00");
    tpl_money(1234567, "JPY", buf, sizeof buf);
    assert_string_equal(buf, "JPY 1,234,567");
    tpl_money(1500, "KWD", buf, sizeof buf);
    assert_string_equal(buf, "KWD 1.500");
    tpl_money(-250, "USD", buf, sizeof buf);
    assert_string_equal(buf, "-USD 2.50");
    tpl_money(100000000000LL, "NPR", buf, sizeof buf);
    assert_string_equal(buf, "NPR 1,000,000,000.00");
    tpl_money(INT64_MIN, "USD", buf, sizeof buf);
    assert_string_equal(buf, "-USD 92,233,720,368,547,758.08");
}

static void test_money_too_small_buffer(void **state)
{
    (void)state;
    char buf[8];
    assert_int_equal(tpl_money(123450, "NPR", buf, sizeof buf), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_substitutes_variables),
        cmocka_unit_test(test_template_unknown_variable_is_empty),
        cmocka_unit_test(test_template_later_set_wins),
        cmocka_unit_test(test_template_html_escapes_values_not_markup),
        cmocka_unit_test(test_template_lines_loop_sees_item_and_parent),
        cmocka_unit_test(test_template_standalone_section_lines_vanish),
        cmocka_unit_test(test_template_scalar_and_inverted_sections),
        cmocka_unit_test(test_template_comment_renders_nothing),
        cmocka_unit_test(test_template_rejects_malformed),
        cmocka_unit_test(test_money_formats_minor_units),
        cmocka_unit_test(test_money_too_small_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
