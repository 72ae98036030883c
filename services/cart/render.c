/* render.c - JSON of carts and lines. Money goes out as JSON numbers of minor units:
 * MONEY_MAX_MINOR (10^11) is far inside the 2^53 a double holds exactly. */
#include "render.h"

#include <stdbool.h>

static bool add_string_or_null(cJSON *o, const char *name, const char *value)
{
    return value != NULL ? cJSON_AddStringToObject(o, name, value) != NULL
                         : cJSON_AddNullToObject(o, name) != NULL;
}

static bool add_number_or_null(cJSON *o, const char *name, bool present, int64_t value)
{
    return present ? cJSON_AddNumberToObject(o, name, (double)value) != NULL
                   : cJSON_AddNullToObject(o, name) != NULL;
}

cJSON *render_line(const cart_line_t *l)
{
    cJSON *o = cJSON_CreateObject();
    const char *reason = cart_flag_reason(l->flag);
    bool ok = o != NULL && cJSON_AddStringToObject(o, "id", l->id) != NULL &&
              cJSON_AddStringToObject(o, "product_id", l->product_id) != NULL &&
              cJSON_AddStringToObject(o, "sku", l->sku) != NULL &&
              add_string_or_null(o, "title", l->product_known ? l->title : NULL) &&
              add_number_or_null(o, "unit_price", l->product_known, l->unit_price) &&
              add_string_or_null(o, "currency", l->product_known ? l->currency : NULL) &&
              cJSON_AddNumberToObject(o, "quantity", (double)l->quantity) != NULL &&
              add_number_or_null(o, "line_total", l->has_line_total, l->line_total) &&
              cJSON_AddBoolToObject(o, "purchasable", reason == NULL) != NULL;
    if (ok && reason != NULL)
        ok = cJSON_AddStringToObject(o, "reason", reason) != NULL;
    if (ok && l->flag == CART_LINE_INSUFFICIENT_STOCK)
        ok = cJSON_AddNumberToObject(o, "available", (double)l->available) != NULL;
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *render_cart(const char *cart_id, const char *customer_id, const cart_line_t *lines,
                   int count, const cart_summary_t *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *items = NULL;
    bool ok = o != NULL && add_string_or_null(o, "id", cart_id) &&
              cJSON_AddStringToObject(o, "customer_id", customer_id) != NULL &&
              add_string_or_null(o, "currency", s->currency) &&
              (items = cJSON_AddArrayToObject(o, "items")) != NULL;
    for (int i = 0; ok && i < count; i++) {
        cJSON *line = render_line(&lines[i]);
        ok = line != NULL && cJSON_AddItemToArray(items, line);
        if (!ok)
            cJSON_Delete(line);
    }
    ok = ok && cJSON_AddNumberToObject(o, "line_count", s->line_count) != NULL &&
         cJSON_AddNumberToObject(o, "flagged_count", s->flagged_count) != NULL &&
         cJSON_AddNumberToObject(o, "item_count", (double)s->item_count) != NULL &&
         cJSON_AddNumberToObject(o, "subtotal", (double)s->subtotal) != NULL;
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}
