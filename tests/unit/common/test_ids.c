/* test_ids.c - random UUIDs (v4), their validation, and W3C traceparent ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "common/ids.h"

static void test_ids_uuid_is_canonical_lowercase(void **state)
{
    (void)state;
    char id[ID_UUID_LEN];
    id_uuid(id);
    assert_int_equal(strlen(id), 36);
    assert_true(id_is_uuid(id));
    for (int i = 0; i < 36; i++)
        assert_false(id[i] >= 'A' && id[i] <= 'F');
}

static void test_ids_uuid_has_version_4_and_rfc_variant(void **state)
{
    (void)state;
    char id[ID_UUID_LEN];
    for (int i = 0; i < 64; i++) {
        id_uuid(id);
        assert_int_equal(id[14], '4');
        assert_non_null(strchr("89ab", id[19]));
    }
}

static void test_ids_uuid_differs_each_call(void **state)
{
    (void)state;
    char a[ID_UUID_LEN], b[ID_UUID_LEN];
    id_uuid(a);
    id_uuid(b);
    assert_string_not_equal(a, b);
}

static void test_ids_is_uuid_accepts_upper_case(void **state)
{
    (void)state;
    assert_true(id_is_uuid("3F2504E0-4F89-41D3-9A0C-0305E82C3301"));
}

static void test_ids_is_uuid_rejects_malformed(void **state)
{
    (void)state;
    assert_false(id_is_uuid(NULL));
    assert_false(id_is_uuid(""));
    assert_false(id_is_uuid("3f2504e0-4f89-41d3-9a0c-0305e82c330"));   /* short */
    assert_false(id_is_uuid("3f2504e0-4f89-41d3-9a0c-0305e82c33011")); /* long */
    assert_false(id_is_uuid("3f2504e04f89-41d3-9a0c-0305e82c33011"));  /* hyphen missing */
    assert_false(id_is_uuid("3f2504e0-4f89-41d3-9a0c-0305e82c330g"));  /* not hex */
    assert_false(id_is_uuid("{3f2504e0-4f89-41d3-9a0c-0305e82c3301}"));
}

static bool all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789abcdef", s[i]) || s[i] == '\0')
            return false;
    return true;
}

static void test_ids_traceparent_has_w3c_shape(void **state)
{
    (void)state;
    char tp[56];
    memset(tp, 'x', sizeof(tp));
    id_traceparent(tp);
    assert_int_equal(strlen(tp), 55);
    assert_memory_equal(tp, "00-", 3);
    assert_true(all_hex(tp + 3, 32));
    assert_int_equal(tp[35], '-');
    assert_true(all_hex(tp + 36, 16));
    assert_string_equal(tp + 52, "-01");
}

static void test_ids_traceparent_differs_each_call(void **state)
{
    (void)state;
    char a[56], b[56];
    id_traceparent(a);
    id_traceparent(b);
    assert_memory_not_equal(a + 3, b + 3, 32);
    assert_memory_not_equal(a + 36, b + 36, 16);
}

static void test_ids_is_traceparent_accepts_own_and_rejects_malformed(void **state)
{
    (void)state;
    char tp[56];
    id_traceparent(tp);
    assert_true(id_is_traceparent(tp));
    assert_true(id_is_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"));
    assert_false(id_is_traceparent(NULL));
    assert_false(id_is_traceparent(""));
    assert_false(id_is_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
    assert_false(id_is_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
    assert_false(id_is_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
    assert_false(id_is_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
    assert_false(id_is_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"));
    assert_false(id_is_traceparent("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

static void test_ids_lower_canonicalizes_case(void **state)
{
    (void)state;
    char out[ID_UUID_LEN];
    id_lower("0A1B2C3D-4E5F-4A6B-8C7D-9E0FABCDEF12", out);
    assert_string_equal(out, "0a1b2c3d-4e5f-4a6b-8c7d-9e0fabcdef12");
    id_lower("0a1b2c3d-4e5f-4a6b-8c7d-9e0fabcdef12", out);
    assert_string_equal(out, "0a1b2c3d-4e5f-4a6b-8c7d-9e0fabcdef12");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_uuid_is_canonical_lowercase),
        cmocka_unit_test(test_ids_uuid_has_version_4_and_rfc_variant),
        cmocka_unit_test(test_ids_uuid_differs_each_call),
        cmocka_unit_test(test_ids_is_uuid_accepts_upper_case),
        cmocka_unit_test(test_ids_is_uuid_rejects_malformed),
        cmocka_unit_test(test_ids_traceparent_has_w3c_shape),
        cmocka_unit_test(test_ids_traceparent_differs_each_call),
        cmocka_unit_test(test_ids_is_traceparent_accepts_own_and_rejects_malformed),
        cmocka_unit_test(test_ids_lower_canonicalizes_case),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
