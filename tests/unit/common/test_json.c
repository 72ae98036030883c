/* test_json.c - strict field validation of request bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/json.h"

/* Parses body, runs json_req_int on "quantity" in [1, 100] and returns its result. */
static int req_quantity(const char *body, int64_t *out, json_check_t *chk)
{
    cJSON *obj = cJSON_Parse(body);
    assert_non_null(obj);
    json_check_init(chk);
    int rc = json_req_int(chk, obj, "quantity", 1, 100, out);
    cJSON_Delete(obj);
    return rc;
}

/* The message recorded for field, as a malloc'd string (NULL if none). */
static char *field_message(json_check_t *chk, const char *field)
{
    cJSON *details = json_check_take_details(chk);
    assert_non_null(details);
    cJSON *fields = cJSON_GetObjectItemCaseSensitive(details, "fields");
    assert_true(cJSON_IsObject(fields));
    cJSON *msg = cJSON_GetObjectItemCaseSensitive(fields, field);
    char *s = cJSON_IsString(msg) ? strdup(msg->valuestring) : NULL;
    cJSON_Delete(details);
    return s;
}

static void test_json_int_accepts_integer_in_range(void **state)
{
    (void)state;
    json_check_t chk;
    int64_t q = 0;
    assert_int_equal(req_quantity("{\"quantity\": 42}", &q, &chk), 0);
    assert_int_equal(q, 42);
    assert_true(json_check_ok(&chk));
    json_check_free(&chk);
}

static void test_json_int_rejects_fraction(void **state)
{
    (void)state;
    json_check_t chk;
    int64_t q = 7;
    assert_int_equal(req_quantity("{\"quantity\": 1.5}", &q, &chk), ERR_INVALID);
    assert_int_equal(q, 7);
    assert_false(json_check_ok(&chk));
    json_check_free(&chk);
}

static void test_json_int_rejects_string(void **state)
{
    (void)state;
    json_check_t chk;
    int64_t q;
    assert_int_equal(req_quantity("{\"quantity\": \"2\"}", &q, &chk), ERR_INVALID);
    json_check_free(&chk);
}

static void test_json_int_rejects_boolean(void **state)
{
    (void)state;
    json_check_t chk;
    int64_t q;
    assert_int_equal(req_quantity("{\"quantity\": true}", &q, &chk), ERR_INVALID);
    json_check_free(&chk);
}

static void test_json_int_rejects_null(void **state)
{
    (void)state;
    json_check_t chk;
    int64_t q;
    assert_int_equal(req_quantity("{\"quantity\": null}", &q, &chk), ERR_INVALID);
    json_check_free(&chk);
}

static void test_json_int_rejects_out_of_range(void **state)
{
    (void)state;
    json_check_t chk;
    int64_t q;
    assert_int_equal(req_quantity("{\"quantity\": 101}", &q, &chk), ERR_INVALID);
    json_check_free(&chk);
    assert_int_equal(req_quantity("{\"quantity\": 0}", &q, &chk), ERR_INVALID);
    json_check_free(&chk);
}

static void test_json_int_rejects_beyond_2_pow_53(void **state)
{
    (void)state;
    cJSON *obj = cJSON_Parse("{\"big\": 9007199254740993, \"neg\": -9007199254740993,"
                             " \"max\": 9007199254740991}");
    assert_non_null(obj);
    json_check_t chk;
    json_check_init(&chk);
    int64_t v = 0;
    assert_int_equal(json_req_int(&chk, obj, "big", INT64_MIN, INT64_MAX, &v), ERR_INVALID);
    assert_int_equal(json_req_int(&chk, obj, "neg", INT64_MIN, INT64_MAX, &v), ERR_INVALID);
    assert_int_equal(json_req_int(&chk, obj, "max", INT64_MIN, INT64_MAX, &v), 0);
    assert_int_equal(v, 9007199254740991LL);
    json_check_free(&chk);
    cJSON_Delete(obj);
}

