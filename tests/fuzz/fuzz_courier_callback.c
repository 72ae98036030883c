/* fuzz_courier_callback.c - the signature on a courier's status callback (POST
 * /couriers/callback, a public route): courier_sig_check in
 * services/fulfillment/callback_sig.c. Input: "<timestamp header>\n<signature
 * header>\n<body>". Without the secret nothing verifies; the same body signed here with
 * the secret does, and only within the tolerance.
 */
#include "callback_sig.h"
#include "fuzz_support.h"

#define SECRET "courier-fuzz-only-secret"
#define NOW    1767225600LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = fz_cstr(data, size);
    if (in == NULL)
        return 0;
    /* Split at the first two newlines; the body is everything after the second. */
    char *ts = in, *sig = "", *body = "";
    size_t blen = 0;
    char *nl = memchr(in, '\n', size);
    if (nl != NULL) {
        *nl = '\0';
        sig = nl + 1;
        char *nl2 = memchr(sig, '\n', size - (size_t)(sig - in));
        if (nl2 != NULL) {
            *nl2 = '\0';
            body = nl2 + 1;
            blen = size - (size_t)(body - in);
        }
    }

    /* Forged: anything the fuzzer wrote (a 2^-256 chance aside). */
    FZ_ASSERT(courier_sig_check(SECRET, ts, sig, body, blen, NOW, 300) != COURIER_SIG_OK);
    courier_sig_check(SECRET, NULL, sig, body, blen, NOW, 300);
    courier_sig_check(SECRET, ts, NULL, body, blen, NOW, 300);

    /* Genuine: signed with the secret at NOW. */
    char good[COURIER_SIG_HEX_LEN];
    courier_sig_compute(SECRET, "1767225600", body, blen, good);
    FZ_ASSERT(courier_sig_check(SECRET, "1767225600", good, body, blen, NOW + 10, 300) ==
              COURIER_SIG_OK);
    FZ_ASSERT(courier_sig_check(SECRET, "1767225600", good, body, blen, NOW + 301, 300) ==
              COURIER_SIG_STALE);
    FZ_ASSERT(courier_sig_check("another secret", "1767225600", good, body, blen, NOW, 300) ==
              COURIER_SIG_MISMATCH);
    free(in);
    return 0;
}
