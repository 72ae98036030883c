/* esewa_api.c - eSewa amounts, statuses and the status-check answer. No I/O. */
#include "esewa_api.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/money.h"
#include "common/text.h"
#include "esewa_sign.h"

int esewa_amount_format(int64_t paisa, char out[ESEWA_AMOUNT_MAX])
{
    if (paisa < 0 || paisa > MONEY_MAX_MINOR)
        return ERR_INVALID;
    int64_t rupees = paisa / 100, cents = paisa % 100;
    /* Whole rupees are sent without a fraction, as the docs' examples ("100", "110") are;
     * the string signed is the string posted, so either form would verify. */
    if (cents == 0)
        snprintf(out, ESEWA_AMOUNT_MAX, "%" PRId64, rupees);
    else
        snprintf(out, ESEWA_AMOUNT_MAX, "%" PRId64 ".%02" PRId64, rupees, cents);
    return 0;
}

int esewa_amount_parse(const char *text, size_t len, int64_t *paisa)
{
    int64_t rupees = 0, cents = 0;
    size_t i = 0, digits = 0;
    for (; i < len && text[i] != '.'; i++) {
        if (text[i] == ',') {
            /* A thousands separator: a digit before it, then exactly three digits up to
             * the next separator, the fraction or the end. */
            if (digits == 0 || i + 3 >= len)
                return ERR_INVALID;
            for (size_t k = 1; k <= 3; k++)
                if (text[i + k] < '0' || text[i + k] > '9')
                    return ERR_INVALID;
            if (i + 4 < len && text[i + 4] != ',' && text[i + 4] != '.')
                return ERR_INVALID;
            continue;
        }
        if (text[i] < '0' || text[i] > '9')
            return ERR_INVALID;
        rupees = rupees * 10 + (text[i] - '0');
        if (++digits > 12)
            return ERR_INVALID;
    }
    if (digits == 0)
        return ERR_INVALID;
    if (i < len) {
        size_t frac = 0;
        for (i++; i < len; i++, frac++) {
            if (text[i] < '0' || text[i] > '9')
                return ERR_INVALID;
            if (frac == 0)
                cents += (text[i] - '0') * 10;
            else if (frac == 1)
                cents += text[i] - '0';
            else if (text[i] != '0')
                return ERR_INVALID; /* a fraction of a paisa */
        }
        if (frac == 0)
            return ERR_INVALID;
    }
    int64_t total = rupees * 100 + cents;
    if (total > MONEY_MAX_MINOR)
        return ERR_INVALID;
    *paisa = total;
    return 0;
}

static const struct {
    const char *name;
    esewa_status_t status;
} STATUSES[] = {
    {"COMPLETE", ESEWA_COMPLETE},       {"PENDING", ESEWA_PENDING},
    {"FULL_REFUND", ESEWA_FULL_REFUND}, {"PARTIAL_REFUND", ESEWA_PARTIAL_REFUND},
    {"AMBIGUOUS", ESEWA_AMBIGUOUS},     {"NOT_FOUND", ESEWA_NOT_FOUND},
    {"CANCELED", ESEWA_CANCELED},
};

esewa_status_t esewa_status_from(const char *name)
{
    if (name == NULL)
        return ESEWA_STATUS_UNKNOWN;
    for (size_t i = 0; i < sizeof STATUSES / sizeof STATUSES[0]; i++)
        if (strcmp(name, STATUSES[i].name) == 0)
            return STATUSES[i].status;
    return ESEWA_STATUS_UNKNOWN;
}

esewa_outcome_t esewa_outcome_of(esewa_status_t status)
{
    switch (status) {
    case ESEWA_COMPLETE:
        return ESEWA_OUT_PAID;
    case ESEWA_NOT_FOUND:
    case ESEWA_CANCELED:
        return ESEWA_OUT_FAILED;
    case ESEWA_FULL_REFUND:
    case ESEWA_PARTIAL_REFUND:
        return ESEWA_OUT_REFUNDED;
    case ESEWA_PENDING:
    case ESEWA_AMBIGUOUS: /* halted at eSewa: hold and escalate, never guess */
    case ESEWA_STATUS_UNKNOWN:
        break;
    }
    return ESEWA_OUT_WAIT;
}

