/* stock_events.h - the data of inventory's events (proto3 JSON of the messages in
 * proto-schemas/store/inventory/v1/inventory.proto), built without I/O.
 *
 * Every event is keyed by the SKU code (subject = key = sku) and carries the SKU's
 * counts after the change: sku, productId, onHand, reserved, available. The builders
 * return a new object (caller owns it, normally handing it to outbox_put) or NULL when
 * out of memory.
 */
#ifndef INVENTORY_STOCK_EVENTS_H
#define INVENTORY_STOCK_EVENTS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#define INVENTORY_TOPIC "inventory.events"

/* The event types; each one's dataschema is "store.inventory.v1." + type. */
#define EV_SKU_CREATED     "SkuCreated"
#define EV_STOCK_ADJUSTED  "StockAdjusted"
#define EV_STOCK_RESERVED  "StockReserved"
#define EV_STOCK_RELEASED  "StockReleased"
#define EV_STOCK_COMMITTED "StockCommitted"
#define EV_OUT_OF_STOCK    "OutOfStock"
#define EV_BACK_IN_STOCK   "BackInStock"

/* A SKU's counts after a change. */
typedef struct stock_snapshot {
    const char *sku;
    const char *product_id;
    int64_t on_hand;
    int64_t reserved;
} stock_snapshot_t;

/* SkuCreated: the counts, the product's seller and the variant attributes (borrowed;
 * copied into the result; NULL means none). */
cJSON *stock_event_sku_created(const stock_snapshot_t *s, const char *seller_id,
                               const cJSON *attributes);

/* StockAdjusted: delta = on_hand - previous_on_hand. */
cJSON *stock_event_adjusted(const stock_snapshot_t *s, int64_t previous_on_hand);

/* StockReserved (expires_at set, reason NULL), StockCommitted (both NULL) and
 * StockReleased (reason set): one line of an order's reservation. */
cJSON *stock_event_line(const stock_snapshot_t *s, const char *order_id, int64_t quantity,
                        const char *expires_at, const char *reason);

/* OutOfStock / BackInStock: whether any SKU of the product is still available, and the
 * product's stock sequence (grows with every crossing of any of its SKUs, so a reader of
 * events from several SKUs, on several partitions, can tell the newest). */
cJSON *stock_event_crossing(const stock_snapshot_t *s, bool product_in_stock,
                            int64_t product_sequence);

#endif
