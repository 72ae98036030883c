/* consumers.c - the catalog's event handlers, in one dispatch table.
 *
 * inventory.events OutOfStock / BackInStock carry a SKU's counts after the change; the
 * catalog keeps a per-SKU read model and derives products.in_stock from it rather than
 * trusting the event's productInStock, because events of different SKUs of one product
 * travel on different partitions and may arrive in any order. A stale event of a SKU
 * (an older sequence) changes nothing. Each handler runs inside the common consumer's
 * transaction, which has already recorded the event id (a redelivery never gets here).
 */
#include "consumers.h"

#include "common/errors.h"
#include "common/log.h"
#include "stock.h"
#include "store.h"

static int on_stock_event(PGconn *conn, const cJSON *event, void *arg)
{
    (void)arg;
    stock_update_t u;
    if (stock_update_parse(event, &u) != 0) {
        log_warn("catalog: inventory event without a valid sku, productId or available");
        return ERR_INVALID;
    }
    return store_stock_apply(conn, &u);
}

static const event_route_t routes[] = {
    {"inventory.events", "OutOfStock", on_stock_event, NULL, NULL},
    {"inventory.events", "BackInStock", on_stock_event, NULL, NULL},
};

const event_route_t *consumers_table(int *count)
{
    *count = (int)(sizeof routes / sizeof routes[0]);
    return routes;
}
