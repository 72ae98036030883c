/* render.c - orders as JSON (see render.h). Each builder records a failed allocation
 * in *ok and keeps going harmlessly, so a function checks once at the end. */
#include "render.h"

#include <stdbool.h>

static void add_str(cJSON *o, const char *name, const char *v, bool *ok)
{
    if (*ok && cJSON_AddStringToObject(o, name, v != NULL ? v : "") == NULL)
        *ok = false;
}

static void add_num(cJSON *o, const char *name, int64_t v, bool *ok)
{
    if (*ok && cJSON_AddNumberToObject(o, name, (double)v) == NULL)
        *ok = false;
}

/* A string, or null when empty (optional values the API shows as null). */
static void add_str_or_null(cJSON *o, const char *name, const char *v, bool *ok)
{
    if (v != NULL && v[0] != '\0')
        add_str(o, name, v, ok);
    else if (*ok && cJSON_AddNullToObject(o, name) == NULL)
        *ok = false;
}

static cJSON *finish(cJSON *o, bool ok)
{
    if (!ok || o == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* The address; api selects snake_case names (API) or lowerCamelCase (events). */
static cJSON *address_json(const order_address_t *a, bool api)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    add_str(o, "name", a->name, &ok);
    add_str(o, "phone", a->phone, &ok);
    add_str(o, "line1", a->line1, &ok);
    if (api)
        add_str_or_null(o, "line2", a->line2, &ok);
    else if (a->line2[0] != '\0')
        add_str(o, "line2", a->line2, &ok);
    add_str(o, "city", a->city, &ok);
    add_str(o, "district", a->district, &ok);
    add_str(o, api ? "postal_code" : "postalCode", a->postal_code, &ok);
    add_str(o, "country", a->country, &ok);
    return finish(o, ok);
}

static cJSON *line_json(const order_line_t *l, bool api)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    add_str(o, api ? "product_id" : "productId", l->product_id, &ok);
    add_str(o, api ? "seller_id" : "sellerId", l->seller_id, &ok);
    add_str(o, "sku", l->sku, &ok);
    add_str(o, "title", l->title, &ok);
    add_num(o, api ? "unit_price" : "unitPrice", l->unit_price, &ok);
    add_num(o, "quantity", l->quantity, &ok);
    add_num(o, api ? "line_total" : "lineTotal", l->line_total, &ok);
    return finish(o, ok);
}

/* Adds name: [lines] to o. */
static void add_lines(cJSON *o, const char *name, const order_record_t *r, bool api, bool *ok)
{
    cJSON *arr = *ok ? cJSON_AddArrayToObject(o, name) : NULL;
    if (arr == NULL) {
        *ok = false;
        return;
    }
    for (int i = 0; *ok && i < r->line_count; i++) {
        cJSON *l = line_json(&r->lines[i], api);
        if (l == NULL || !cJSON_AddItemToArray(arr, l)) {
            cJSON_Delete(l);
            *ok = false;
        }
    }
}

static void add_address(cJSON *o, const order_record_t *r, bool api, bool *ok)
{
    cJSON *a = *ok ? address_json(&r->address, api) : NULL;
    if (a == NULL || !cJSON_AddItemToObject(o, "address", a)) {
        cJSON_Delete(a);
        *ok = false;
    }
}

/* The fields a summary and the full order share. */
static cJSON *order_head(const order_record_t *r)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    add_str(o, "order_id", r->id, &ok);
    add_str(o, "order_number", r->number, &ok);
    add_str(o, "customer_id", r->customer_id, &ok);
    add_str(o, "order_status", order_status_name(r->status), &ok);
    add_str(o, "payment_status", payment_status_name(r->payment_status), &ok);
    add_str(o, "payment_method", r->payment_method, &ok);
    add_str(o, "currency", r->totals.currency, &ok);
    add_num(o, "subtotal", r->totals.subtotal, &ok);
    add_num(o, "shipping_fee", r->totals.shipping_fee, &ok);
    add_num(o, "discount", r->totals.discount, &ok);
    add_num(o, "tax", r->totals.tax, &ok);
    add_num(o, "final_price", r->totals.final_price, &ok);
    return finish(o, ok);
}

