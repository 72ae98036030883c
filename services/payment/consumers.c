/* consumers.c - order.events OrderCancelled: remember the cancellation (a success that
 * arrives later is refunded at once, see settle.c) and queue a refund of every captured,
 * not yet refunded payment of the order. Runs inside the common consumer's transaction,
 * after the event id went into processed_events, so a redelivery is skipped before it
 * gets here. The refunds themselves are made by the worker, outside this transaction:
 * a provider call never holds a consumer transaction open. */
#include "consumers.h"

#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"
#include "payment.h"
#include "store.h"
#include "worker.h"

static int on_order_cancelled(PGconn *conn, const cJSON *event, void *arg)
{
    (void)arg;
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(event, "data");
    const cJSON *order = cJSON_GetObjectItemCaseSensitive(data, "orderId");
    const cJSON *why = cJSON_GetObjectItemCaseSensitive(data, "reason");
    if (!cJSON_IsString(order) || !id_is_uuid(order->valuestring)) {
        log_warn("payment: OrderCancelled without a valid orderId");
        return ERR_INVALID;
    }
    const char *reason =
        cJSON_IsString(why) && why->valuestring[0] ? why->valuestring : "cancelled";
    /* First the read model, then the payments' locks: the order settle.c takes them in
     * reverse, so a racing success is always seen by one side. */
    int rc = store_order_cancelled(conn, order->valuestring, reason);
    payment_row_t *rows = NULL;
    int count = 0;
    if (rc == 0)
        rc = store_payments_of_order(conn, order->valuestring, &rows, &count);
    for (int i = 0; rc == 0 && i < count; i++) {
        int64_t pending = 0, amount = 0;
        rc = store_refunds_pending_sum(conn, rows[i].id, &pending);
        if (rc != 0 || payment_refund_amount(&rows[i], pending, 0, &amount) != 0)
            continue;
        char id[ID_UUID_LEN];
        id_uuid(id);
        rc = store_refund_insert(conn, id, rows[i].id, amount, "order_cancelled", "system", 0);
        if (rc == 0)
            log_info("payment %s: order %s cancelled (%s): refund %s of %lld queued", rows[i].id,
                     order->valuestring, reason, id, (long long)amount);
    }
    free(rows);
    return rc;
}

/* The worker polls anyway; waking it once the refunds are committed saves the wait. */
static void wake_worker(void *arg)
{
    (void)arg;
    worker_wake();
}

static const event_route_t routes[] = {
    {"order.events", "OrderCancelled", on_order_cancelled, NULL, wake_worker},
};

const event_route_t *consumers_table(int *count)
{
    *count = (int)(sizeof routes / sizeof routes[0]);
    return routes;
}
