/* test_signature.c - the "t=..,v1=.." signature scheme (provider.c pay_sig_verify and
 * pay_sig_sign) that Stripe webhooks and the fake provider use, against the vectors of
 * PROVIDERS.md section 1.6, and the helpers the providers share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "provider.h"

#define SECRET "whsec_test_secret"
#define T      1700000000
#define BODY                                                                                       \
    "{\"id\":\"evt_test_1\",\"object\":\"event\",\"type\":\"checkout.session.completed\","         \
    "\"data\":{\"object\":{\"id\":\"cs_test_1\",\"object\":\"checkout.session\","                  \
    "\"client_reference_id\":\"order-42\",\"payment_status\":\"paid\",\"status\":\"complete\","    \
    "\"amount_total\":150000,\"currency\":\"npr\"}}}"
#define V1_NEW "f86330e1665f840a6a51285bfb41405741fc7c96137947355aa819b567e4295f"
#define V1_OLD "5cd8e322c22ac45a5016bf37708c9d4fa3362ce4138bca8623953faea416feed"

static int verify(const char *header, const char *body, int64_t now)
{
    return pay_sig_verify(header, body, strlen(body), SECRET, now, 300);
}

static void test_sig_vector_body_is_253_bytes(void **state)
{
    (void)state;
    assert_int_equal(strlen(BODY), 253);
}

static void test_sig_published_vector_verifies(void **state)
{
    (void)state;
    assert_int_equal(verify("t=1700000000,v1=" V1_NEW, BODY, T), 0);
}

static void test_sig_second_v1_matches_during_secret_roll(void **state)
{
    (void)state;
    assert_int_equal(verify("t=1700000000,v1=" V1_OLD ",v1=" V1_NEW, BODY, T), 0);
}

static void test_sig_old_secret_vector(void **state)
{
    (void)state;
    char header[128];
    assert_int_equal(pay_sig_sign(BODY, strlen(BODY), "whsec_old_secret", T, header, sizeof header),
                     0);
    assert_string_equal(header, "t=1700000000,v1=" V1_OLD);
    /* Signed with the old secret alone, it does not verify under the new one. */
    assert_int_equal(verify(header, BODY, T), ERR_UNAUTHORIZED);
}

static void test_sig_stale_timestamp_fails(void **state)
{
    (void)state;
    const char *h = "t=1700000000,v1=" V1_OLD ",v1=" V1_NEW;
    assert_int_equal(verify(h, BODY, T + 300), 0);
    assert_int_equal(verify(h, BODY, T + 301), ERR_UNAUTHORIZED);
}

static void test_sig_future_timestamp_fails(void **state)
{
    (void)state;
    assert_int_equal(verify("t=1700000000,v1=" V1_NEW, BODY, T - 301), ERR_UNAUTHORIZED);
}

static void test_sig_v0_only_fails(void **state)
{
    (void)state;
    assert_int_equal(verify("t=1700000000,v0=" V1_NEW, BODY, T), ERR_UNAUTHORIZED);
}

static void test_sig_flipped_body_byte_fails(void **state)
{
    (void)state;
    char body[512];
    strcpy(body, BODY);
    body[100] ^= 1;
    assert_int_equal(verify("t=1700000000,v1=" V1_NEW, body, T), ERR_UNAUTHORIZED);
}

static void test_sig_tampered_amount_fails(void **state)
{
    (void)state;
    char body[512];
    strcpy(body, BODY);
    char *at = strstr(body, "150000");
    assert_non_null(at);
    at[0] = '9';
    assert_int_equal(verify("t=1700000000,v1=" V1_NEW, body, T), ERR_UNAUTHORIZED);
}

