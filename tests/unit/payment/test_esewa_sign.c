/* test_esewa_sign.c - eSewa ePay v2 signatures (services/payment/esewa_sign.c) against
 * every vector of ../shared/providers/PROVIDERS.md section 3.3 and the success redirect
 * of section 3.4. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "esewa_sign.h"
#include "esewa_vectors.h"

#define E3_NAMES                                                                                   \
    "transaction_code,status,total_amount,transaction_uuid,product_code,signed_field_names"
#define E3_SIG "62GcfZTmVkzhtUeh+QJ1AqiJrjoWWGof3U+eTPTZ7fA="

/* base64 of text, in a new string. */
static char *b64(const char *text)
{
    size_t n = strlen(text);
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    assert_non_null(out);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)text, (int)n);
    return out;
}

static void test_esewa_sign_vector_e1(void **state)
{
    (void)state;
    char sig[ESEWA_SIG_LEN];
    assert_int_equal(esewa_sign(UAT_SECRET,
                                "total_amount=110,transaction_uuid=241028,product_code=EPAYTEST",
                                sig),
                     0);
    assert_string_equal(sig, "i94zsd3oXF6ZsSr/kGqT4sSzYQzjj1W/waxjWyRwaME=");
    /* The same through the form signer, which builds the message itself. */
    assert_int_equal(esewa_sign_request(UAT_SECRET, "110", "241028", "EPAYTEST", sig), 0);
    assert_string_equal(sig, "i94zsd3oXF6ZsSr/kGqT4sSzYQzjj1W/waxjWyRwaME=");
}

static void test_esewa_sign_vector_e2_recomputed(void **state)
{
    (void)state;
    char sig[ESEWA_SIG_LEN];
    assert_int_equal(esewa_sign_request(UAT_SECRET, "100", "11-201-13", "EPAYTEST", sig), 0);
    /* The docs print 4Ov7pCI1...; that value does not reproduce (PROVIDERS.md E2). */
    assert_string_equal(sig, "5DZywcrTKD0gia/rsSMcrRHmJl+4Tbol6S+lWgdJ94E=");
    assert_false(esewa_sig_equal(sig, "4Ov7pCI1zIOdwtV2BRMUNjz1upIlT/COTxfLhWvVurE="));
}

static void test_esewa_sign_vector_e3(void **state)
{
    (void)state;
    char sig[ESEWA_SIG_LEN];
    assert_int_equal(esewa_sign(UAT_SECRET,
                                "transaction_code=000AWEO,status=COMPLETE,total_amount=1000.0,"
                                "transaction_uuid=250610-162413,product_code=EPAYTEST,"
                                "signed_field_names=" E3_NAMES,
                                sig),
                     0);
    assert_string_equal(sig, E3_SIG);
}

static void test_esewa_sign_amount_text_matters(void **state)
{
    (void)state;
    char a[ESEWA_SIG_LEN], b[ESEWA_SIG_LEN];
    assert_int_equal(esewa_sign_request(UAT_SECRET, "110", "241028", "EPAYTEST", a), 0);
    assert_int_equal(esewa_sign_request(UAT_SECRET, "110.0", "241028", "EPAYTEST", b), 0);
    assert_false(esewa_sig_equal(a, b));
}

static void test_esewa_sign_request_rejects_ambiguous_values(void **state)
{
    (void)state;
    char sig[ESEWA_SIG_LEN];
    assert_int_equal(esewa_sign_request(UAT_SECRET, "", "241028", "EPAYTEST", sig), ERR_INVALID);
    assert_int_equal(esewa_sign_request(UAT_SECRET, "110", "a,b", "EPAYTEST", sig), ERR_INVALID);
    assert_int_equal(esewa_sign_request(UAT_SECRET, "110", "241028", "X=Y", sig), ERR_INVALID);
}

static void test_esewa_sig_equal(void **state)
{
    (void)state;
    assert_true(esewa_sig_equal(E3_SIG, E3_SIG));
    assert_false(esewa_sig_equal(E3_SIG, "62GcfZTmVkzhtUeh+QJ1AqiJrjoWWGof3U+eTPTZ7fB="));
    assert_false(esewa_sig_equal(E3_SIG, "62Gc"));
    assert_false(esewa_sig_equal(E3_SIG, ""));
}