cJSON *render_order(const order_record_t *r)
{
    cJSON *o = order_head(r);
    bool ok = o != NULL;
    add_lines(o, "items", r, true, &ok);
    add_address(o, r, true, &ok);
    add_str_or_null(o, "reservation_expires_at", r->reservation_expires_at, &ok);
    add_str(o, "created_at", r->created_at, &ok);
    add_str(o, "updated_at", r->updated_at, &ok);
    cJSON *hist = ok ? cJSON_AddArrayToObject(o, "history") : NULL;
    ok = ok && hist != NULL;
    for (int i = 0; ok && i < r->history_count; i++) {
        const order_history_t *h = &r->history[i];
        cJSON *e = cJSON_CreateObject();
        ok = e != NULL && cJSON_AddItemToArray(hist, e);
        if (!ok) {
            cJSON_Delete(e);
            break;
        }
        add_str_or_null(e, "from", h->from, &ok);
        add_str(e, "to", h->to, &ok);
        add_str(e, "at", h->at, &ok);
        add_str(e, "actor", h->actor, &ok);
    }
    return finish(o, ok);
}

cJSON *render_order_summary(const order_record_t *r)
{
    cJSON *o = order_head(r);
    bool ok = o != NULL;
    add_num(o, "item_count", r->item_count, &ok);
    add_str(o, "created_at", r->created_at, &ok);
    add_str(o, "updated_at", r->updated_at, &ok);
    return finish(o, ok);
}

cJSON *render_event_created(const order_record_t *r)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    add_str(o, "orderId", r->id, &ok);
    add_str(o, "orderNumber", r->number, &ok);
    add_str(o, "customerId", r->customer_id, &ok);
    add_str(o, "status", order_status_name(r->status), &ok);
    add_str(o, "paymentMethod", r->payment_method, &ok);
    add_str(o, "currency", r->totals.currency, &ok);
    add_num(o, "subtotal", r->totals.subtotal, &ok);
    add_num(o, "shippingFee", r->totals.shipping_fee, &ok);
    add_num(o, "discount", r->totals.discount, &ok);
    add_num(o, "tax", r->totals.tax, &ok);
    add_num(o, "total", r->totals.final_price, &ok);
    add_lines(o, "lines", r, false, &ok);
    add_address(o, r, false, &ok);
    if (r->cart_id[0] != '\0')
        add_str(o, "cartId", r->cart_id, &ok);
    if (r->reservation_expires_at[0] != '\0')
        add_str(o, "reservationExpiresAt", r->reservation_expires_at, &ok);
    add_str(o, "createdAt", r->created_at, &ok);
    return finish(o, ok);
}

cJSON *render_event_confirmed(const order_record_t *r, const char *confirmed_at)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    add_str(o, "orderId", r->id, &ok);
    add_str(o, "orderNumber", r->number, &ok);
    add_str(o, "customerId", r->customer_id, &ok);
    add_str(o, "currency", r->totals.currency, &ok);
    add_num(o, "total", r->totals.final_price, &ok);
    if (r->payment_id[0] != '\0')
        add_str(o, "paymentId", r->payment_id, &ok);
    add_lines(o, "lines", r, false, &ok);
    add_address(o, r, false, &ok);
    add_str(o, "confirmedAt", confirmed_at, &ok);
    return finish(o, ok);
}

cJSON *render_event_cancelled(const order_record_t *r, const char *reason, order_status_t previous,
                              const char *cancelled_at)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    add_str(o, "orderId", r->id, &ok);
    add_str(o, "orderNumber", r->number, &ok);
    add_str(o, "customerId", r->customer_id, &ok);
    add_str(o, "reason", reason, &ok);
    add_str(o, "previousStatus", order_status_name(previous), &ok);
    add_str(o, "paymentStatus", payment_status_name(r->payment_status), &ok);
    add_str(o, "cancelledAt", cancelled_at, &ok);
    return finish(o, ok);
}

cJSON *render_event_status_changed(const order_record_t *r, order_status_t from, order_status_t to,
                                   const char *actor, const char *changed_at)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    add_str(o, "orderId", r->id, &ok);
    add_str(o, "customerId", r->customer_id, &ok);
    if (order_status_name(from) != NULL)
        add_str(o, "from", order_status_name(from), &ok);
    add_str(o, "to", order_status_name(to), &ok);
    add_str(o, "actor", actor, &ok);
    add_str(o, "changedAt", changed_at, &ok);
    return finish(o, ok);
}
