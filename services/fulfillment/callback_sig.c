/* callback_sig.c - HMAC-SHA256 over "<timestamp>.<body>" (see callback_sig.h). */
#include "callback_sig.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void courier_sig_compute(const char *secret, const char *timestamp, const void *body,
                         size_t body_len, char out[COURIER_SIG_HEX_LEN])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    size_t ts_len = strlen(timestamp);
    size_t n = ts_len + 1 + body_len;
    unsigned char *msg = malloc(n > 0 ? n : 1);
    out[0] = '\0';
    if (msg == NULL)
        return;
    memcpy(msg, timestamp, ts_len);
    msg[ts_len] = '.';
    if (body_len > 0)
        memcpy(msg + ts_len + 1, body, body_len);
    if (HMAC(EVP_sha256(), secret, (int)strlen(secret), msg, n, mac, &mac_len) != NULL &&
        mac_len == 32) {
        for (unsigned int i = 0; i < mac_len; i++)
            snprintf(out + 2 * i, 3, "%02x", mac[i]);
    }
    free(msg);
}

/* A decimal count of seconds: digits only, at most 12 of them. */
static bool parse_timestamp(const char *s, long long *out)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n > 12)
        return false;
    long long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

courier_sig_result_t courier_sig_check(const char *secret, const char *timestamp_header,
                                       const char *signature_header, const void *body,
                                       size_t body_len, long long now, long tolerance)
{
    long long ts;
    if (secret == NULL || secret[0] == '\0' || !parse_timestamp(timestamp_header, &ts) ||
        signature_header == NULL || strlen(signature_header) != COURIER_SIG_HEX_LEN - 1)
        return COURIER_SIG_MISSING;
    if (ts < now - tolerance || ts > now + tolerance)
        return COURIER_SIG_STALE;
    char want[COURIER_SIG_HEX_LEN];
    courier_sig_compute(secret, timestamp_header, body, body_len, want);
    if (want[0] == '\0')
        return COURIER_SIG_MISMATCH;
    /* Lowercase the candidate so "AB12..." and "ab12..." are the same signature. */
    char got[COURIER_SIG_HEX_LEN];
    for (size_t i = 0; i < COURIER_SIG_HEX_LEN; i++) {
        char c = signature_header[i];
        got[i] = c >= 'A' && c <= 'F' ? (char)(c - 'A' + 'a') : c;
    }
    return CRYPTO_memcmp(want, got, COURIER_SIG_HEX_LEN - 1) == 0 ? COURIER_SIG_OK
                                                                  : COURIER_SIG_MISMATCH;
}
