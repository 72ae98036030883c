/* fuzz_fulfillment_events.c - what fulfillment reads from order.events
 * (services/fulfillment/order_events.c): OrderConfirmed becomes one shipment per seller,
 * OrderCancelled names the order to cancel. An accepted order's seller groups cover
 * every line exactly once, each line with a positive quantity.
 */
#include "common/ids.h"
#include "fuzz_support.h"
#include "order_events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *doc = fz_json_any(data, size);
    if (doc == NULL)
        return 0;
    order_confirmed_t o;
    if (order_confirmed_parse(doc, &o) == 0) {
        FZ_ASSERT(o.order_id != NULL && id_is_uuid(o.order_id) && o.line_count > 0);
        int covered = 0;
        for (int g = 0; g < o.group_count; g++) {
            FZ_ASSERT(o.groups[g].start == covered && o.groups[g].count > 0);
            covered += o.groups[g].count;
            cJSON *lines = order_group_lines_json(&o, g);
            FZ_ASSERT(lines != NULL && cJSON_GetArraySize(lines) == o.groups[g].count);
            cJSON_Delete(lines);
        }
        FZ_ASSERT(covered == o.line_count);
        for (int i = 0; i < o.line_count; i++)
            FZ_ASSERT(o.lines[i].quantity >= 1);
        cJSON *address = order_address_json(&o.address);
        FZ_ASSERT(address != NULL);
        cJSON_Delete(address);
        order_confirmed_free(&o);
    }
    const char *cancelled = order_cancelled_order_id(doc);
    FZ_ASSERT(cancelled == NULL || id_is_uuid(cancelled));
    cJSON_Delete(doc);
    return 0;
}
