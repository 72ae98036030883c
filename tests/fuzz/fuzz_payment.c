/* fuzz_payment.c - what the payment service believes from outside callers
 * (services/payment), before any database work:
 *   - the "t=..,v1=.." signature header of Stripe (Stripe-Signature) and of the fake
 *     provider (X-Webhook-Signature), pay_sig_verify: without the secret no input
 *     verifies, and one signed here with the secret does;
 *   - eSewa's success redirect `data` (base64 JSON with its own signed field list):
 *     esewa_verify_data refuses whatever the secret did not sign, esewa_data_peek and
 *     esewa_json_raw read hostile text;
 *   - a Stripe Event body (stripe_event_read) and form/query values (pay_form_get).
 * Input: the first byte picks the target, the rest is its input; for the signature
 * header a NUL separates the header from the body.
 */
#include <time.h>

#include "common/errors.h"
#include "esewa_sign.h"
#include "fuzz_support.h"
#include "provider.h"
#include "stripe.h"

#define SECRET "whsec_fuzz_only_secret"
#define NOW    INT64_C(1767225600)

static void sig_header(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t hlen = nul ? (size_t)(nul - data) : size;
    char *header = fz_cstr(data, hlen);
    const char *body = nul ? (const char *)nul + 1 : "";
    size_t blen = nul ? size - hlen - 1 : 0;
    if (header == NULL)
        return;
    /* Forged: the fuzzer does not know the secret (a 2^-256 chance aside). */
    FZ_ASSERT(pay_sig_verify(header, body, blen, SECRET, NOW, 300) == ERR_UNAUTHORIZED);
    /* Genuine: the same body signed with the secret verifies, and only within tolerance. */
    char good[256];
    if (pay_sig_sign(body, blen, SECRET, NOW, good, sizeof good) == 0) {
        FZ_ASSERT(pay_sig_verify(good, body, blen, SECRET, NOW + 10, 300) == 0);
        FZ_ASSERT(pay_sig_verify(good, body, blen, SECRET, NOW + 301, 300) == ERR_UNAUTHORIZED);
        FZ_ASSERT(pay_sig_verify(good, body, blen, "another secret", NOW, 300) == ERR_UNAUTHORIZED);
    }
    free(header);
}

static void esewa(const uint8_t *data, size_t size)
{
    char *text = fz_cstr(data, size);
    if (text == NULL)
        return;
    esewa_result_t res;
    int rc = esewa_verify_data(SECRET, text, &res);
    FZ_ASSERT(rc != 0); /* unsigned by our secret */
    char uuid[64];
    esewa_data_peek(text, uuid, sizeof uuid);
    const char *val;
    size_t vlen;
    bool is_string;
    if (esewa_json_raw(text, size, "total_amount", &val, &vlen, &is_string) == 0)
        FZ_ASSERT(val >= text && val + vlen <= text + size);
    char sig[ESEWA_SIG_LEN];
    esewa_sig_equal(text, "x");
    if (esewa_sign(SECRET, text, sig) == 0)
        FZ_ASSERT(esewa_sig_equal(sig, sig));
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int target = data[0] % 4;
    data++;
    size--;
    if (target == 0) {
        sig_header(data, size);
    } else if (target == 1) {
        esewa(data, size);
    } else if (target == 2) {
        pay_event_t ev;
        memset(&ev, 0, sizeof ev);
        stripe_event_read((const char *)data, size, &ev);
    } else {
        char *q = fz_cstr(data, size);
        char buf[256];
        if (q != NULL && pay_form_get(q, "data", buf, sizeof buf))
            FZ_ASSERT(strlen(buf) < sizeof buf);
        free(q);
    }
    return 0;
}
