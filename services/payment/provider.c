/* provider.c - the provider registry and the small helpers every provider shares:
 * base64, form encoding, the "t=..,v1=.." signature scheme, and a
 * JSON-over-HTTP call. No provider's wire format lives here. */
#include "provider.h"

#include <ctype.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/httpclient.h"
#include "common/log.h"
#include "common/sig.h"
#include "common/text.h"

#define PAY_HTTP_TIMEOUT_MS 10000
#define PAY_HTTP_MAX        (1024 * 1024)

static const pay_provider_t *const registry[] = {
    &pay_provider_fake,
    &pay_provider_stripe,
    &pay_provider_khalti,
    &pay_provider_esewa,
};

#define REGISTRY_COUNT (sizeof registry / sizeof registry[0])

int pay_providers_init(void)
{
    for (size_t i = 0; i < REGISTRY_COUNT; i++) {
        int rc = registry[i]->init();
        if (rc != 0) {
            log_error("payment: provider %s: bad configuration", registry[i]->name);
            return rc;
        }
        log_info("payment: provider %s %s", registry[i]->name,
                 registry[i]->available() ? "available" : "unavailable (not configured)");
    }
    return 0;
}

const pay_provider_t *pay_provider_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < REGISTRY_COUNT; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

void pay_initiate_res_free(pay_initiate_res_t *res)
{
    if (res == NULL)
        return;
    free(res->redirect_url);
    free(res->form_action);
    cJSON_Delete(res->form_fields);
    memset(res, 0, sizeof *res);
}

int pay_copy(char *dst, size_t len, const char *src)
{
    if (len == 0)
        return ERR_INVALID;
    if (src == NULL)
        src = "";
    size_t n = strlen(src);
    if (n >= len) {
        dst[0] = '\0';
        return ERR_INVALID;
    }
    memcpy(dst, src, n + 1);
    return 0;
}