static void test_sig_malformed_headers_fail(void **state)
{
    (void)state;
    assert_int_equal(verify(NULL, BODY, T), ERR_UNAUTHORIZED);
    assert_int_equal(verify("", BODY, T), ERR_UNAUTHORIZED);
    assert_int_equal(verify("v1=" V1_NEW, BODY, T), ERR_UNAUTHORIZED);         /* no t */
    assert_int_equal(verify("t=1700000000", BODY, T), ERR_UNAUTHORIZED);       /* no v1 */
    assert_int_equal(verify("t=abc,v1=" V1_NEW, BODY, T), ERR_UNAUTHORIZED);   /* bad t */
    assert_int_equal(verify("t=1700000000,v1=zz", BODY, T), ERR_UNAUTHORIZED); /* not hex */
    assert_int_equal(pay_sig_verify("t=1700000000,v1=" V1_NEW, BODY, strlen(BODY), "", T, 300),
                     ERR_UNAUTHORIZED); /* no secret configured */
}

static void test_sig_uppercase_hex_accepted(void **state)
{
    (void)state;
    char header[128] = "t=1700000000,v1=";
    for (const char *c = V1_NEW; *c; c++) {
        char u[2] = {(char)(*c >= 'a' && *c <= 'f' ? *c - 32 : *c), 0};
        strcat(header, u);
    }
    assert_int_equal(verify(header, BODY, T), 0);
}

static void test_sig_fake_round_trip(void **state)
{
    (void)state;
    const char *body = "{\"id\":\"evt_fake_1\",\"type\":\"payment.succeeded\"}";
    char header[128];
    assert_int_equal(
        pay_sig_sign(body, strlen(body), "fake-secret", 1234567890, header, sizeof header), 0);
    assert_int_equal(pay_sig_verify(header, body, strlen(body), "fake-secret", 1234567890, 300), 0);
    assert_int_equal(pay_sig_verify(header, body, strlen(body), "other-secret", 1234567890, 300),
                     ERR_UNAUTHORIZED);
}

static void test_base64(void **state)
{
    (void)state;
    char b64[45];
    /* HMAC-SHA256 and hex moved to common/sig.h (tests/unit/common/test_sig.c). */
    pay_base64((const unsigned char *)"foob", 4, b64);
    assert_string_equal(b64, "Zm9vYg==");
    size_t n = 0;
    unsigned char *raw = pay_base64_decode("Zm9vYg", &n); /* padding dropped */
    assert_non_null(raw);
    assert_int_equal(n, 4);
    assert_memory_equal(raw, "foob", 4);
    free(raw);
    assert_null(pay_base64_decode("Z", NULL));
}

static void test_form_get_and_add(void **state)
{
    (void)state;
    char buf[64];
    assert_true(pay_form_get("a=1&status=User%20canceled&x=a+b", "status", buf, sizeof buf));
    assert_string_equal(buf, "User canceled");
    assert_true(pay_form_get("a=1&status=User%20canceled&x=a+b", "x", buf, sizeof buf));
    assert_string_equal(buf, "a b");
    assert_false(pay_form_get("a=1", "b", buf, sizeof buf));
    assert_false(pay_form_get("a=%zz", "a", buf, sizeof buf));
    assert_false(pay_form_get("a=%2", "a", buf, sizeof buf));
    char *form = NULL;
    assert_int_equal(pay_form_add(&form, "line_items[0][quantity]", "1"), 0);
    assert_int_equal(pay_form_add(&form, "success_url", "http://x/y?a=1&b={ID}"), 0);
    assert_string_equal(form, "line_items%5B0%5D%5Bquantity%5D=1&success_url=http%3A%2F%2Fx%2Fy%"
                              "3Fa%3D1%26b%3D%7BID%7D");
    free(form);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sig_vector_body_is_253_bytes),
        cmocka_unit_test(test_sig_published_vector_verifies),
        cmocka_unit_test(test_sig_second_v1_matches_during_secret_roll),
        cmocka_unit_test(test_sig_old_secret_vector),
        cmocka_unit_test(test_sig_stale_timestamp_fails),
        cmocka_unit_test(test_sig_future_timestamp_fails),
        cmocka_unit_test(test_sig_v0_only_fails),
        cmocka_unit_test(test_sig_flipped_body_byte_fails),
        cmocka_unit_test(test_sig_tampered_amount_fails),
        cmocka_unit_test(test_sig_malformed_headers_fail),
        cmocka_unit_test(test_sig_uppercase_hex_accepted),
        cmocka_unit_test(test_sig_fake_round_trip),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_form_get_and_add),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