static void test_json_int_failure_names_range(void **state)
{
    (void)state;
    json_check_t chk;
    int64_t q;
    req_quantity("{\"quantity\": 1000}", &q, &chk);
    char *msg = field_message(&chk, "quantity");
    assert_non_null(msg);
    assert_string_equal(msg, "must be an integer between 1 and 100");
    free(msg);
    assert_true(json_check_ok(&chk)); /* taking the details empties the check */
}

static void test_json_int_missing_is_required(void **state)
{
    (void)state;
    json_check_t chk;
    int64_t q;
    assert_int_equal(req_quantity("{}", &q, &chk), ERR_INVALID);
    char *msg = field_message(&chk, "quantity");
    assert_string_equal(msg, "is required");
    free(msg);
}

static void test_json_opt_int_missing_returns_1_untouched(void **state)
{
    (void)state;
    cJSON *obj = cJSON_Parse("{}");
    json_check_t chk;
    json_check_init(&chk);
    int64_t v = 20;
    assert_int_equal(json_opt_int(&chk, obj, "limit", 1, 100, &v), 1);
    assert_int_equal(v, 20);
    assert_true(json_check_ok(&chk));
    cJSON_Delete(obj);
}

static void test_json_opt_int_present_is_validated(void **state)
{
    (void)state;
    cJSON *obj = cJSON_Parse("{\"limit\": 500}");
    json_check_t chk;
    json_check_init(&chk);
    int64_t v = 20;
    assert_int_equal(json_opt_int(&chk, obj, "limit", 1, 100, &v), ERR_INVALID);
    assert_false(json_check_ok(&chk));
    json_check_free(&chk);
    cJSON_Delete(obj);
}

static void test_json_string_returns_value(void **state)
{
    (void)state;
    cJSON *obj = cJSON_Parse("{\"email\": \"a@b.co\"}");
    json_check_t chk;
    json_check_init(&chk);
    const char *s = json_req_string(&chk, obj, "email", 3, 254);
    assert_non_null(s);
    assert_string_equal(s, "a@b.co");
    assert_true(json_check_ok(&chk));
    cJSON_Delete(obj);
}

static void test_json_string_rejects_number(void **state)
{
    (void)state;
    cJSON *obj = cJSON_Parse("{\"email\": 5}");
    json_check_t chk;
    json_check_init(&chk);
    assert_null(json_req_string(&chk, obj, "email", 3, 254));
    char *msg = field_message(&chk, "email");
    assert_string_equal(msg, "must be a string");
    free(msg);
    cJSON_Delete(obj);
}

static void test_json_string_rejects_too_short_and_too_long(void **state)
{
    (void)state;
    cJSON *obj = cJSON_Parse("{\"a\": \"xy\", \"b\": \"0123456789\"}");
    json_check_t chk;
    json_check_init(&chk);
    assert_null(json_req_string(&chk, obj, "a", 3, 5));
    assert_null(json_req_string(&chk, obj, "b", 3, 5));
    char *msg = field_message(&chk, "b");
    assert_string_equal(msg, "must be between 3 and 5 bytes long");
    free(msg);
    cJSON_Delete(obj);
}

static void test_json_string_length_counts_bytes(void **state)
{
    (void)state;
    /* "é" is two bytes in UTF-8: "éé" is 4 bytes, over a limit of 3. */
    cJSON *obj = cJSON_Parse("{\"name\": \"\xc3\xa9\xc3\xa9\"}");
    json_check_t chk;
    json_check_init(&chk);
    assert_null(json_req_string(&chk, obj, "name", 1, 3));
    json_check_free(&chk);
    cJSON_Delete(obj);
}

