/* consumers.c - order events make and cancel shipments (see consumers.h). An event that
 * breaks its contract returns ERR_INVALID and goes to order.events.dlq at once; database
 * errors are retried by the consumer. */
#include "consumers.h"

#include <string.h>

#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"
#include "operations.h"
#include "order_events.h"

static const char *str_member(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The events this one causes carry its id and correlation. */
static event_ctx_t ctx_of(const cJSON *event)
{
    const char *tp = str_member(event, "traceparent");
    event_ctx_t ctx = {
        .correlation_id = str_member(event, "correlationid"),
        .causation_id = str_member(event, "id"),
        .traceparent = tp != NULL && id_is_traceparent(tp) ? tp : NULL,
    };
    return ctx;
}

static int on_order_confirmed(PGconn *conn, const cJSON *event, void *arg)
{
    (void)arg;
    order_confirmed_t order;
    int rc = order_confirmed_parse(cJSON_GetObjectItemCaseSensitive(event, "data"), &order);
    if (rc != 0) {
        log_warn("OrderConfirmed without a valid order id, number, customer, address or lines");
        return rc;
    }
    event_ctx_t ctx = ctx_of(event);
    rc = op_order_confirmed(conn, &order, &ctx);
    order_confirmed_free(&order);
    return rc;
}

static int on_order_cancelled(PGconn *conn, const cJSON *event, void *arg)
{
    (void)arg;
    const char *order_id =
        order_cancelled_order_id(cJSON_GetObjectItemCaseSensitive(event, "data"));
    if (order_id == NULL) {
        log_warn("OrderCancelled without a valid data.orderId");
        return ERR_INVALID;
    }
    event_ctx_t ctx = ctx_of(event);
    return op_order_cancelled(conn, order_id, &ctx);
}

static const event_route_t routes[] = {
    {"order.events", "OrderConfirmed", on_order_confirmed, NULL, NULL},
    {"order.events", "OrderCancelled", on_order_cancelled, NULL, NULL},
};

const event_route_t *consumers_table(int *count)
{
    *count = (int)(sizeof routes / sizeof routes[0]);
    return routes;
}
