/* order_events.c - reading OrderConfirmed and OrderCancelled (see order_events.h). */
#include "order_events.h"

#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/ids.h"
#include "common/json.h"

static const char *str(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *str_or_empty(const cJSON *obj, const char *name)
{
    const char *s = str(obj, name);
    return s != NULL ? s : "";
}

static const char *uuid_member(const cJSON *obj, const char *name)
{
    const char *s = str(obj, name);
    return s != NULL && id_is_uuid(s) ? s : NULL;
}

/* Orders lines by seller, then by their place in the order (the sort is not stable, so
 * the original index decides ties). */
typedef struct indexed_line {
    ship_line_t line;
    int index;
} indexed_line_t;

static int line_cmp(const void *a, const void *b)
{
    const indexed_line_t *x = a, *y = b;
    int c = strcmp(x->line.seller_id, y->line.seller_id);
    return c != 0 ? c : (x->index > y->index) - (x->index < y->index);
}

static int parse_lines(const cJSON *lines, order_confirmed_t *out)
{
    int n = cJSON_IsArray(lines) ? cJSON_GetArraySize(lines) : 0;
    if (n < 1 || n > ORDER_LINES_MAX)
        return ERR_INVALID;
    indexed_line_t *tmp = calloc((size_t)n, sizeof *tmp);
    out->lines = calloc((size_t)n, sizeof *out->lines);
    out->groups = calloc((size_t)n, sizeof *out->groups);
    if (tmp == NULL || out->lines == NULL || out->groups == NULL) {
        free(tmp);
        return ERR_INTERNAL;
    }
    int i = 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, lines)
    {
        ship_line_t *s = &tmp[i].line;
        tmp[i].index = i;
        s->product_id = uuid_member(l, "productId");
        s->seller_id = uuid_member(l, "sellerId");
        s->sku = str(l, "sku");
        s->title = str_or_empty(l, "title");
        if (s->product_id == NULL || s->seller_id == NULL || s->sku == NULL || s->sku[0] == '\0' ||
            json_int64(cJSON_GetObjectItemCaseSensitive(l, "quantity"), &s->quantity) != 0 ||
            s->quantity < 1) {
            free(tmp);
            return ERR_INVALID;
        }
        i++;
    }
    qsort(tmp, (size_t)n, sizeof *tmp, line_cmp);
    for (i = 0; i < n; i++) {
        out->lines[i] = tmp[i].line;
        seller_group_t *g = out->group_count > 0 ? &out->groups[out->group_count - 1] : NULL;
        if (g == NULL || strcmp(g->seller_id, tmp[i].line.seller_id) != 0) {
            g = &out->groups[out->group_count++];
            g->seller_id = tmp[i].line.seller_id;
            g->start = i;
        }
        g->count++;
    }
    out->line_count = n;
    free(tmp);
    return 0;
}

int order_confirmed_parse(const cJSON *data, order_confirmed_t *out)
{
    memset(out, 0, sizeof *out);
    out->order_id = uuid_member(data, "orderId");
    out->order_number = str(data, "orderNumber");
    out->customer_id = uuid_member(data, "customerId");
    const cJSON *addr = cJSON_GetObjectItemCaseSensitive(data, "address");
    if (out->order_id == NULL || out->order_number == NULL || out->order_number[0] == '\0' ||
        out->customer_id == NULL || !cJSON_IsObject(addr))
        return ERR_INVALID;
    order_address_t *a = &out->address;
    a->name = str_or_empty(addr, "name");
    a->phone = str_or_empty(addr, "phone");
    a->line1 = str_or_empty(addr, "line1");
    a->line2 = str_or_empty(addr, "line2");
    a->city = str_or_empty(addr, "city");
    a->district = str_or_empty(addr, "district");
    a->postal_code = str_or_empty(addr, "postalCode");
    a->country = str_or_empty(addr, "country");
    if (a->country[0] == '\0')
        return ERR_INVALID;
    int rc = parse_lines(cJSON_GetObjectItemCaseSensitive(data, "lines"), out);
    if (rc != 0)
        order_confirmed_free(out);
    return rc;
}

void order_confirmed_free(order_confirmed_t *o)
{
    if (o == NULL)
        return;
    free(o->lines);
    free(o->groups);
    o->lines = NULL;
    o->groups = NULL;
    o->line_count = o->group_count = 0;
}

cJSON *order_group_lines_json(const order_confirmed_t *o, int g)
{
    cJSON *arr = cJSON_CreateArray();
    bool ok = arr != NULL;
    const seller_group_t *grp = &o->groups[g];
    for (int i = grp->start; ok && i < grp->start + grp->count; i++) {
        const ship_line_t *l = &o->lines[i];
        cJSON *j = cJSON_CreateObject();
        ok = j != NULL && cJSON_AddItemToArray(arr, j) &&
             cJSON_AddStringToObject(j, "product_id", l->product_id) != NULL &&
             cJSON_AddStringToObject(j, "sku", l->sku) != NULL &&
             cJSON_AddStringToObject(j, "title", l->title) != NULL &&
             cJSON_AddNumberToObject(j, "quantity", (double)l->quantity) != NULL;
    }
    if (!ok) {
        cJSON_Delete(arr);
        return NULL;
    }
    return arr;
}

cJSON *order_address_json(const order_address_t *a)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || cJSON_AddStringToObject(o, "name", a->name) == NULL ||
        cJSON_AddStringToObject(o, "phone", a->phone) == NULL ||
        cJSON_AddStringToObject(o, "line1", a->line1) == NULL ||
        cJSON_AddStringToObject(o, "line2", a->line2) == NULL ||
        cJSON_AddStringToObject(o, "city", a->city) == NULL ||
        cJSON_AddStringToObject(o, "district", a->district) == NULL ||
        cJSON_AddStringToObject(o, "postal_code", a->postal_code) == NULL ||
        cJSON_AddStringToObject(o, "country", a->country) == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

const char *order_cancelled_order_id(const cJSON *data)
{
    return uuid_member(data, "orderId");
}
