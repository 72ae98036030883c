/* test_callback_sig.c - the courier callback's signature (services/fulfillment/
 * callback_sig.c). The expected values come from `openssl dgst -sha256 -hmac`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "callback_sig.h"

#define SECRET "courier-secret"
#define BODY   "{\"tracking_number\":\"PAT-0123456789\",\"status\":\"SHIPPED\"}"
#define SIG    "9cc799e8b51da1e0443c83cfc8d3844ce7f4ff8e4864bbdea3b46b99e4a8175f"
#define NOW    1700000000LL

static void test_callback_sig_known_vector(void **state)
{
    (void)state;
    char out[COURIER_SIG_HEX_LEN];
    courier_sig_compute(SECRET, "1700000000", BODY, strlen(BODY), out);
    assert_string_equal(out, SIG);
    /* An empty body signs "<timestamp>." */
    courier_sig_compute(SECRET, "1700000000", "", 0, out);
    assert_string_equal(out, "329073a3310ef499adc46c42bd666c893d5c6b1fcf556a518855a9e4dc6e9c9e");
}

static void test_callback_sig_accepts_good_signature(void **state)
{
    (void)state;
    assert_int_equal(courier_sig_check(SECRET, "1700000000", SIG, BODY, strlen(BODY), NOW, 300),
                     COURIER_SIG_OK);
    /* Upper-case hex is the same signature. */
    char upper[COURIER_SIG_HEX_LEN];
    for (size_t i = 0; i < sizeof upper; i++)
        upper[i] = (char)(SIG[i] >= 'a' && SIG[i] <= 'f' ? SIG[i] - 'a' + 'A' : SIG[i]);
    assert_int_equal(courier_sig_check(SECRET, "1700000000", upper, BODY, strlen(BODY), NOW, 300),
                     COURIER_SIG_OK);
    /* Inside the tolerance on both sides. */
    assert_int_equal(
        courier_sig_check(SECRET, "1700000000", SIG, BODY, strlen(BODY), NOW + 300, 300),
        COURIER_SIG_OK);
    assert_int_equal(
        courier_sig_check(SECRET, "1700000000", SIG, BODY, strlen(BODY), NOW - 300, 300),
        COURIER_SIG_OK);
}

static void test_callback_sig_rejects_tampering(void **state)
{
    (void)state;
    const char *tampered = "{\"tracking_number\":\"PAT-0123456789\",\"status\":\"DELIVERED\"}";
    assert_int_equal(
        courier_sig_check(SECRET, "1700000000", SIG, tampered, strlen(tampered), NOW, 300),
        COURIER_SIG_MISMATCH);
    assert_int_equal(
        courier_sig_check("other-secret", "1700000000", SIG, BODY, strlen(BODY), NOW, 300),
        COURIER_SIG_MISMATCH);
    /* The timestamp is signed: the same signature with another timestamp fails. */
    assert_int_equal(courier_sig_check(SECRET, "1700000001", SIG, BODY, strlen(BODY), NOW, 300),
                     COURIER_SIG_MISMATCH);
}

static void test_callback_sig_rejects_stale_or_missing(void **state)
{
    (void)state;
    assert_int_equal(
        courier_sig_check(SECRET, "1700000000", SIG, BODY, strlen(BODY), NOW + 301, 300),
        COURIER_SIG_STALE);
    assert_int_equal(
        courier_sig_check(SECRET, "1700000000", SIG, BODY, strlen(BODY), NOW - 301, 300),
        COURIER_SIG_STALE);
    assert_int_equal(courier_sig_check(SECRET, NULL, SIG, BODY, strlen(BODY), NOW, 300),
                     COURIER_SIG_MISSING);
    assert_int_equal(courier_sig_check(SECRET, "17e8", SIG, BODY, strlen(BODY), NOW, 300),
                     COURIER_SIG_MISSING);
    assert_int_equal(courier_sig_check(SECRET, "1700000000", NULL, BODY, strlen(BODY), NOW, 300),
                     COURIER_SIG_MISSING);
    assert_int_equal(courier_sig_check(SECRET, "1700000000", "abc", BODY, strlen(BODY), NOW, 300),
                     COURIER_SIG_MISSING);
    /* No secret configured: nothing is ever accepted. */
    assert_int_equal(courier_sig_check(NULL, "1700000000", SIG, BODY, strlen(BODY), NOW, 300),
                     COURIER_SIG_MISSING);
    assert_int_equal(courier_sig_check("", "1700000000", SIG, BODY, strlen(BODY), NOW, 300),
                     COURIER_SIG_MISSING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_callback_sig_known_vector),
        cmocka_unit_test(test_callback_sig_accepts_good_signature),
        cmocka_unit_test(test_callback_sig_rejects_tampering),
        cmocka_unit_test(test_callback_sig_rejects_stale_or_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