static void test_esewa_verify_data_vector_e3(void **state)
{
    (void)state;
    esewa_result_t r;
    assert_int_equal(esewa_verify_data(UAT_SECRET, E3_DATA, &r), 0);
    assert_string_equal(r.transaction_code, "000AWEO");
    assert_string_equal(r.status, "COMPLETE");
    assert_string_equal(r.total_amount, "1000.0");
    assert_string_equal(r.transaction_uuid, "250610-162413");
    assert_string_equal(r.product_code, "EPAYTEST");
}

static void test_esewa_verify_data_docs_typo_rejected(void **state)
{
    (void)state;
    /* The base64 exactly as the docs print it ("...IiwidHJhbNhY3Rpb25f..."). */
    char *typo = strdup(E3_DATA);
    char *at = strstr(typo, "IiwidHJhbnNhY3Rpb25f");
    assert_non_null(at);
    memmove(at + 10, at + 11, strlen(at + 11) + 1); /* drop the "n" after "dHJhb" */
    esewa_result_t r;
    assert_int_not_equal(esewa_verify_data(UAT_SECRET, typo, &r), 0);
    assert_string_equal(r.status, "");
    free(typo);
}

static void test_esewa_verify_data_number_amount_keeps_its_text(void **state)
{
    (void)state;
    /* The docs' decoded view shows total_amount as the number 1000.0: the signature is
     * over the text "1000.0", which a double would print as "1000". */
    char *data = b64("{\"transaction_code\":\"000AWEO\",\"status\":\"COMPLETE\","
                     "\"total_amount\":1000.0,\"transaction_uuid\":\"250610-162413\","
                     "\"product_code\":\"EPAYTEST\",\"signed_field_names\":\"" E3_NAMES "\","
                     "\"signature\":\"" E3_SIG "\"}");
    esewa_result_t r;
    assert_int_equal(esewa_verify_data(UAT_SECRET, data, &r), 0);
    assert_string_equal(r.total_amount, "1000.0");
    free(data);
}

static void test_esewa_verify_data_escaped_string_signs_decoded(void **state)
{
    (void)state;
    /* A JSON writer may escape characters ("\u0041" for "A", "\/" for "/"); the decoded
     * string is what was signed. */
    char *data = b64("{\"transaction_code\":\"000\\u0041WEO\",\"status\":\"COMPLETE\","
                     "\"total_amount\":\"1000.0\",\"transaction_uuid\":\"250610-162413\","
                     "\"product_code\":\"EPAYTEST\",\"signed_field_names\":\"" E3_NAMES "\","
                     "\"signature\":\"62GcfZTmVkzhtUeh+QJ1AqiJrjoWWGof3U+eTPTZ7fA=\"}");
    esewa_result_t r;
    assert_int_equal(esewa_verify_data(UAT_SECRET, data, &r), 0);
    free(data);
}

static void test_esewa_verify_data_plus_as_space(void **state)
{
    (void)state;
    /* Form decoding of an unescaped query turns '+' into ' '. */
    char *data = strdup(E3_DATA);
    for (char *p = data; *p; p++)
        if (*p == '+')
            *p = ' ';
    esewa_result_t r;
    assert_int_equal(esewa_verify_data(UAT_SECRET, data, &r), 0);
    free(data);
}

static void test_esewa_verify_data_tampered_amount(void **state)
{
    (void)state;
    char *data = b64("{\"transaction_code\":\"000AWEO\",\"status\":\"COMPLETE\","
                     "\"total_amount\":\"10.0\",\"transaction_uuid\":\"250610-162413\","
                     "\"product_code\":\"EPAYTEST\",\"signed_field_names\":\"" E3_NAMES "\","
                     "\"signature\":\"" E3_SIG "\"}");
    esewa_result_t r;
    assert_int_equal(esewa_verify_data(UAT_SECRET, data, &r), ERR_UNAUTHORIZED);
    assert_string_equal(r.total_amount, "");
    free(data);
}

static void test_esewa_verify_data_wrong_secret(void **state)
{
    (void)state;
    esewa_result_t r;
    assert_int_equal(esewa_verify_data("another-secret", E3_DATA, &r), ERR_UNAUTHORIZED);
}

