/* sig.c - HMAC-SHA256 signatures (see sig.h). */
#include "common/sig.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"

int sig_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                    unsigned char out[32])
{
    unsigned int out_len = 0;
    if (key_len > INT32_MAX)
        return ERR_INTERNAL;
    if (HMAC(EVP_sha256(), key, (int)key_len, msg, msg_len, out, &out_len) == NULL || out_len != 32)
        return ERR_INTERNAL;
    return 0;
}

void sig_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int sig_timestamped(const char *secret, const char *timestamp, const void *body, size_t body_len,
                    char out[SIG_HEX_LEN])
{
    unsigned char mac[32];
    size_t ts_len = strlen(timestamp);
    size_t n = ts_len + 1 + body_len;
    unsigned char *msg = malloc(n);
    int rc = ERR_INTERNAL;
    out[0] = '\0';
    if (msg == NULL)
        return ERR_INTERNAL;
    /* The payload is "<timestamp as written>.<raw body>": the sender signs the header's
     * text, so it is never reformatted from a parsed number. */
    memcpy(msg, timestamp, ts_len);
    msg[ts_len] = '.';
    if (body_len > 0)
        memcpy(msg + ts_len + 1, body, body_len);
    rc = sig_hmac_sha256(secret, strlen(secret), msg, n, mac);
    if (rc == 0)
        sig_hex(mac, sizeof mac, out);
    free(msg);
    return rc;
}

bool sig_hex_equal(const char *expected, const char *candidate)
{
    char lower[SIG_HEX_LEN];
    size_t n = strlen(expected);
    if (n >= SIG_HEX_LEN || strlen(candidate) != n)
        return false;
    /* Lowercase first, so "AB12..." and "ab12..." are the same signature. */
    for (size_t i = 0; i < n; i++) {
        char c = candidate[i];
        lower[i] = c >= 'A' && c <= 'F' ? (char)(c - 'A' + 'a') : c;
    }
    return CRYPTO_memcmp(expected, lower, n) == 0;
}

bool sig_str_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return false;
    return CRYPTO_memcmp(a, b, la) == 0;
}
