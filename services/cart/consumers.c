/* consumers.c - the cart's event handlers. Each runs inside the common consumer's
 * transaction, after the event's id was recorded in processed_events, so a redelivered
 * event is skipped before it gets here. Events can still arrive out of order across
 * redeliveries and rebalances, so the read model's upserts compare versions (products)
 * and sequences (SKUs) and only ever move forward.
 *
 * A handler returns ERR_INVALID for an event that breaks its contract (it goes to
 * catalog.events.dlq etc. at once, where the contract test reports it); database
 * errors are retried by the consumer.
 */
#include "consumers.h"

#include <string.h>

#include "cart.h"
#include "common/errors.h"
#include "common/log.h"
#include "store.h"
#include "views.h"

static const char *type_of(const cJSON *event)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(event, "type");
    return cJSON_IsString(t) ? t->valuestring : "";
}

/* Every Product* event carries the product's snapshot after the change (the catalog's
 * contract), so one handler serves them all: the newest snapshot wins. Other types the
 * catalog may add later (categories, say) are none of the cart's business. */
static int on_catalog_event(PGconn *conn, const cJSON *event, void *arg)
{
    (void)arg;
    product_view_t v;
    if (strncmp(type_of(event), "Product", 7) != 0)
        return 0;
    if (product_view_from_event(event, &v) != 0) {
        log_warn("cart: %s without a valid product snapshot", type_of(event));
        return ERR_INVALID;
    }
    return store_product_upsert(conn, &v);
}

/* Every inventory event carries the SKU's counts after the change. */
static int on_inventory_event(PGconn *conn, const cJSON *event, void *arg)
{
    (void)arg;
    stock_view_t v;
    if (stock_view_from_event(event, &v) != 0) {
        log_warn("cart: %s without valid SKU counts or sequence", type_of(event));
        return ERR_INVALID;
    }
    return store_stock_upsert(conn, &v);
}

/* An order was created: what it bought leaves the customer's cart. */
static int on_order_created(PGconn *conn, const cJSON *event, void *arg)
{
    (void)arg;
    cart_order_t order;
    int removed = 0;
    int rc = cart_order_parse(cJSON_GetObjectItemCaseSensitive(event, "data"), &order);
    if (rc != 0) {
        log_warn("cart: OrderCreated without a valid customer and lines");
        return rc;
    }
    rc = store_cart_remove_bought(conn, &order, &removed);
    if (rc == 0 && removed > 0)
        log_info("cart: order %s took %d line(s) out of the cart of %s", order.order_id, removed,
                 order.customer_id);
    cart_order_free(&order);
    return rc;
}

static const event_route_t routes[] = {
    {"catalog.events", "*", on_catalog_event, NULL, NULL},
    {"inventory.events", "*", on_inventory_event, NULL, NULL},
    {"order.events", "OrderCreated", on_order_created, NULL, NULL},
};

const event_route_t *consumers_table(int *count)
{
    *count = (int)(sizeof routes / sizeof routes[0]);
    return routes;
}