bool esewa_uuid_valid(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return false;
    }
    return n >= 1 && n <= ESEWA_UUID_MAX;
}

/* Appends v percent-encoded (RFC 3986 unreserved characters kept). */
static void add_encoded(strbuf_t *b, const char *v)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)v; *p != '\0'; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            strbuf_add(b, p, 1);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            strbuf_add(b, e, 3);
        }
    }
}

char *esewa_status_url(const char *base, const char *product_code, const char *total_amount,
                       const char *uuid)
{
    strbuf_t b;
    strbuf_init(&b, NULL, 0);
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--; /* "http://host/" and "http://host" name the same base */
    strbuf_add(&b, base, blen);
    strbuf_str(&b, ESEWA_STATUS_PATH "?product_code=");
    add_encoded(&b, product_code);
    strbuf_str(&b, "&total_amount=");
    add_encoded(&b, total_amount);
    strbuf_str(&b, "&transaction_uuid=");
    add_encoded(&b, uuid);
    strbuf_add(&b, "", 1);
    if (b.failed || !b.heap) {
        strbuf_free(&b);
        return NULL;
    }
    return b.p; /* heap storage: the caller frees it */
}

/* Copies a string member into buf; "" when it is absent or null. ERR_INVALID when it is
 * another type or does not fit. */
static int copy_str(const cJSON *obj, const char *name, char *buf, size_t size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    buf[0] = '\0';
    if (v == NULL || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= size)
        return ERR_INVALID;
    memcpy(buf, v->valuestring, strlen(v->valuestring) + 1);
    return 0;
}

int esewa_status_parse(const char *body, size_t len, esewa_status_reply_t *out)
{
    memset(out, 0, sizeof *out);
    out->total_amount = -1;
    out->status = ESEWA_STATUS_UNKNOWN;
    cJSON *obj = cJSON_ParseWithLength(body, len);
    int rc = 0;
    if (!cJSON_IsObject(obj)) {
        rc = ERR_MALFORMED;
        goto out;
    }
    if (cJSON_GetObjectItemCaseSensitive(obj, "error_message") != NULL &&
        cJSON_GetObjectItemCaseSensitive(obj, "status") == NULL) {
        rc = ERR_UNAVAILABLE;
        goto out;
    }
    if (copy_str(obj, "status", out->status_text, sizeof out->status_text) != 0 ||
        out->status_text[0] == '\0' ||
        copy_str(obj, "product_code", out->product_code, sizeof out->product_code) != 0 ||
        copy_str(obj, "transaction_uuid", out->transaction_uuid, sizeof out->transaction_uuid) !=
            0 ||
        copy_str(obj, "ref_id", out->ref_id, sizeof out->ref_id) != 0) {
        rc = ERR_MALFORMED;
        goto out;
    }
    out->status = esewa_status_from(out->status_text);
    /* total_amount is a JSON number such as 100.0 (or a string in some answers): read
     * its text, never a double, so that the paisa are exact. */
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "total_amount");
    if (cJSON_IsString(t)) {
        int64_t v;
        if (esewa_amount_parse(t->valuestring, strlen(t->valuestring), &v) == 0)
            out->total_amount = v;
    } else if (cJSON_IsNumber(t)) {
        const char *raw;
        size_t raw_len;
        int64_t v;
        if (esewa_json_raw(body, len, "total_amount", &raw, &raw_len, NULL) == 0 &&
            esewa_amount_parse(raw, raw_len, &v) == 0)
            out->total_amount = v;
    }
out:
    cJSON_Delete(obj);
    return rc;
}
