/* stock_events.c - event payloads (see stock_events.h). int64 counts go out as JSON
 * numbers, which proto3 JSON parsers accept; every count is far below 2^53. */
#include "stock_events.h"

#include <stddef.h>

static cJSON *base(const stock_snapshot_t *s)
{
    cJSON *d = cJSON_CreateObject();
    if (d == NULL || cJSON_AddStringToObject(d, "sku", s->sku) == NULL ||
        cJSON_AddStringToObject(d, "productId", s->product_id) == NULL ||
        cJSON_AddNumberToObject(d, "onHand", (double)s->on_hand) == NULL ||
        cJSON_AddNumberToObject(d, "reserved", (double)s->reserved) == NULL ||
        cJSON_AddNumberToObject(d, "available", (double)(s->on_hand - s->reserved)) == NULL) {
        cJSON_Delete(d);
        return NULL;
    }
    return d;
}

cJSON *stock_event_sku_created(const stock_snapshot_t *s, const char *seller_id,
                               const cJSON *attributes)
{
    cJSON *d = base(s);
    cJSON *attrs = attributes != NULL && cJSON_IsObject(attributes)
                       ? cJSON_Duplicate(attributes, true)
                       : cJSON_CreateObject();
    if (d == NULL || attrs == NULL || cJSON_AddStringToObject(d, "sellerId", seller_id) == NULL ||
        !cJSON_AddItemToObject(d, "attributes", attrs)) {
        cJSON_Delete(attrs);
        cJSON_Delete(d);
        return NULL;
    }
    return d;
}

cJSON *stock_event_adjusted(const stock_snapshot_t *s, int64_t previous_on_hand)
{
    cJSON *d = base(s);
    if (d == NULL ||
        cJSON_AddNumberToObject(d, "delta", (double)(s->on_hand - previous_on_hand)) == NULL ||
        cJSON_AddNumberToObject(d, "previousOnHand", (double)previous_on_hand) == NULL) {
        cJSON_Delete(d);
        return NULL;
    }
    return d;
}

cJSON *stock_event_line(const stock_snapshot_t *s, const char *order_id, int64_t quantity,
                        const char *expires_at, const char *reason)
{
    cJSON *d = base(s);
    if (d == NULL || cJSON_AddStringToObject(d, "orderId", order_id) == NULL ||
        cJSON_AddNumberToObject(d, "quantity", (double)quantity) == NULL ||
        (expires_at != NULL && cJSON_AddStringToObject(d, "expiresAt", expires_at) == NULL) ||
        (reason != NULL && cJSON_AddStringToObject(d, "reason", reason) == NULL)) {
        cJSON_Delete(d);
        return NULL;
    }
    return d;
}

cJSON *stock_event_crossing(const stock_snapshot_t *s, bool product_in_stock,
                            int64_t product_sequence)
{
    cJSON *d = base(s);
    if (d == NULL || cJSON_AddBoolToObject(d, "productInStock", product_in_stock) == NULL ||
        cJSON_AddNumberToObject(d, "productSequence", (double)product_sequence) == NULL) {
        cJSON_Delete(d);
        return NULL;
    }
    return d;
}
