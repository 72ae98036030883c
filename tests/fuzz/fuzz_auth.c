/* fuzz_auth.c - the Authorization header as every service reads it (common/auth.c,
 * auth_verify_bearer), and the role lists of auth_role_allowed.
 *
 * The first input byte picks what the rest is:
 *   0 mod 3  the header itself, verified with no key loaded: always refused;
 *   1 mod 3  the same header with a key loaded that the input cannot have signed for:
 *            always refused, whatever the header, algorithm or claims say;
 *   2 mod 3  a claims document, signed here with the loaded key's private half, so the
 *            claim checks (issuer, audience, times, sub, role, email) see hostile
 *            claims behind a valid signature: accepted only with every claim right.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "common/auth.h"
#include "common/errors.h"
#include "common/ids.h"
#include "fuzz_support.h"

static EVP_PKEY *key;
static char *public_pem;

/* A fresh RSA-2048 key pair, made once per run. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (sodium_init() < 0)
        abort();
    key = EVP_RSA_gen(2048);
    BIO *bio = BIO_new(BIO_s_mem());
    if (key == NULL || bio == NULL || PEM_write_bio_PUBKEY(bio, key) != 1)
        abort();
    char *mem = NULL;
    long n = BIO_get_mem_data(bio, &mem);
    public_pem = strndup(mem, (size_t)n);
    BIO_free(bio);
    if (public_pem == NULL)
        abort();
    return 0;
}

/* base64url without padding of len bytes; caller frees. */
static char *b64url(const unsigned char *bin, size_t len)
{
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(cap);
    if (out != NULL)
        sodium_bin2base64(out, cap, bin, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

/* "Bearer <header>.<claims>.<RS256 signature>" over the given claims bytes. */
static char *signed_header(const uint8_t *claims, size_t len)
{
    static const char jose[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
    char *h = b64url((const unsigned char *)jose, sizeof jose - 1);
    char *c = b64url(claims, len);
    char *input = NULL, *sig64 = NULL, *out = NULL;
    unsigned char sig[512];
    size_t siglen = sizeof sig;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (h == NULL || c == NULL || ctx == NULL)
        goto done;
    size_t ilen = strlen(h) + 1 + strlen(c);
    input = malloc(ilen + 1);
    if (input == NULL)
        goto done;
    snprintf(input, ilen + 1, "%s.%s", h, c);
    if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)input, ilen) != 1)
        goto done;
    sig64 = b64url(sig, siglen);
    if (sig64 == NULL)
        goto done;
    size_t olen = 7 + ilen + 1 + strlen(sig64) + 1;
    out = malloc(olen);
    if (out != NULL)
        snprintf(out, olen, "Bearer %s.%s", input, sig64);
done:
    EVP_MD_CTX_free(ctx);
    free(h);
    free(c);
    free(input);
    free(sig64);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int mode = data[0] % 3;
    data++;
    size--;
    auth_principal_t p;

    if (mode == 2) {
        if (!auth_has_public_key() && auth_set_public_key(public_pem) != 0)
            abort();
        char *header = signed_header(data, size);
        if (header == NULL)
            return 0;
        if (auth_verify_bearer(header, &p) == 0) {
            /* Accepted: what the services rely on holds. */
            FZ_ASSERT(id_is_uuid(p.user_id));
            FZ_ASSERT(auth_role_allowed(p.role, "customer,seller,admin"));
            FZ_ASSERT(memchr(p.email, '\0', sizeof p.email) != NULL);
        }
        free(header);
        return 0;
    }

    char *header = fz_cstr(data, size);
    if (header == NULL)
        return 0;
    if (mode == 1 && !auth_has_public_key() && auth_set_public_key(public_pem) != 0)
        abort();
    /* Without the private key no input carries a valid signature. With no key loaded
     * (mode 0 until the first mode 1 or 2 input) every token is refused for that reason. */
    FZ_ASSERT(auth_verify_bearer(header, &p) == ERR_UNAUTHORIZED);
    FZ_ASSERT(auth_verify_bearer(header, NULL) == ERR_UNAUTHORIZED);

    /* The role check on the same bytes, as a role and as a role list. */
    auth_role_allowed(header, "customer,seller,admin");
    auth_role_allowed("admin", header);
    free(header);
    return 0;
}
