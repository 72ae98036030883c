/* esewa_sign.c - eSewa ePay v2 signatures: signing our form, verifying the success
 * redirect's `data`. No I/O; the HMAC and constant-time comparison come from
 * common/sig.h, base64 from the providers' shared helpers (provider.c). */
#include "esewa_sign.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/sig.h"
#include "common/text.h"
#include "provider.h"

int esewa_sign(const char *secret, const char *message, char sig[ESEWA_SIG_LEN])
{
    unsigned char mac[32];
    int rc = sig_hmac_sha256(secret, strlen(secret), message, strlen(message), mac);
    if (rc != 0)
        return rc;
    pay_base64(mac, sizeof mac, sig); /* 44 characters and a NUL */
    return 0;
}

/* A value that may go into a signed message: not empty, and no ',' or '=', which would
 * make the "name=value,..." message ambiguous. */
static bool value_ok(const char *v)
{
    return v != NULL && v[0] != '\0' && strpbrk(v, ",=") == NULL;
}

int esewa_sign_request(const char *secret, const char *total_amount, const char *uuid,
                       const char *product_code, char sig[ESEWA_SIG_LEN])
{
    if (!value_ok(total_amount) || !value_ok(uuid) || !value_ok(product_code))
        return ERR_INVALID;
    char storage[512];
    strbuf_t msg;
    strbuf_init(&msg, storage, sizeof storage);
    strbuf_str(&msg, "total_amount=");
    strbuf_str(&msg, total_amount);
    strbuf_str(&msg, ",transaction_uuid=");
    strbuf_str(&msg, uuid);
    strbuf_str(&msg, ",product_code=");
    strbuf_str(&msg, product_code);
    strbuf_add(&msg, "", 1);
    int rc = msg.failed ? ERR_INTERNAL : esewa_sign(secret, msg.p, sig);
    strbuf_free(&msg);
    return rc;
}

bool esewa_sig_equal(const char *a, const char *b)
{
    /* The length of a signature is public (always 44); only the bytes need hiding. */
    return sig_str_equal(a, b);
}

/* --- raw JSON member text ------------------------------------------------------------- */

static size_t skip_ws(const char *t, size_t len, size_t i)
{
    while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
        i++;
    return i;
}

/* Index just past the string starting at t[i] == '"', or 0 when it does not end. */
static size_t skip_string(const char *t, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (t[i] == '\\')
            i++;
        else if (t[i] == '"')
            return i + 1;
    }
    return 0;
}

/* Index just past the value starting at t[i], or 0 when it is cut short. Nested
 * objects and arrays are skipped by depth, minding strings. */
static size_t skip_value(const char *t, size_t len, size_t i)
{
    if (i >= len)
        return 0;
    if (t[i] == '"')
        return skip_string(t, len, i);
    if (t[i] == '{' || t[i] == '[') {
        int depth = 0;
        while (i < len) {
            if (t[i] == '"') {
                i = skip_string(t, len, i);
                if (i == 0)
                    return 0;
                continue;
            }
            if (t[i] == '{' || t[i] == '[')
                depth++;
            else if (t[i] == '}' || t[i] == ']') {
                if (--depth == 0)
                    return i + 1;
            }
            i++;
        }
        return 0;
    }
    /* A number or a literal: up to the next separator. */
    size_t start = i;
    while (i < len && strchr(",}] \t\r\n", t[i]) == NULL)
        i++;
    return i > start ? i : 0;
}

int esewa_json_raw(const char *text, size_t len, const char *name, const char **val,
                   size_t *val_len, bool *is_string)
{
    size_t nlen = strlen(name);
    size_t i = skip_ws(text, len, 0);
    if (i >= len || text[i] != '{')
        return ERR_MALFORMED;
    i = skip_ws(text, len, i + 1);
    if (i < len && text[i] == '}')
        return ERR_NOT_FOUND;
    while (i < len) {
        if (text[i] != '"')
            return ERR_MALFORMED;
        size_t key_end = skip_string(text, len, i);
        if (key_end == 0)
            return ERR_MALFORMED;
        /* The key's bytes between the quotes; a key written with escapes never matches
         * a plain name, which is what the names we look for are. */
        bool match = key_end - i - 2 == nlen && memcmp(text + i + 1, name, nlen) == 0;
        i = skip_ws(text, len, key_end);
        if (i >= len || text[i] != ':')
            return ERR_MALFORMED;
        i = skip_ws(text, len, i + 1);
        size_t vend = skip_value(text, len, i);
        if (vend == 0)
            return ERR_MALFORMED;
        if (match) {
            bool str = text[i] == '"';
            *val = text + i + (str ? 1 : 0);
            *val_len = vend - i - (str ? 2 : 0);
            if (is_string != NULL)
                *is_string = str;
            return 0;
        }
        i = skip_ws(text, len, vend);
        if (i < len && text[i] == ',') {
            i = skip_ws(text, len, i + 1);
            continue;
        }
        if (i < len && text[i] == '}')
            return ERR_NOT_FOUND;
        return ERR_MALFORMED;
    }
    return ERR_MALFORMED;
}

