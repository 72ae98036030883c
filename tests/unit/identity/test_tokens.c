/* test_tokens.c - minting access tokens, refresh tokens and the JWKS (tokens.c),
 * checked against common/auth's verifier and an independently derived key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/auth.h"
#include "common/errors.h"
#include "common/log.h"
#include "tokens.h"

#define USER_ID "0b6f8e52-4a43-4d1e-9f0e-6a1c2b3d4e5f"

static EVP_PKEY *key;
static char *priv_pem, *pub_pem;
static tokens_t *tokens;

static char *pem_of(EVP_PKEY *pkey, bool private_key)
{
    BIO *b = BIO_new(BIO_s_mem());
    assert_non_null(b);
    int ok = private_key ? PEM_write_bio_PrivateKey(b, pkey, NULL, NULL, 0, NULL, NULL)
                         : PEM_write_bio_PUBKEY(b, pkey);
    assert_int_equal(ok, 1);
    char *data;
    long len = BIO_get_mem_data(b, &data);
    char *s = strndup(data, (size_t)len);
    BIO_free(b);
    return s;
}

static int setup(void **state)
{
    (void)state;
    log_init("test_tokens");
    key = EVP_RSA_gen(2048);
    if (key == NULL)
        return -1;
    priv_pem = pem_of(key, true);
    pub_pem = pem_of(key, false);
    if (tokens_load(priv_pem, &tokens) != 0)
        return -1;
    /* The verifier gets the public key the test derived, not the one tokens.c made. */
    return auth_set_public_key(pub_pem);
}

static int teardown(void **state)
{
    (void)state;
    tokens_free(tokens);
    EVP_PKEY_free(key);
    free(priv_pem);
    free(pub_pem);
    return 0;
}

static char *mint(const char *role, int64_t iat, long ttl)
{
    token_claims_t c = {.user_id = USER_ID,
                        .role = role,
                        .email = "bob@example.com",
                        .issued_at = iat,
                        .ttl_seconds = ttl};
    char *jwt = NULL;
    assert_int_equal(tokens_mint_access(tokens, &c, &jwt), 0);
    assert_non_null(jwt);
    return jwt;
}

static int verify(const char *jwt, auth_principal_t *p)
{
    char header[4096];
    snprintf(header, sizeof header, "Bearer %s", jwt);
    return auth_verify_bearer(header, p);
}

/* The JSON of a token's segment (0 header, 1 payload). */
static cJSON *segment(const char *jwt, int which)
{
    const char *start = jwt;
    for (int i = 0; i < which; i++)
        start = strchr(start, '.') + 1;
    size_t n = strcspn(start, ".");
    unsigned char bin[2048];
    size_t len = 0;
    assert_int_equal(sodium_base642bin(bin, sizeof bin - 1, start, n, NULL, &len, NULL,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     0);
    bin[len] = '\0';
    cJSON *j = cJSON_Parse((const char *)bin);
    assert_non_null(j);
    return j;
}

static void test_tokens_mint_verifies_round_trip(void **state)
{
    (void)state;
    char *jwt = mint("seller", (int64_t)time(NULL), 900);
    auth_principal_t p;
    assert_int_equal(verify(jwt, &p), 0);
    assert_string_equal(p.user_id, USER_ID);
    assert_string_equal(p.role, "seller");
    assert_string_equal(p.email, "bob@example.com");
    free(jwt);
}

static void test_tokens_claims_and_header(void **state)
{
    (void)state;
    int64_t now = (int64_t)time(NULL);
    char *a = mint("customer", now, 900);
    char *b = mint("customer", now, 900);
    cJSON *h = segment(a, 0);
    assert_string_equal(cJSON_GetObjectItem(h, "alg")->valuestring, "RS256");
    assert_string_equal(cJSON_GetObjectItem(h, "kid")->valuestring, tokens_kid(tokens));
    cJSON *pa = segment(a, 1), *pb = segment(b, 1);
    assert_string_equal(cJSON_GetObjectItem(pa, "iss")->valuestring, "store-identity");
    assert_string_equal(cJSON_GetObjectItem(pa, "aud")->valuestring, "store");
    assert_string_equal(cJSON_GetObjectItem(pa, "sub")->valuestring, USER_ID);
    assert_int_equal((int64_t)cJSON_GetObjectItem(pa, "iat")->valuedouble, now);
    assert_int_equal((int64_t)cJSON_GetObjectItem(pa, "exp")->valuedouble, now + 900);
    /* Every token has its own id. */
    assert_string_not_equal(cJSON_GetObjectItem(pa, "jti")->valuestring,
                            cJSON_GetObjectItem(pb, "jti")->valuestring);
    cJSON_Delete(h);
    cJSON_Delete(pa);
    cJSON_Delete(pb);
    free(a);
    free(b);
}

static void test_tokens_expired_token_rejected(void **state)
{
    (void)state;
    char *jwt = mint("customer", (int64_t)time(NULL) - 3600, 900);
    auth_principal_t p;
    assert_int_equal(verify(jwt, &p), ERR_UNAUTHORIZED);
    free(jwt);
}

static BIGNUM *b64_bn(const char *s)
{
    unsigned char bin[1024];
    size_t len = 0;
    assert_int_equal(sodium_base642bin(bin, sizeof bin, s, strlen(s), NULL, &len, NULL,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     0);
    assert_true(len > 0 && bin[0] != 0); /* minimal big-endian, no leading zero byte */
    return BN_bin2bn(bin, (int)len, NULL);
}

static void test_tokens_jwks_is_the_same_key(void **state)
{
    (void)state;
    cJSON *jwks = tokens_jwks(tokens);
    assert_non_null(jwks);
    cJSON *keys = cJSON_GetObjectItem(jwks, "keys");
    assert_int_equal(cJSON_GetArraySize(keys), 1);
    cJSON *k = cJSON_GetArrayItem(keys, 0);
    assert_string_equal(cJSON_GetObjectItem(k, "kty")->valuestring, "RSA");
    assert_string_equal(cJSON_GetObjectItem(k, "use")->valuestring, "sig");
    assert_string_equal(cJSON_GetObjectItem(k, "alg")->valuestring, "RS256");
    assert_string_equal(cJSON_GetObjectItem(k, "kid")->valuestring, tokens_kid(tokens));
    assert_string_equal(cJSON_GetObjectItem(k, "e")->valuestring, "AQAB");

    /* Rebuild a public key from n and e alone; it must equal the original. */
    BIGNUM *n = b64_bn(cJSON_GetObjectItem(k, "n")->valuestring);
    BIGNUM *e = b64_bn(cJSON_GetObjectItem(k, "e")->valuestring);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n), 1);
    assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e), 1);
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *rebuilt = NULL;
    assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(ctx, &rebuilt, EVP_PKEY_PUBLIC_KEY, params), 1);
    assert_int_equal(EVP_PKEY_eq(rebuilt, key), 1);

    /* And a token minted now verifies with that rebuilt key. */
    char *pem = pem_of(rebuilt, false);
    assert_int_equal(auth_set_public_key(pem), 0);
    char *jwt = mint("admin", (int64_t)time(NULL), 60);
    auth_principal_t p;
    assert_int_equal(verify(jwt, &p), 0);
    assert_string_equal(p.role, "admin");

    free(jwt);
    free(pem);
    EVP_PKEY_free(rebuilt);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    cJSON_Delete(jwks);
}

