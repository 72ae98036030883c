/* test_sig.c - HMAC-SHA256, hex, the "<timestamp>.<body>" payload and constant-time
 * comparison. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/sig.h"

/* RFC 4231 test case 2. */
#define JEFE_HEX "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"

static void test_sig_hmac_matches_rfc4231(void **state)
{
    (void)state;
    unsigned char mac[32];
    char hex[SIG_HEX_LEN];
    assert_int_equal(sig_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac), 0);
    sig_hex(mac, sizeof mac, hex);
    assert_string_equal(hex, JEFE_HEX);
}

static void test_sig_timestamped_signs_timestamp_dot_body(void **state)
{
    (void)state;
    char got[SIG_HEX_LEN], want[SIG_HEX_LEN];
    unsigned char mac[32];
    const char *msg = "1700000000.{\"a\":1}";
    assert_int_equal(sig_hmac_sha256("k", 1, msg, strlen(msg), mac), 0);
    sig_hex(mac, sizeof mac, want);
    assert_int_equal(sig_timestamped("k", "1700000000", "{\"a\":1}", 7, got), 0);
    assert_string_equal(got, want);
}

static void test_sig_timestamped_takes_an_empty_body(void **state)
{
    (void)state;
    char got[SIG_HEX_LEN];
    assert_int_equal(sig_timestamped("k", "1", "", 0, got), 0);
    assert_int_equal(strlen(got), 64);
}

static void test_sig_hex_equal_ignores_case(void **state)
{
    (void)state;
    char upper[SIG_HEX_LEN];
    for (size_t i = 0; i < SIG_HEX_LEN; i++)
        upper[i] =
            JEFE_HEX[i] >= 'a' && JEFE_HEX[i] <= 'f' ? (char)(JEFE_HEX[i] - 32) : JEFE_HEX[i];
    assert_true(sig_hex_equal(JEFE_HEX, JEFE_HEX));
    assert_true(sig_hex_equal(JEFE_HEX, upper));
}

static void test_sig_hex_equal_rejects_other_and_short(void **state)
{
    (void)state;
    char other[SIG_HEX_LEN];
    memcpy(other, JEFE_HEX, SIG_HEX_LEN);
    other[63] = other[63] == '0' ? '1' : '0';
    assert_false(sig_hex_equal(JEFE_HEX, other));
    assert_false(sig_hex_equal(JEFE_HEX, "5bdc"));
    assert_false(sig_hex_equal(JEFE_HEX, ""));
}

static void test_sig_str_equal(void **state)
{
    (void)state;
    assert_true(sig_str_equal("abc", "abc"));
    assert_false(sig_str_equal("abc", "abd"));
    assert_false(sig_str_equal("abc", "abcd"));
    assert_true(sig_str_equal("", ""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sig_hmac_matches_rfc4231),
        cmocka_unit_test(test_sig_timestamped_signs_timestamp_dot_body),
        cmocka_unit_test(test_sig_timestamped_takes_an_empty_body),
        cmocka_unit_test(test_sig_hex_equal_ignores_case),
        cmocka_unit_test(test_sig_hex_equal_rejects_other_and_short),
        cmocka_unit_test(test_sig_str_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