void pay_base64(const unsigned char *in, size_t n, char *out)
{
    /* EVP_EncodeBlock writes standard, padded base64 and a NUL. */
    EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

unsigned char *pay_base64_decode(const char *in, size_t *out_len)
{
    size_t n = strlen(in);
    /* Restore the padding that some senders drop, so the block decoder accepts it. */
    size_t padded = (n + 3) / 4 * 4;
    if (n == 0 || n > 64 * 1024 || n % 4 == 1)
        return NULL;
    char *tmp = malloc(padded + 1);
    unsigned char *out = malloc(padded / 4 * 3 + 1);
    if (tmp == NULL || out == NULL)
        goto fail;
    memcpy(tmp, in, n);
    for (size_t i = n; i < padded; i++)
        tmp[i] = '=';
    tmp[padded] = '\0';
    int len = EVP_DecodeBlock(out, (const unsigned char *)tmp, (int)padded);
    if (len < 0)
        goto fail;
    /* EVP_DecodeBlock counts padding bytes as data: take them off again. */
    for (size_t i = padded; i > 0 && tmp[i - 1] == '='; i--)
        len--;
    if (len < 0)
        goto fail;
    out[len] = '\0';
    if (out_len != NULL)
        *out_len = (size_t)len;
    free(tmp);
    return out;
fail:
    free(tmp);
    free(out);
    return NULL;
}

/* Decodes s[0..n) (percent escapes, '+' as space) into buf[len]; false when malformed
 * or too long. */
static bool form_decode(const char *s, size_t n, char *buf, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= n)
                return false;
            int hi = text_hex_digit((unsigned char)s[i + 1]);
            int lo = text_hex_digit((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0' || o + 1 >= len)
            return false;
        buf[o++] = c;
    }
    buf[o] = '\0';
    return true;
}

bool pay_form_get(const char *query, const char *name, char *buf, size_t len)
{
    if (query == NULL || name == NULL || len == 0)
        return false;
    size_t nlen = strlen(name);
    const char *p = query;
    while (*p != '\0') {
        const char *end = strchr(p, '&');
        size_t seg = end != NULL ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', seg);
        size_t klen = eq != NULL ? (size_t)(eq - p) : seg;
        /* Names we look up never need decoding: compare the raw key. */
        if (klen == nlen && memcmp(p, name, nlen) == 0) {
            if (eq == NULL)
                return form_decode("", 0, buf, len);
            return form_decode(eq + 1, seg - klen - 1, buf, len);
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
    return false;
}

/* Appends form-url-encoded s to b at *o (b has room: callers size it 3x + 1). */
static void form_encode(const char *s, char *b, size_t *o)
{
    static const char digits[] = "0123456789ABCDEF";
    for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
        if (isalnum(*c) || *c == '-' || *c == '_' || *c == '.' || *c == '~') {
            b[(*o)++] = (char)*c;
        } else {
            b[(*o)++] = '%';
            b[(*o)++] = digits[*c >> 4];
            b[(*o)++] = digits[*c & 15];
        }
    }
}

int pay_form_add(char **buf, const char *key, const char *value)
{
    size_t old = *buf != NULL ? strlen(*buf) : 0;
    size_t need = old + 1 + 3 * strlen(key) + 1 + 3 * strlen(value) + 1;
    char *b = realloc(*buf, need);
    if (b == NULL) {
        free(*buf);
        *buf = NULL;
        return ERR_INTERNAL;
    }
    size_t o = old;
    if (o > 0)
        b[o++] = '&';
    form_encode(key, b, &o);
    b[o++] = '=';
    form_encode(value, b, &o);
    b[o] = '\0';
    *buf = b;
    return 0;
}

/* The "t=..,v1=.." scheme. A header longer than this is not one we produced or Stripe
 * would (a handful of 64-hex values). */
#define SIG_HEADER_MAX 2048

int pay_sig_verify(const char *header, const char *body, size_t body_len, const char *secret,
                   int64_t now, int64_t tolerance)
{
    char copy[SIG_HEADER_MAX];
    const char *t_text = NULL;
    const char *v1[16];
    int nv1 = 0, rc = ERR_UNAUTHORIZED;

    if (header == NULL || secret == NULL || secret[0] == '\0' ||
        pay_copy(copy, sizeof copy, header) != 0)
        return ERR_UNAUTHORIZED;
    /* Split on ',' then on the first '='; keep t and every well-formed v1. */
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
        while (*item == ' ')
            item++;
        char *eq = strchr(item, '=');
        if (eq == NULL)
            continue;
        *eq = '\0';
        const char *val = eq + 1;
        if (strcmp(item, "t") == 0) {
            t_text = val;
        } else if (strcmp(item, "v1") == 0 && nv1 < 16 && strlen(val) == 64) {
            bool hex = true;
            for (const char *c = val; *c != '\0'; c++)
                hex = hex && text_hex_digit((unsigned char)*c) >= 0;
            if (hex)
                v1[nv1++] = val;
        }
    }
    if (t_text == NULL || t_text[0] == '\0' || nv1 == 0)
        return ERR_UNAUTHORIZED;
    char *end = NULL;
    long long t = strtoll(t_text, &end, 10);
    if (*end != '\0' || t <= 0)
        return ERR_UNAUTHORIZED;
    if (now - (int64_t)t > tolerance || (int64_t)t - now > tolerance)
        return ERR_UNAUTHORIZED;

    /* signed_payload = <t as written> "." <raw body> */
    char expected[SIG_HEX_LEN];
    if (sig_timestamped(secret, t_text, body, body_len, expected) != 0)
        return ERR_INTERNAL;
    /* Every candidate is compared, so timing does not tell which one matched. */
    for (int i = 0; i < nv1; i++)
        if (sig_hex_equal(expected, v1[i]))
            rc = 0;
    return rc;
}

int pay_sig_sign(const char *body, size_t body_len, const char *secret, int64_t t, char *out,
                 size_t len)
{
    char t_text[24];
    snprintf(t_text, sizeof t_text, "%" PRId64, t);
    char hex[SIG_HEX_LEN];
    int rc = sig_timestamped(secret, t_text, body, body_len, hex);
    if (rc != 0)
        return rc;
    int n = snprintf(out, len, "t=%s,v1=%s", t_text, hex);
    return n < 0 || (size_t)n >= len ? ERR_INVALID : 0;
}

int pay_http_json(const char *method, const char *url, const char *const *headers, const char *body,
                  size_t body_len, long *status, cJSON **json)
{
    hc_response_t resp = {0};
    *status = 0;
    *json = NULL;
    int rc =
        hc_request(method, url, headers, body, body_len, PAY_HTTP_TIMEOUT_MS, PAY_HTTP_MAX, &resp);
    if (rc != 0)
        return rc == ERR_TOO_LARGE ? ERR_UNAVAILABLE : rc;
    *status = resp.status;
    if (resp.body != NULL && resp.len > 0)
        *json = cJSON_ParseWithLength(resp.body, resp.len);
    hc_response_free(&resp);
    return 0;
}
