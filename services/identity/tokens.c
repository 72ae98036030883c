/* tokens.c - signing access tokens, making refresh tokens and publishing the JWKS.
 *
 * libjwt signs (it takes the key as PEM and parses it per call, which costs far
 * less than the RSA signature itself); OpenSSL is used only to read the key once
 * at load, derive the public half and extract n and e for the JWKS; libsodium does
 * the random bytes, SHA-256 and base64url.
 */
#include "tokens.h"

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/auth.h"
#include "common/errors.h"
#include "common/ids.h"

#define TOKENS_MIN_RSA_BITS 2048

struct tokens {
    char *private_pem;
    int private_pem_len;
    char *public_pem;
    char kid[TOKENS_KID_LEN];
    char *n; /* base64url modulus */
    char *e; /* base64url public exponent */
};

/* base64url without padding of a big number's unsigned big-endian bytes. */
static char *bn_base64url(const BIGNUM *bn)
{
    char *out = NULL;
    int len = BN_num_bytes(bn);
    unsigned char *bin = malloc(len > 0 ? (size_t)len : 1);
    if (bin == NULL)
        return NULL;
    BN_bn2bin(bn, bin);
    size_t cap = sodium_base64_encoded_len((size_t)len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out = malloc(cap);
    if (out != NULL)
        sodium_bin2base64(out, cap, bin, (size_t)len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    free(bin);
    return out;
}

static char *public_pem_of(EVP_PKEY *pkey)
{
    char *pem = NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL || PEM_write_bio_PUBKEY(bio, pkey) != 1)
        goto out;
    char *data;
    long len = BIO_get_mem_data(bio, &data);
    if (len <= 0)
        goto out;
    pem = strndup(data, (size_t)len);
out:
    BIO_free(bio);
    return pem;
}

/* The kid is derived from the key, so every replica computes the same one. */
static int kid_of(EVP_PKEY *pkey, char kid[TOKENS_KID_LEN])
{
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(pkey, &der);
    if (len <= 0)
        return ERR_INTERNAL;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, der, (unsigned long long)len);
    OPENSSL_free(der);
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    memcpy(kid, hex, TOKENS_KID_LEN - 1);
    kid[TOKENS_KID_LEN - 1] = '\0';
    return 0;
}

void tokens_free(tokens_t *t)
{
    if (t == NULL)
        return;
    if (t->private_pem != NULL) {
        sodium_memzero(t->private_pem, (size_t)t->private_pem_len);
        free(t->private_pem);
    }
    free(t->public_pem);
    free(t->n);
    free(t->e);
    free(t);
}

int tokens_load(const char *private_pem, tokens_t **out)
{
    int rc = ERR_INVALID;
    BIO *bio = NULL;
    EVP_PKEY *pkey = NULL;
    BIGNUM *n = NULL, *e = NULL;
    tokens_t *t = NULL;

    *out = NULL;
    if (private_pem == NULL || sodium_init() < 0)
        goto out;
    bio = BIO_new_mem_buf(private_pem, -1);
    if (bio == NULL) {
        rc = ERR_INTERNAL;
        goto out;
    }
    pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    if (pkey == NULL || !EVP_PKEY_is_a(pkey, "RSA") ||
        EVP_PKEY_get_bits(pkey) < TOKENS_MIN_RSA_BITS)
        goto out;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
        EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1)
        goto out;

    rc = ERR_INTERNAL;
    t = calloc(1, sizeof *t);
    if (t == NULL)
        goto out;
    t->private_pem = strdup(private_pem);
    t->public_pem = public_pem_of(pkey);
    t->n = bn_base64url(n);
    t->e = bn_base64url(e);
    if (t->private_pem == NULL || t->public_pem == NULL || t->n == NULL || t->e == NULL)
        goto out;
    t->private_pem_len = (int)strlen(t->private_pem);
    if (kid_of(pkey, t->kid) != 0)
        goto out;
    *out = t;
    t = NULL;
    rc = 0;
out:
    tokens_free(t);
    BN_free(n);
    BN_free(e);
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    return rc;
}

const char *tokens_kid(const tokens_t *t)
{
    return t->kid;
}

const char *tokens_public_pem(const tokens_t *t)
{
    return t->public_pem;
}

cJSON *tokens_jwks(const tokens_t *t)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *keys = cJSON_AddArrayToObject(root, "keys");
    cJSON *key = cJSON_CreateObject();
    if (keys == NULL || key == NULL || !cJSON_AddItemToArray(keys, key)) {
        cJSON_Delete(key);
        goto fail;
    }
    if (cJSON_AddStringToObject(key, "kty", "RSA") == NULL ||
        cJSON_AddStringToObject(key, "use", "sig") == NULL ||
        cJSON_AddStringToObject(key, "alg", "RS256") == NULL ||
        cJSON_AddStringToObject(key, "kid", t->kid) == NULL ||
        cJSON_AddStringToObject(key, "n", t->n) == NULL ||
        cJSON_AddStringToObject(key, "e", t->e) == NULL)
        goto fail;
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

int tokens_mint_access(const tokens_t *t, const token_claims_t *c, char **out)
{
    int rc = ERR_INTERNAL;
    jwt_t *jwt = NULL;
    char jti[ID_UUID_LEN];

    *out = NULL;
    id_uuid(jti);
    if (jwt_new(&jwt) != 0)
        goto out;
    if (jwt_set_alg(jwt, JWT_ALG_RS256, (const unsigned char *)t->private_pem,
                    t->private_pem_len) != 0 ||
        jwt_add_header(jwt, "kid", t->kid) != 0 || jwt_add_grant(jwt, "sub", c->user_id) != 0 ||
        jwt_add_grant(jwt, "role", c->role) != 0 || jwt_add_grant(jwt, "email", c->email) != 0 ||
        jwt_add_grant(jwt, "iss", AUTH_ISSUER) != 0 ||
        jwt_add_grant(jwt, "aud", AUTH_AUDIENCE) != 0 ||
        jwt_add_grant_int(jwt, "iat", (long)c->issued_at) != 0 ||
        jwt_add_grant_int(jwt, "exp", (long)(c->issued_at + c->ttl_seconds)) != 0 ||
        jwt_add_grant(jwt, "jti", jti) != 0)
        goto out;
    *out = jwt_encode_str(jwt);
    if (*out != NULL)
        rc = 0;
out:
    jwt_free(jwt);
    return rc;
}

void tokens_hash_refresh(const char *token, char hash[TOKENS_HASH_LEN])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(hash, TOKENS_HASH_LEN, digest, sizeof digest);
}

int tokens_new_refresh(char token[TOKENS_REFRESH_LEN], char hash[TOKENS_HASH_LEN])
{
    unsigned char raw[32];
    if (sodium_init() < 0)
        return ERR_INTERNAL;
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(token, TOKENS_REFRESH_LEN, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    tokens_hash_refresh(token, hash);
    return 0;
}

bool tokens_refresh_format_ok(const char *s)
{
    if (s == NULL || strlen(s) != TOKENS_REFRESH_LEN - 1)
        return false;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}
