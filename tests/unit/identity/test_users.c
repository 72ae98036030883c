/* test_users.c - identity's validation rules (services/identity/users.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "users.h"

static void test_user_email_valid_is_lowercased(void **state)
{
    (void)state;
    char out[USER_EMAIL_MAX + 1];
    assert_true(user_email_normalize("Ann.Lee+shop@Example.COM", out, sizeof out));
    assert_string_equal(out, "ann.lee+shop@example.com");
    assert_true(user_email_normalize("a@b.co", out, sizeof out));
    assert_true(user_email_normalize("x_y-z@mail.sub-domain.example.np", out, sizeof out));
}

static void test_user_email_invalid_rejected(void **state)
{
    (void)state;
    char out[USER_EMAIL_MAX + 1];
    const char *bad[] = {
        "",
        "plain",
        "@example.com",
        "ann@",
        "ann@localhost",
        "a@@b.com",
        "a@b@c.com",
        ".ann@x.com",
        "ann.@x.com",
        "a..b@x.com",
        "ann@-x.com",
        "ann@x-.com",
        "ann@x..com",
        "ann@x.com.",
        "an n@x.com",
        "ann@x.123",
        "ann@exa_mple.com",
        "ännä@x.com",
        "ann@x.com\n",
        "\"a\"@x.com",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (user_email_normalize(bad[i], out, sizeof out))
            fail_msg("accepted \"%s\"", bad[i]);
    }
    assert_false(user_email_normalize(NULL, out, sizeof out));
}

static void test_user_email_length_limits(void **state)
{
    (void)state;
    char out[USER_EMAIL_MAX + 1];
    char email[400];
    /* A local part of 65 bytes is too long; 64 is fine. */
    memset(email, 'a', 65);
    strcpy(email + 65, "@example.com");
    assert_false(user_email_normalize(email, out, sizeof out));
    strcpy(email + 64, "@example.com");
    assert_true(user_email_normalize(email, out, sizeof out));
    /* 255 bytes in total is too long even with valid parts. */
    memset(email, 'a', 60);
    email[60] = '@';
    size_t at = 61;
    while (at < 255) {
        size_t n = 255 - at > 60 ? 60 : 255 - at - 1;
        memset(email + at, 'b', n);
        at += n;
        email[at++] = '.';
    }
    email[254] = 'c';
    email[255] = '\0';
    assert_int_equal(strlen(email), 255);
    assert_false(user_email_normalize(email, out, sizeof out));
}

static void test_user_password_policy(void **state)
{
    (void)state;
    char long_pw[200];
    assert_null(user_password_problem("correct horse"));
    assert_null(user_password_problem("12345678"));
    assert_null(user_password_problem("pässwörd-ünïcode"));
    assert_non_null(user_password_problem("1234567"));
    assert_non_null(user_password_problem(""));
    assert_non_null(user_password_problem(NULL));
    assert_non_null(user_password_problem("        "));
    assert_non_null(user_password_problem("abc\tdefgh"));
    assert_non_null(user_password_problem("abcdefg\xff"));
    memset(long_pw, 'p', 128);
    long_pw[128] = '\0';
    assert_null(user_password_problem(long_pw));
    long_pw[128] = 'p';
    long_pw[129] = '\0';
    assert_non_null(user_password_problem(long_pw));
}

static void test_user_name_rules(void **state)
{
    (void)state;
    char name[120];
    assert_true(user_name_ok("Ann Lee"));
    assert_true(user_name_ok("राम बहादुर"));
    assert_false(user_name_ok(""));
    assert_false(user_name_ok("   "));
    assert_false(user_name_ok("Ann\nLee"));
    assert_false(user_name_ok(NULL));
    memset(name, 'n', 101);
    name[101] = '\0';
    assert_false(user_name_ok(name));
    name[100] = '\0';
    assert_true(user_name_ok(name));
}