static void test_json_string_rejects_invalid_utf8(void **state)
{
    (void)state;
    /* 0xC0 0xAF is an overlong '/', 0xED 0xA0 0x80 a surrogate, 0xFF never valid. */
    cJSON *obj = cJSON_Parse("{\"a\": \"x\xc0\xafy\", \"b\": \"\xed\xa0\x80\", \"c\": \"\xff\"}");
    assert_non_null(obj);
    json_check_t chk;
    json_check_init(&chk);
    assert_null(json_req_string(&chk, obj, "a", 0, 100));
    assert_null(json_req_string(&chk, obj, "b", 0, 100));
    assert_null(json_req_string(&chk, obj, "c", 0, 100));
    char *msg = field_message(&chk, "c");
    assert_string_equal(msg, "must be valid UTF-8");
    free(msg);
    cJSON_Delete(obj);
}

static void test_json_string_accepts_four_byte_utf8(void **state)
{
    (void)state;
    cJSON *obj = cJSON_Parse("{\"a\": \"\xf0\x9f\x9b\x92 cart\"}");
    json_check_t chk;
    json_check_init(&chk);
    assert_non_null(json_req_string(&chk, obj, "a", 1, 100));
    assert_true(json_check_ok(&chk));
    cJSON_Delete(obj);
}

static void test_json_string_missing_is_required(void **state)
{
    (void)state;
    cJSON *obj = cJSON_Parse("{\"other\": 1}");
    json_check_t chk;
    json_check_init(&chk);
    assert_null(json_req_string(&chk, obj, "email", 3, 254));
    char *msg = field_message(&chk, "email");
    assert_string_equal(msg, "is required");
    free(msg);
    cJSON_Delete(obj);
}

static void test_json_opt_string_missing_or_null_is_fine(void **state)
{
    (void)state;
    cJSON *obj = cJSON_Parse("{\"line2\": null}");
    json_check_t chk;
    json_check_init(&chk);
    assert_null(json_opt_string(&chk, obj, "line2", 1, 100));
    assert_null(json_opt_string(&chk, obj, "absent", 1, 100));
    assert_true(json_check_ok(&chk));
    cJSON_Delete(obj);
}

static void test_json_check_collects_every_field(void **state)
{
    (void)state;
    cJSON *obj = cJSON_Parse("{\"email\": 1, \"quantity\": \"x\"}");
    json_check_t chk;
    json_check_init(&chk);
    int64_t q;
    json_req_string(&chk, obj, "email", 3, 254);
    json_req_int(&chk, obj, "quantity", 1, 100, &q);
    json_req_string(&chk, obj, "name", 1, 100);
    cJSON *details = json_check_take_details(&chk);
    char *text = json_print(details);
    assert_string_equal(text,
                        "{\"fields\":{\"email\":\"must be a string\",\"quantity\":"
                        "\"must be an integer between 1 and 100\",\"name\":\"is required\"}}");
    free(text);
    cJSON_Delete(details);
    cJSON_Delete(obj);
}

static void test_json_check_first_message_per_field_wins(void **state)
{
    (void)state;
    json_check_t chk;
    json_check_init(&chk);
    json_check_fail(&chk, "f", "first");
    json_check_fail(&chk, "f", "second");
    char *msg = field_message(&chk, "f");
    assert_string_equal(msg, "first");
    free(msg);
}

static void test_json_check_take_details_when_ok_is_empty_fields(void **state)
{
    (void)state;
    json_check_t chk;
    json_check_init(&chk);
    cJSON *details = json_check_take_details(&chk);
    char *text = json_print(details);
    assert_string_equal(text, "{\"fields\":{}}");
    free(text);
    cJSON_Delete(details);
}

