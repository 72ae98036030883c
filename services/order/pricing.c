/* pricing.c - items, prices, totals and the shipping address of a checkout (see
 * pricing.h). Peers' answers are read defensively: a field missing or of the wrong type
 * makes the item unavailable (or the answer malformed), never a crash or a guess. */
#include "pricing.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/errors.h"
#include "common/ids.h"
#include "common/money.h"

static const char *str_of(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A JSON number that is a whole number in [0, MONEY_MAX_MINOR]. */
static bool money_of(const cJSON *obj, const char *name, int64_t *out)
{
    int64_t v;
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (item == NULL || json_int64(item, &v) != 0 || v < 0 || v > MONEY_MAX_MINOR)
        return false;
    *out = v;
    return true;
}

/* Copies src into dst[cap] when it fits whole; false otherwise (never truncates). */
static bool copy_fit(char *dst, size_t cap, const char *src)
{
    if (src == NULL || strlen(src) >= cap)
        return false;
    memcpy(dst, src, strlen(src) + 1);
    return true;
}

bool order_sku_valid(const char *sku)
{
    size_t n = sku != NULL ? strlen(sku) : 0;
    if (n < 1 || n > ORDER_SKU_MAX || !isalnum((unsigned char)sku[0]))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)sku[i];
        if (!isalnum(c) && c != '.' && c != '_' && c != '-')
            return false;
    }
    return true;
}

/* Lowercases a UUID into out[37] (ids are compared as the catalog returns them). */
static void lower_uuid(const char *in, char out[37])
{
    for (int i = 0; i < 36; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[36] = '\0';
}

int order_items_parse(json_check_t *chk, const cJSON *body, order_item_req_t **out, int *count)
{
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(body, "items");
    *out = NULL;
    *count = 0;
    int n = cJSON_IsArray(items) ? cJSON_GetArraySize(items) : -1;
    if (n < 1 || n > ORDER_LINES_MAX) {
        json_check_fail(chk, "items", "must be an array of 1 to 100 {product_id, sku, quantity}");
        return ERR_INVALID;
    }
    order_item_req_t *v = calloc((size_t)n, sizeof *v);
    if (v == NULL) {
        json_check_fail(chk, "items", "too many items");
        return ERR_INVALID;
    }
    bool ok = true;
    for (int i = 0; i < n; i++) {
        const cJSON *item = cJSON_GetArrayItem(items, i);
        char field[48];
        if (!cJSON_IsObject(item)) {
            snprintf(field, sizeof field, "items[%d]", i);
            json_check_fail(chk, field, "must be an object {product_id, sku, quantity}");
            ok = false;
            continue;
        }
        const char *pid = str_of(item, "product_id");
        if (pid == NULL || !id_is_uuid(pid)) {
            snprintf(field, sizeof field, "items[%d].product_id", i);
            json_check_fail(chk, field, "must be a UUID");
            ok = false;
        } else {
            lower_uuid(pid, v[i].product_id);
        }
        const char *sku = str_of(item, "sku");
        if (!order_sku_valid(sku)) {
            snprintf(field, sizeof field, "items[%d].sku", i);
            json_check_fail(chk, field, "must be a SKU code");
            ok = false;
        } else {
            snprintf(v[i].sku, sizeof v[i].sku, "%s", sku);
            for (int j = 0; j < i; j++) {
                if (strcmp(v[j].sku, sku) == 0) {
                    snprintf(field, sizeof field, "items[%d].sku", i);
                    json_check_fail(chk, field, "appears twice; put the quantities on one item");
                    ok = false;
                    break;
                }
            }
        }
        /* Checked on its own so that the message lands under the indexed name. */
        json_check_t sub;
        json_check_init(&sub);
        if (json_req_int(&sub, item, "quantity", 1, ORDER_QUANTITY_MAX, &v[i].quantity) != 0) {
            snprintf(field, sizeof field, "items[%d].quantity", i);
            json_check_fail(chk, field, "must be an integer from 1 to 10000");
            ok = false;
        }
        json_check_free(&sub);
    }
    if (!ok) {
        free(v);
        return ERR_INVALID;
    }
    *out = v;
    *count = n;
    return 0;
}

int order_items_from_cart(const cJSON *cart, order_item_req_t **out, int *count, char cart_id[37])
{
    *out = NULL;
    *count = 0;
    cart_id[0] = '\0';
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(cart, "items");
    const char *id = str_of(cart, "id");
    if (!cJSON_IsArray(items))
        return ERR_INVALID;
    if (id != NULL) {
        if (!id_is_uuid(id))
            return ERR_INVALID;
        lower_uuid(id, cart_id);
    }
    int n = cJSON_GetArraySize(items);
    if (n > ORDER_LINES_MAX)
        return ERR_INVALID;
    if (n == 0)
        return 0;
    order_item_req_t *v = calloc((size_t)n, sizeof *v);
    if (v == NULL)
        return ERR_INTERNAL;
    for (int i = 0; i < n; i++) {
        const cJSON *item = cJSON_GetArrayItem(items, i);
        const char *pid = str_of(item, "product_id");
        const char *sku = str_of(item, "sku");
        int64_t q;
        const cJSON *qi = cJSON_GetObjectItemCaseSensitive(item, "quantity");
        if (pid == NULL || !id_is_uuid(pid) || !order_sku_valid(sku) || qi == NULL ||
            json_int64(qi, &q) != 0 || q < 1 || q > ORDER_QUANTITY_MAX) {
            free(v);
            return ERR_INVALID;
        }
        lower_uuid(pid, v[i].product_id);
        snprintf(v[i].sku, sizeof v[i].sku, "%s", sku);
        v[i].quantity = q;
    }
    *out = v;
    *count = n;
    return 0;
}

/* The element of arr whose string member `key` equals value, or NULL. */
static const cJSON *find_by(const cJSON *arr, const char *key, const char *value)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        const char *v = str_of(e, key);
        if (v != NULL && strcasecmp(v, value) == 0)
            return e;
    }
    return NULL;
}