static void test_esewa_verify_data_unsigned_field_refused(void **state)
{
    (void)state;
    /* A signature that does not cover total_amount proves nothing about it. */
    char msg[256], sig[ESEWA_SIG_LEN], json[768];
    snprintf(msg, sizeof msg,
             "transaction_code=000AWEO,status=COMPLETE,transaction_uuid=1,product_code=EPAYTEST");
    assert_int_equal(esewa_sign(UAT_SECRET, msg, sig), 0);
    snprintf(json, sizeof json,
             "{\"transaction_code\":\"000AWEO\",\"status\":\"COMPLETE\",\"total_amount\":\"9\","
             "\"transaction_uuid\":\"1\",\"product_code\":\"EPAYTEST\",\"signed_field_names\":"
             "\"transaction_code,status,transaction_uuid,product_code\",\"signature\":\"%s\"}",
             sig);
    char *data = b64(json);
    esewa_result_t r;
    assert_int_equal(esewa_verify_data(UAT_SECRET, data, &r), ERR_INVALID);
    free(data);
}

static void test_esewa_verify_data_missing_signed_field(void **state)
{
    (void)state;
    char *data =
        b64("{\"status\":\"COMPLETE\",\"total_amount\":\"1000.0\",\"transaction_uuid\":"
            "\"250610-162413\",\"product_code\":\"EPAYTEST\",\"signed_field_names\":\"" E3_NAMES
            "\",\"signature\":\"" E3_SIG "\"}");
    esewa_result_t r;
    assert_int_equal(esewa_verify_data(UAT_SECRET, data, &r), ERR_INVALID);
    free(data);
}

static void test_esewa_verify_data_garbage(void **state)
{
    (void)state;
    esewa_result_t r;
    assert_int_equal(esewa_verify_data(UAT_SECRET, "", &r), ERR_MALFORMED);
    assert_int_equal(esewa_verify_data(UAT_SECRET, "%%%not-base64", &r), ERR_MALFORMED);
    char *arr = b64("[1,2,3]");
    assert_int_equal(esewa_verify_data(UAT_SECRET, arr, &r), ERR_MALFORMED);
    free(arr);
    char *noj = b64("hello");
    assert_int_equal(esewa_verify_data(UAT_SECRET, noj, &r), ERR_MALFORMED);
    free(noj);
}

static void test_esewa_json_raw(void **state)
{
    (void)state;
    const char *t = " { \"a\" : {\"x\":[1,\"}\"]}, \"b\":\"q\\\"r\", \"total_amount\" : 1000.0 ,"
                    "\"n\":null}";
    const char *v;
    size_t n;
    bool str;
    assert_int_equal(esewa_json_raw(t, strlen(t), "total_amount", &v, &n, &str), 0);
    assert_false(str);
    assert_int_equal(n, 6);
    assert_memory_equal(v, "1000.0", 6);
    assert_int_equal(esewa_json_raw(t, strlen(t), "b", &v, &n, &str), 0);
    assert_true(str);
    assert_int_equal(n, 4);
    assert_memory_equal(v, "q\\\"r", 4);
    assert_int_equal(esewa_json_raw(t, strlen(t), "n", &v, &n, &str), 0);
    assert_memory_equal(v, "null", 4);
    assert_int_equal(esewa_json_raw(t, strlen(t), "x", &v, &n, &str), ERR_NOT_FOUND);
    assert_int_equal(esewa_json_raw("[1]", 3, "x", &v, &n, &str), ERR_MALFORMED);
    assert_int_equal(esewa_json_raw("{\"x\":", 5, "x", &v, &n, &str), ERR_MALFORMED);
    assert_int_equal(esewa_json_raw("{}", 2, "x", &v, &n, &str), ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_esewa_sign_vector_e1),
        cmocka_unit_test(test_esewa_sign_vector_e2_recomputed),
        cmocka_unit_test(test_esewa_sign_vector_e3),
        cmocka_unit_test(test_esewa_sign_amount_text_matters),
        cmocka_unit_test(test_esewa_sign_request_rejects_ambiguous_values),
        cmocka_unit_test(test_esewa_sig_equal),
        cmocka_unit_test(test_esewa_verify_data_vector_e3),
        cmocka_unit_test(test_esewa_verify_data_docs_typo_rejected),
        cmocka_unit_test(test_esewa_verify_data_number_amount_keeps_its_text),
        cmocka_unit_test(test_esewa_verify_data_escaped_string_signs_decoded),
        cmocka_unit_test(test_esewa_verify_data_plus_as_space),
        cmocka_unit_test(test_esewa_verify_data_tampered_amount),
        cmocka_unit_test(test_esewa_verify_data_wrong_secret),
        cmocka_unit_test(test_esewa_verify_data_unsigned_field_refused),
        cmocka_unit_test(test_esewa_verify_data_missing_signed_field),
        cmocka_unit_test(test_esewa_verify_data_garbage),
        cmocka_unit_test(test_esewa_json_raw),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
