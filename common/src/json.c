/* json.c - strict field access for request bodies, collecting one message per bad field. */
#include "common/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/text.h"

/* Integers beyond 2^53 - 1 cannot be told apart from their neighbours once parsed as a
 * double (cJSON's representation), so they are rejected rather than silently rounded. */
#define JSON_MAX_SAFE_INT 9007199254740991.0

void json_check_init(json_check_t *chk)
{
    chk->fields = NULL;
}

void json_check_fail(json_check_t *chk, const char *field, const char *message)
{
    if (chk->fields == NULL) {
        chk->fields = cJSON_CreateObject();
        /* A check that cannot record a failure would let invalid input through. */
        if (chk->fields == NULL)
            abort();
    }
    if (cJSON_GetObjectItemCaseSensitive(chk->fields, field) != NULL)
        return;
    if (cJSON_AddStringToObject(chk->fields, field, message) == NULL)
        abort();
}

bool json_check_ok(const json_check_t *chk)
{
    return chk->fields == NULL;
}

cJSON *json_check_take_details(json_check_t *chk)
{
    cJSON *details = cJSON_CreateObject();
    if (details == NULL)
        return NULL;
    cJSON *fields = chk->fields ? chk->fields : cJSON_CreateObject();
    if (fields == NULL) {
        cJSON_Delete(details);
        return NULL;
    }
    cJSON_AddItemToObject(details, "fields", fields);
    chk->fields = NULL;
    return details;
}

void json_check_free(json_check_t *chk)
{
    cJSON_Delete(chk->fields);
    chk->fields = NULL;
}

/* Checks a present, non-null item as a string; NULL and a recorded failure when wrong. */
static const char *check_string(json_check_t *chk, const cJSON *item, const char *name, size_t min,
                                size_t max)
{
    char msg[128];
    if (!cJSON_IsString(item) || item->valuestring == NULL) {
        json_check_fail(chk, name, "must be a string");
        return NULL;
    }
    /* cJSON strings are NUL-terminated, so a "\u0000" escape ends the string there; the
     * length and UTF-8 checks below see only what a C caller will see. */
    size_t len = strlen(item->valuestring);
    if (!utf8_valid((const unsigned char *)item->valuestring, len)) {
        json_check_fail(chk, name, "must be valid UTF-8");
        return NULL;
    }
    if (len < min || len > max) {
        if (min == max)
            snprintf(msg, sizeof(msg), "must be exactly %zu bytes long", min);
        else if (min == 0)
            snprintf(msg, sizeof(msg), "must be at most %zu bytes long", max);
        else
            snprintf(msg, sizeof(msg), "must be between %zu and %zu bytes long", min, max);
        json_check_fail(chk, name, msg);
        return NULL;
    }
    return item->valuestring;
}

static const cJSON *field(const cJSON *obj, const char *name)
{
    if (!cJSON_IsObject(obj))
        return NULL;
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

const char *json_req_string(json_check_t *chk, const cJSON *obj, const char *name, size_t min,
                            size_t max)
{
    const cJSON *item = field(obj, name);
    if (item == NULL || cJSON_IsNull(item)) {
        json_check_fail(chk, name, "is required");
        return NULL;
    }
    return check_string(chk, item, name, min, max);
}

const char *json_opt_string(json_check_t *chk, const cJSON *obj, const char *name, size_t min,
                            size_t max)
{
    const cJSON *item = field(obj, name);
    if (item == NULL || cJSON_IsNull(item))
        return NULL;
    return check_string(chk, item, name, min, max);
}

/* Checks a present item as an integer in [min, max]. */
static int check_int(json_check_t *chk, const cJSON *item, const char *name, int64_t min,
                     int64_t max, int64_t *out)
{
    char msg[128];
    /* cJSON_IsNumber excludes strings ("2"), booleans and null by type. */
    if (cJSON_IsNumber(item)) {
        double d = item->valuedouble;
        if (isfinite(d) && d == trunc(d) && fabs(d) <= JSON_MAX_SAFE_INT) {
            int64_t v = (int64_t)d;
            if (v >= min && v <= max) {
                *out = v;
                return 0;
            }
        }
    }
    snprintf(msg, sizeof(msg), "must be an integer between %" PRId64 " and %" PRId64, min, max);
    json_check_fail(chk, name, msg);
    return ERR_INVALID;
}

int json_req_int(json_check_t *chk, const cJSON *obj, const char *name, int64_t min, int64_t max,
                 int64_t *out)
{
    const cJSON *item = field(obj, name);
    if (item == NULL) {
        json_check_fail(chk, name, "is required");
        return ERR_INVALID;
    }
    return check_int(chk, item, name, min, max, out);
}

int json_opt_int(json_check_t *chk, const cJSON *obj, const char *name, int64_t min, int64_t max,
                 int64_t *out)
{
    const cJSON *item = field(obj, name);
    /* null counts as absent, as it does for json_opt_string. */
    if (item == NULL || cJSON_IsNull(item))
        return 1;
    return check_int(chk, item, name, min, max, out);
}

int json_int64(const cJSON *item, int64_t *out)
{
    if (cJSON_IsNumber(item)) {
        double d = item->valuedouble;
        if (!isfinite(d) || d != trunc(d) || fabs(d) > JSON_MAX_SAFE_INT)
            return ERR_INVALID;
        *out = (int64_t)d;
        return 0;
    }
    if (!cJSON_IsString(item) || item->valuestring == NULL)
        return ERR_INVALID;
    const char *s = item->valuestring;
    bool negative = *s == '-';
    if (negative)
        s++;
    if (*s == '\0' || strlen(s) > 19)
        return ERR_INVALID;
    uint64_t v = 0;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return ERR_INVALID;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    /* 19 digits fit in uint64_t; the sign decides which int64_t bound applies. */
    if (v > (uint64_t)INT64_MAX + (negative ? 1u : 0u))
        return ERR_INVALID;
    *out = negative ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

cJSON *json_page(cJSON *items, int64_t next)
{
    cJSON *out = cJSON_CreateObject();
    char cursor[24];
    snprintf(cursor, sizeof cursor, "%" PRId64, next);
    if (out == NULL || !cJSON_AddItemToObject(out, "items", items)) {
        cJSON_Delete(items);
        cJSON_Delete(out);
        return NULL;
    }
    /* 0 means the last page: clients test next_cursor against null, never "0". */
    if ((next > 0 ? cJSON_AddStringToObject(out, "next_cursor", cursor)
                  : cJSON_AddNullToObject(out, "next_cursor")) == NULL) {
        cJSON_Delete(out);
        return NULL;
    }
    return out;
}

char *json_print(const cJSON *value)
{
    return cJSON_PrintUnformatted(value);
}