int order_price_lines(const order_item_req_t *items, int count, const cJSON *products,
                      const cJSON *skus, order_line_t *lines, order_totals_t *totals,
                      price_refusal_t *refusal, int *index)
{
    memset(totals, 0, sizeof *totals);
    *refusal = PRICE_OK;
    *index = -1;
    for (int i = 0; i < count; i++) {
        order_line_t *l = &lines[i];
        memset(l, 0, sizeof *l);
        *index = i;
        const cJSON *p = find_by(products, "id", items[i].product_id);
        const char *status = str_of(p, "status");
        const char *currency = str_of(p, "currency");
        const char *seller = str_of(p, "seller_id");
        if (p == NULL || status == NULL || strcmp(status, "APPROVED") != 0 ||
            !money_currency_valid(currency) || seller == NULL || !id_is_uuid(seller) ||
            !money_of(p, "price", &l->unit_price) ||
            !copy_fit(l->title, sizeof l->title, str_of(p, "title"))) {
            *refusal = PRICE_PRODUCT_UNAVAILABLE;
            return ERR_CONFLICT;
        }
        const cJSON *s = find_by(skus, "sku", items[i].sku);
        const char *owner = str_of(s, "product_id");
        /* find_by compares without case, but SKU codes are case-sensitive. */
        if (s == NULL || strcmp(str_of(s, "sku"), items[i].sku) != 0 || owner == NULL ||
            strcasecmp(owner, items[i].product_id) != 0) {
            *refusal = PRICE_SKU_MISMATCH;
            return ERR_CONFLICT;
        }
        if (i == 0) {
            memcpy(totals->currency, currency, 4);
        } else if (strcmp(totals->currency, currency) != 0) {
            *refusal = PRICE_CURRENCY_MISMATCH;
            return ERR_CONFLICT;
        }
        lower_uuid(seller, l->seller_id);
        memcpy(l->product_id, items[i].product_id, sizeof l->product_id);
        memcpy(l->sku, items[i].sku, sizeof l->sku);
        l->quantity = items[i].quantity;
        if (money_mul(l->unit_price, l->quantity, &l->line_total) != 0 ||
            money_add(totals->subtotal, l->line_total, &totals->subtotal) != 0) {
            *refusal = PRICE_LIMIT_EXCEEDED;
            return ERR_CONFLICT;
        }
    }
    *index = -1;
    totals->final_price = totals->subtotal;
    return 0;
}

const char *order_price_refusal_code(price_refusal_t r)
{
    switch (r) {
    case PRICE_PRODUCT_UNAVAILABLE:
        return "PRODUCT_UNAVAILABLE";
    case PRICE_SKU_MISMATCH:
        return "SKU_MISMATCH";
    case PRICE_CURRENCY_MISMATCH:
        return "CURRENCY_MISMATCH";
    case PRICE_LIMIT_EXCEEDED:
        return "LIMIT_EXCEEDED";
    case PRICE_OK:
        break;
    }
    return "OK";
}

int order_totals_finish(order_totals_t *t, int64_t shipping_fee)
{
    int64_t sum;
    if (shipping_fee < 0 || t->subtotal < 0 || t->discount < 0 || t->tax < 0)
        return ERR_INVALID;
    if (money_add(t->subtotal, shipping_fee, &sum) != 0 || money_add(sum, t->tax, &sum) != 0)
        return ERR_INVALID;
    /* A discount larger than the rest would be a negative total: refused, not clamped. */
    if (t->discount > sum)
        return ERR_INVALID;
    t->shipping_fee = shipping_fee;
    t->final_price = sum - t->discount;
    return 0;
}

/* Letters, digits, spaces and dashes, not empty. */
static bool postal_ok(const char *s)
{
    if (s == NULL || *s == '\0')
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != ' ' && *s != '-')
            return false;
    return true;
}

int order_address_parse(const cJSON *answer, order_address_t *out, const char **field)
{
    memset(out, 0, sizeof *out);
    struct {
        const char *name;
        char *dst;
        size_t cap;
    } req[] = {
        {"name", out->name, sizeof out->name},
        {"phone", out->phone, sizeof out->phone},
        {"line1", out->line1, sizeof out->line1},
        {"city", out->city, sizeof out->city},
        {"district", out->district, sizeof out->district},
        {"postal_code", out->postal_code, sizeof out->postal_code},
        {"country", out->country, sizeof out->country},
    };
    for (size_t i = 0; i < sizeof req / sizeof req[0]; i++) {
        const char *v = str_of(answer, req[i].name);
        if (v == NULL || *v == '\0' || !copy_fit(req[i].dst, req[i].cap, v)) {
            *field = req[i].name;
            return ERR_INVALID;
        }
    }
    const cJSON *line2 = cJSON_GetObjectItemCaseSensitive(answer, "line2");
    if (line2 != NULL && !cJSON_IsNull(line2) &&
        (!cJSON_IsString(line2) || !copy_fit(out->line2, sizeof out->line2, line2->valuestring))) {
        *field = "line2";
        return ERR_INVALID;
    }
    if (strlen(out->country) != 2 || !isupper((unsigned char)out->country[0]) ||
        !isupper((unsigned char)out->country[1])) {
        *field = "country";
        return ERR_INVALID;
    }
    if (!postal_ok(out->postal_code)) {
        *field = "postal_code";
        return ERR_INVALID;
    }
    *field = NULL;
    return 0;
}
