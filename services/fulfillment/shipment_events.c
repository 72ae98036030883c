/* shipment_events.c - event payloads (see shipment_events.h). The stored snake_case
 * address and lines are renamed to proto3 JSON names field by field, so nothing a
 * shipment row happens to hold can leak an unknown field into an event. */
#include "shipment_events.h"

#include <stdbool.h>
#include <stddef.h>

static const char *member(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static bool set(cJSON *o, const char *name, const char *value)
{
    return cJSON_AddStringToObject(o, name, value != NULL ? value : "") != NULL;
}

/* Adds name: value unless value is NULL or empty (an unset proto3 string). */
static bool set_opt(cJSON *o, const char *name, const char *value)
{
    return value == NULL || value[0] == '\0' || cJSON_AddStringToObject(o, name, value) != NULL;
}

static cJSON *address_of(const cJSON *a)
{
    static const char *const fields[][2] = {
        {"name", "name"},
        {"phone", "phone"},
        {"line1", "line1"},
        {"line2", "line2"},
        {"city", "city"},
        {"district", "district"},
        {"postal_code", "postalCode"},
        {"country", "country"},
    };
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; o != NULL && i < sizeof fields / sizeof fields[0]; i++) {
        if (!set(o, fields[i][1], member(a, fields[i][0]))) {
            cJSON_Delete(o);
            o = NULL;
        }
    }
    return o;
}

static cJSON *lines_of(const cJSON *lines)
{
    cJSON *arr = cJSON_CreateArray();
    bool ok = arr != NULL;
    const cJSON *l;
    cJSON_ArrayForEach(l, lines)
    {
        const cJSON *q = cJSON_GetObjectItemCaseSensitive(l, "quantity");
        cJSON *o = ok ? cJSON_CreateObject() : NULL;
        ok = o != NULL && cJSON_AddItemToArray(arr, o) &&
             set(o, "productId", member(l, "product_id")) && set(o, "sku", member(l, "sku")) &&
             set(o, "title", member(l, "title")) &&
             cJSON_AddNumberToObject(o, "quantity", cJSON_IsNumber(q) ? q->valuedouble : 0) != NULL;
        if (!ok)
            break;
    }
    if (!ok) {
        cJSON_Delete(arr);
        return NULL;
    }
    return arr;
}

/* Adds a child, taking it; false (child freed) on failure. */
static bool put(cJSON *o, const char *name, cJSON *child)
{
    if (child == NULL)
        return false;
    if (!cJSON_AddItemToObject(o, name, child)) {
        cJSON_Delete(child);
        return false;
    }
    return true;
}

static cJSON *finish(cJSON *d, bool ok)
{
    if (!ok) {
        cJSON_Delete(d);
        return NULL;
    }
    return d;
}

cJSON *shipment_event_created(const shipment_view_t *s)
{
    cJSON *d = cJSON_CreateObject();
    bool ok = d != NULL && set(d, "shipmentId", s->id) && set(d, "orderId", s->order_id) &&
              set(d, "orderNumber", s->order_number) && set(d, "customerId", s->customer_id) &&
              set(d, "sellerId", s->seller_id) &&
              set(d, "status", shipment_status_name(s->status)) &&
              put(d, "lines", lines_of(s->lines)) && put(d, "address", address_of(s->address)) &&
              set(d, "createdAt", s->created_at);
    return finish(d, ok);
}

cJSON *shipment_event_courier_assigned(const shipment_view_t *s, const char *rule,
                                       const char *assigned_at)
{
    cJSON *d = cJSON_CreateObject();
    bool ok = d != NULL && set(d, "shipmentId", s->id) && set(d, "orderId", s->order_id) &&
              set(d, "customerId", s->customer_id) && set(d, "courierId", s->courier_id) &&
              set(d, "courierName", s->courier_name) &&
              set(d, "trackingNumber", s->tracking_number) && set(d, "rule", rule) &&
              set(d, "assignedAt", assigned_at);
    return finish(d, ok);
}

cJSON *shipment_event_status_changed(const shipment_view_t *s, shipment_status_t from,
                                     shipment_status_t to, const char *actor,
                                     const char *changed_at)
{
    cJSON *d = cJSON_CreateObject();
    bool ok = d != NULL && set(d, "shipmentId", s->id) && set(d, "orderId", s->order_id) &&
              set(d, "orderNumber", s->order_number) && set(d, "customerId", s->customer_id) &&
              set(d, "sellerId", s->seller_id) && set(d, "from", shipment_status_name(from)) &&
              set(d, "to", shipment_status_name(to)) && set(d, "actor", actor) &&
              set_opt(d, "trackingNumber", s->tracking_number) &&
              set_opt(d, "courierName", s->courier_name) && set(d, "changedAt", changed_at);
    return finish(d, ok);
}