static void test_user_text_rejects_bad_utf8(void **state)
{
    (void)state;
    assert_true(user_text_ok("héllo", strlen("héllo")));
    assert_true(user_text_ok("\xf0\x9f\x98\x80", 4));  /* U+1F600 */
    assert_false(user_text_ok("\xc0\xaf", 2));         /* overlong '/' */
    assert_false(user_text_ok("\xed\xa0\x80", 3));     /* a UTF-16 surrogate */
    assert_false(user_text_ok("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
    assert_false(user_text_ok("\xe2\x82", 2));         /* truncated */
    assert_false(user_text_ok("\xc2\x85", 2));         /* C1 control NEL */
    assert_false(user_text_ok("a\x7f", 2));
}

static void test_user_role_admin_never_self_registrable(void **state)
{
    (void)state;
    assert_true(user_role_self_registrable("customer"));
    assert_true(user_role_self_registrable("seller"));
    assert_false(user_role_self_registrable("admin"));
    assert_false(user_role_self_registrable("Customer"));
    assert_false(user_role_self_registrable(""));
    assert_false(user_role_self_registrable(NULL));
    assert_true(user_role_valid("admin"));
    assert_false(user_role_valid("root"));
}

static void test_address_country_codes(void **state)
{
    (void)state;
    assert_true(address_country_valid("NP"));
    assert_true(address_country_valid("US"));
    assert_true(address_country_valid("AD")); /* first */
    assert_true(address_country_valid("ZW")); /* last */
    assert_false(address_country_valid("XX"));
    assert_false(address_country_valid("UK")); /* reserved, not assigned: GB is */
    assert_false(address_country_valid("np"));
    assert_false(address_country_valid("NPL"));
    assert_false(address_country_valid(""));
    assert_false(address_country_valid(NULL));
}

static cJSON *address(void)
{
    return cJSON_Parse("{\"name\":\"Ann Lee\",\"phone\":\"+977 1-4412345\",\"line1\":\"Thamel "
                       "Marg 12\",\"city\":\"Kathmandu\",\"district\":\"Bagmati\","
                       "\"postal_code\":\"44600\",\"country\":\"np\"}");
}

static void test_address_valid_parsed_and_normalized(void **state)
{
    (void)state;
    cJSON *body = address();
    json_check_t chk;
    address_fields_t a;
    json_check_init(&chk);
    assert_true(address_parse(&chk, body, &a));
    assert_string_equal(a.name, "Ann Lee");
    assert_string_equal(a.city, "Kathmandu");
    assert_null(a.line2);
    assert_string_equal(a.country, "NP");
    json_check_free(&chk);
    cJSON_Delete(body);
}

/* Sets field to value (a JSON literal) and expects exactly that field to fail. */
static void expect_field_fails(const char *field, const char *value)
{
    cJSON *body = address();
    cJSON *v = cJSON_Parse(value);
    assert_non_null(v);
    if (cJSON_HasObjectItem(body, field))
        cJSON_ReplaceItemInObject(body, field, v);
    else
        cJSON_AddItemToObject(body, field, v);
    json_check_t chk;
    address_fields_t a;
    json_check_init(&chk);
    if (address_parse(&chk, body, &a))
        fail_msg("%s = %s accepted", field, value);
    cJSON *details = json_check_take_details(&chk);
    cJSON *fields = cJSON_GetObjectItem(details, "fields");
    assert_non_null(cJSON_GetObjectItem(fields, field));
    assert_int_equal(cJSON_GetArraySize(fields), 1);
    cJSON_Delete(details);
    json_check_free(&chk);
    cJSON_Delete(body);
}

static void test_address_invalid_fields_named(void **state)
{
    (void)state;
    expect_field_fails("name", "\"\"");
    expect_field_fails("name", "\"   \"");
    expect_field_fails("name", "42");
    expect_field_fails("phone", "\"call me\"");
    expect_field_fails("phone", "\"12345\"");
    expect_field_fails("phone", "\"+1 234 567 890 123 456\"");
    expect_field_fails("phone", "\"98+4123456\"");
    expect_field_fails("line1", "null");
    expect_field_fails("line2", "7");
    expect_field_fails("city", "\"Kath\\nmandu\"");
    expect_field_fails("district", "\"\"");
    expect_field_fails("postal_code", "\"446/00\"");
    expect_field_fails("postal_code", "\"---\"");
    expect_field_fails("country", "\"Nepal\"");
    expect_field_fails("country", "\"XX\"");
}

static void test_address_every_missing_field_reported(void **state)
{
    (void)state;
    cJSON *body = cJSON_CreateObject();
    json_check_t chk;
    address_fields_t a;
    json_check_init(&chk);
    assert_false(address_parse(&chk, body, &a));
    cJSON *details = json_check_take_details(&chk);
    cJSON *fields = cJSON_GetObjectItem(details, "fields");
    const char *required[] = {"name",     "phone",       "line1",  "city",
                              "district", "postal_code", "country"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        assert_non_null(cJSON_GetObjectItem(fields, required[i]));
    assert_null(cJSON_GetObjectItem(fields, "line2"));
    cJSON_Delete(details);
    json_check_free(&chk);
    cJSON_Delete(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_email_valid_is_lowercased),
        cmocka_unit_test(test_user_email_invalid_rejected),
        cmocka_unit_test(test_user_email_length_limits),
        cmocka_unit_test(test_user_password_policy),
        cmocka_unit_test(test_user_name_rules),
        cmocka_unit_test(test_user_text_rejects_bad_utf8),
        cmocka_unit_test(test_user_role_admin_never_self_registrable),
        cmocka_unit_test(test_address_country_codes),
        cmocka_unit_test(test_address_valid_parsed_and_normalized),
        cmocka_unit_test(test_address_invalid_fields_named),
        cmocka_unit_test(test_address_every_missing_field_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