/* proto3 JSON int64: a number or a decimal string, nothing else. */
static void test_json_int64_accepts_number_and_decimal_string(void **state)
{
    (void)state;
    cJSON *doc = cJSON_Parse("[1999, \"1999\", \"-5\", \"9223372036854775807\", "
                             "\"-9223372036854775808\", 0]");
    int64_t v = 0;
    assert_int_equal(json_int64(cJSON_GetArrayItem(doc, 0), &v), 0);
    assert_int_equal(v, 1999);
    assert_int_equal(json_int64(cJSON_GetArrayItem(doc, 1), &v), 0);
    assert_int_equal(v, 1999);
    assert_int_equal(json_int64(cJSON_GetArrayItem(doc, 2), &v), 0);
    assert_int_equal(v, -5);
    assert_int_equal(json_int64(cJSON_GetArrayItem(doc, 3), &v), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(json_int64(cJSON_GetArrayItem(doc, 4), &v), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(json_int64(cJSON_GetArrayItem(doc, 5), &v), 0);
    assert_int_equal(v, 0);
    cJSON_Delete(doc);
}

static void test_json_int64_rejects_other_shapes(void **state)
{
    (void)state;
    cJSON *doc = cJSON_Parse("[1.5, \"1.5\", \"\", \"-\", \" 1\", \"1e3\", "
                             "\"9223372036854775808\", \"12345678901234567890\", true, null, "
                             "{}, 1e300]");
    int64_t v = 42;
    for (int i = 0; i < cJSON_GetArraySize(doc); i++)
        assert_int_equal(json_int64(cJSON_GetArrayItem(doc, i), &v), ERR_INVALID);
    assert_int_equal(json_int64(NULL, &v), ERR_INVALID);
    assert_int_equal(v, 42);
    cJSON_Delete(doc);
}

static void test_json_page_gives_cursor_as_string(void **state)
{
    (void)state;
    cJSON *items = cJSON_CreateArray();
    assert_non_null(items);
    cJSON *page = json_page(items, 42);
    assert_non_null(page);
    assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(page, "items")));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(page, "next_cursor")->valuestring, "42");
    cJSON_Delete(page);
}

static void test_json_page_last_page_has_null_cursor(void **state)
{
    (void)state;
    cJSON *page = json_page(cJSON_CreateArray(), 0);
    assert_non_null(page);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(page, "next_cursor")));
    cJSON_Delete(page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_int_accepts_integer_in_range),
        cmocka_unit_test(test_json_int64_accepts_number_and_decimal_string),
        cmocka_unit_test(test_json_int64_rejects_other_shapes),
        cmocka_unit_test(test_json_int_rejects_fraction),
        cmocka_unit_test(test_json_int_rejects_string),
        cmocka_unit_test(test_json_int_rejects_boolean),
        cmocka_unit_test(test_json_int_rejects_null),
        cmocka_unit_test(test_json_int_rejects_out_of_range),
        cmocka_unit_test(test_json_int_rejects_beyond_2_pow_53),
        cmocka_unit_test(test_json_int_failure_names_range),
        cmocka_unit_test(test_json_int_missing_is_required),
        cmocka_unit_test(test_json_opt_int_missing_returns_1_untouched),
        cmocka_unit_test(test_json_opt_int_present_is_validated),
        cmocka_unit_test(test_json_string_returns_value),
        cmocka_unit_test(test_json_string_rejects_number),
        cmocka_unit_test(test_json_string_rejects_too_short_and_too_long),
        cmocka_unit_test(test_json_string_length_counts_bytes),
        cmocka_unit_test(test_json_string_rejects_invalid_utf8),
        cmocka_unit_test(test_json_string_accepts_four_byte_utf8),
        cmocka_unit_test(test_json_string_missing_is_required),
        cmocka_unit_test(test_json_opt_string_missing_or_null_is_fine),
        cmocka_unit_test(test_json_check_collects_every_field),
        cmocka_unit_test(test_json_check_first_message_per_field_wins),
        cmocka_unit_test(test_json_check_take_details_when_ok_is_empty_fields),
        cmocka_unit_test(test_json_page_gives_cursor_as_string),
        cmocka_unit_test(test_json_page_last_page_has_null_cursor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
