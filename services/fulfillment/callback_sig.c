/* callback_sig.c - HMAC-SHA256 over "<timestamp>.<body>" (see callback_sig.h). */
#include "callback_sig.h"

#include <string.h>

#include "common/sig.h"

void courier_sig_compute(const char *secret, const char *timestamp, const void *body,
                         size_t body_len, char out[COURIER_SIG_HEX_LEN])
{
    /* On failure out is left empty, which matches no signature. */
    (void)sig_timestamped(secret, timestamp, body, body_len, out);
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
    /* Either case of the hex is the same signature; compared in constant time. */
    return sig_hex_equal(want, signature_header) ? COURIER_SIG_OK : COURIER_SIG_MISMATCH;
}