static void test_tokens_kid_is_stable_hash_of_public_key(void **state)
{
    (void)state;
    tokens_t *again = NULL;
    assert_int_equal(tokens_load(priv_pem, &again), 0);
    assert_string_equal(tokens_kid(again), tokens_kid(tokens));
    assert_string_equal(tokens_public_pem(again), pub_pem);
    tokens_free(again);

    unsigned char *der = NULL;
    int len = i2d_PUBKEY(key, &der);
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256(digest, der, (unsigned long long)len);
    OPENSSL_free(der);
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    hex[16] = '\0';
    assert_string_equal(tokens_kid(tokens), hex);
}

static void test_tokens_load_rejects_unusable_keys(void **state)
{
    (void)state;
    tokens_t *t = NULL;
    assert_int_equal(tokens_load("garbage", &t), ERR_INVALID);
    assert_int_equal(tokens_load(pub_pem, &t), ERR_INVALID); /* public half only */
    assert_null(t);

    EVP_PKEY *small = EVP_RSA_gen(1024);
    char *pem = pem_of(small, true);
    assert_int_equal(tokens_load(pem, &t), ERR_INVALID);
    free(pem);
    EVP_PKEY_free(small);

    EVP_PKEY *ec = EVP_EC_gen("P-256");
    pem = pem_of(ec, true);
    assert_int_equal(tokens_load(pem, &t), ERR_INVALID);
    free(pem);
    EVP_PKEY_free(ec);
}

static void test_tokens_refresh_random_and_hashed(void **state)
{
    (void)state;
    char a[TOKENS_REFRESH_LEN], b[TOKENS_REFRESH_LEN];
    char ha[TOKENS_HASH_LEN], hb[TOKENS_HASH_LEN], check[TOKENS_HASH_LEN];
    assert_int_equal(tokens_new_refresh(a, ha), 0);
    assert_int_equal(tokens_new_refresh(b, hb), 0);
    assert_int_equal(strlen(a), 43);
    assert_true(tokens_refresh_format_ok(a));
    assert_string_not_equal(a, b);
    assert_string_not_equal(ha, hb);

    /* The stored form is the lowercase hex SHA-256 of the token's text. */
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)a, strlen(a));
    sodium_bin2hex(check, sizeof check, digest, sizeof digest);
    assert_string_equal(ha, check);
    tokens_hash_refresh(a, check);
    assert_string_equal(ha, check);

    /* 32 bytes of entropy behind the text. */
    unsigned char raw[64];
    size_t len = 0;
    assert_int_equal(sodium_base642bin(raw, sizeof raw, a, strlen(a), NULL, &len, NULL,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     0);
    assert_int_equal(len, 32);
}

static void test_tokens_refresh_format(void **state)
{
    (void)state;
    assert_false(tokens_refresh_format_ok(NULL));
    assert_false(tokens_refresh_format_ok(""));
    assert_false(tokens_refresh_format_ok("short"));
    assert_false(
        tokens_refresh_format_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa+")); /* not url-safe */
    assert_false(tokens_refresh_format_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 44 */
    assert_true(tokens_refresh_format_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-_"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens_mint_verifies_round_trip),
        cmocka_unit_test(test_tokens_claims_and_header),
        cmocka_unit_test(test_tokens_expired_token_rejected),
        cmocka_unit_test(test_tokens_kid_is_stable_hash_of_public_key),
        cmocka_unit_test(test_tokens_load_rejects_unusable_keys),
        cmocka_unit_test(test_tokens_refresh_random_and_hashed),
        cmocka_unit_test(test_tokens_refresh_format),
        cmocka_unit_test(test_tokens_jwks_is_the_same_key),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