/* --- the success redirect ------------------------------------------------------------- */

/* Decodes base64 data (standard alphabet; '+' that arrived as ' ', and missing padding,
 * are tolerated) into a new NUL-terminated buffer. NULL when it is not base64. */
static char *b64_decode(const char *data, size_t *out_len)
{
    size_t n = strlen(data);
    if (n == 0 || n > ESEWA_DATA_MAX)
        return NULL;
    char *fixed = strdup(data);
    if (fixed == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (fixed[i] == ' ')
            fixed[i] = '+';
    char *bin = (char *)pay_base64_decode(fixed, out_len);
    free(fixed);
    return bin;
}

/* The text a field is signed with: a string's decoded value, or a number's (or other
 * literal's) raw token. Copies it into buf; returns ERR_INVALID when the field is
 * missing, an object or array, or does not fit. */
static int field_text(const cJSON *obj, const char *json, size_t json_len, const char *name,
                      char *buf, size_t size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (item == NULL || cJSON_IsObject(item) || cJSON_IsArray(item))
        return ERR_INVALID;
    if (cJSON_IsString(item)) {
        size_t n = strlen(item->valuestring);
        if (n >= size)
            return ERR_INVALID;
        memcpy(buf, item->valuestring, n + 1);
        return 0;
    }
    const char *raw;
    size_t raw_len;
    if (esewa_json_raw(json, json_len, name, &raw, &raw_len, NULL) != 0 || raw_len >= size)
        return ERR_INVALID;
    memcpy(buf, raw, raw_len);
    buf[raw_len] = '\0';
    return 0;
}

/* True when the comma-separated list names holds name as one entry. */
static bool list_has(const char *names, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = names; p != NULL; p = strchr(p, ',')) {
        if (*p == ',')
            p++;
        if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
            return true;
    }
    return false;
}

int esewa_verify_data(const char *secret, const char *data, esewa_result_t *out)
{
    static const char *const required[] = {"transaction_code", "status", "total_amount",
                                           "transaction_uuid", "product_code"};
    memset(out, 0, sizeof *out);
    size_t json_len = 0;
    char *json = b64_decode(data, &json_len);
    if (json == NULL)
        return ERR_MALFORMED;
    int rc = 0;
    char storage[1024], value[ESEWA_FIELD_MAX], names[512], given[ESEWA_FIELD_MAX];
    char expected[ESEWA_SIG_LEN];
    strbuf_t msg;
    strbuf_init(&msg, storage, sizeof storage);
    cJSON *obj = cJSON_ParseWithLength(json, json_len);
    if (!cJSON_IsObject(obj)) {
        rc = ERR_MALFORMED;
        goto out;
    }
    if (field_text(obj, json, json_len, "signed_field_names", names, sizeof names) != 0 ||
        field_text(obj, json, json_len, "signature", given, sizeof given) != 0) {
        rc = ERR_INVALID;
        goto out;
    }
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        if (!list_has(names, required[i])) {
            rc = ERR_INVALID; /* a field we act on that the signature does not cover */
            goto out;
        }
    }
    /* The message: every listed field as name=value, in the listed order. */
    const char *p = names;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
        char name[64];
        if (n == 0 || n >= sizeof name) {
            rc = ERR_INVALID;
            goto out;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        if (field_text(obj, json, json_len, name, value, sizeof value) != 0) {
            rc = ERR_INVALID;
            goto out;
        }
        if (msg.len > 0)
            strbuf_add(&msg, ",", 1);
        strbuf_str(&msg, name);
        strbuf_add(&msg, "=", 1);
        strbuf_str(&msg, value);
        p += n;
        if (*p == ',')
            p++;
    }
    strbuf_add(&msg, "", 1);
    if (msg.failed) {
        rc = ERR_INTERNAL;
        goto out;
    }
    rc = esewa_sign(secret, msg.p, expected);
    if (rc != 0)
        goto out;
    if (!esewa_sig_equal(expected, given)) {
        rc = ERR_UNAUTHORIZED;
        goto out;
    }
    char *const dest[] = {out->transaction_code, out->status, out->total_amount,
                          out->transaction_uuid, out->product_code};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        if (field_text(obj, json, json_len, required[i], dest[i], ESEWA_FIELD_MAX) != 0) {
            rc = ERR_INVALID;
            goto out;
        }
    }
out:
    if (rc != 0)
        memset(out, 0, sizeof *out);
    cJSON_Delete(obj);
    strbuf_free(&msg);
    free(json);
    return rc;
}

int esewa_data_peek(const char *data, char *uuid, size_t len)
{
    size_t json_len = 0;
    char *json = b64_decode(data, &json_len);
    if (json == NULL)
        return ERR_MALFORMED;
    cJSON *obj = cJSON_ParseWithLength(json, json_len);
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(obj, "transaction_uuid");
    int rc = ERR_MALFORMED;
    if (cJSON_IsString(u) && strlen(u->valuestring) < len) {
        memcpy(uuid, u->valuestring, strlen(u->valuestring) + 1);
        rc = 0;
    }
    cJSON_Delete(obj);
    free(json);
    return rc;
}
