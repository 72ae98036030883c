/* lifecycle.c - status changes with their history and events (see lifecycle.h). */
#include "lifecycle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "render.h"
#include "store.h"

/* Publishes one event about o with its next sequence number. Takes data. */
static int publish(PGconn *conn, order_record_t *o, const char *type, cJSON *data,
                   const event_ctx_t *ctx)
{
    char schema[64];
    if (data == NULL)
        return ERR_INTERNAL;
    snprintf(schema, sizeof schema, "store.order.v1.%s", type);
    o->version++;
    return outbox_put(conn, ORDER_TOPIC, o->id, type, schema, o->version, data, ctx);
}

/* Appends a history entry to o (so the reply shows it without reading it back). */
static int remember(order_record_t *o, const char *from, const char *to, const char *actor,
                    const char *at)
{
    order_history_t *h = realloc(o->history, (size_t)(o->history_count + 1) * sizeof *h);
    if (h == NULL)
        return ERR_INTERNAL;
    o->history = h;
    h = &o->history[o->history_count++];
    memset(h, 0, sizeof *h);
    snprintf(h->from, sizeof h->from, "%s", from != NULL ? from : "");
    snprintf(h->to, sizeof h->to, "%s", to);
    snprintf(h->actor, sizeof h->actor, "%s", actor);
    snprintf(h->at, sizeof h->at, "%s", at);
    return 0;
}

int lifecycle_create(PGconn *conn, order_record_t *o, const char *actor, const event_ctx_t *ctx)
{
    char at[ORDER_TIME_LEN];
    const char *to = order_status_name(o->status);
    o->version = 0;
    int rc = store_order_insert(conn, o);
    if (rc == 0)
        rc = store_items_insert(conn, o);
    if (rc == 0)
        rc = store_history_insert(conn, o->id, NULL, to, actor, NULL, at);
    if (rc == 0)
        rc = remember(o, NULL, to, actor, at);
    if (rc == 0)
        rc = publish(conn, o, "OrderCreated", render_event_created(o), ctx);
    if (rc == 0)
        rc = publish(conn, o, "OrderStatusChanged",
                     render_event_status_changed(o, ORDER_STATUS_INVALID, o->status, actor, at),
                     ctx);
    if (rc == 0)
        rc = store_order_update(conn, o, NULL); /* records the version the events used */
    return rc;
}

int lifecycle_move(PGconn *conn, order_record_t *o, order_status_t to, const char *actor,
                   const char *cancel_reason, const event_ctx_t *ctx)
{
    char at[ORDER_TIME_LEN];
    order_status_t from = o->status;
    if (order_transition(from, to) != 0)
        return ERR_CONFLICT;
    const char *reason = to == ORDER_CANCELLED ? cancel_reason : NULL;
    int rc = store_history_insert(conn, o->id, order_status_name(from), order_status_name(to),
                                  actor, reason, at);
    if (rc != 0)
        return rc;
    o->status = to;
    if (to == ORDER_CANCELLED && o->payment_status == PAYMENT_PAID)
        o->payment_status = PAYMENT_REFUND_PENDING;
    rc = remember(o, order_status_name(from), order_status_name(to), actor, at);
    if (rc == 0 && to == ORDER_CONFIRMED)
        rc = publish(conn, o, "OrderConfirmed", render_event_confirmed(o, at), ctx);
    if (rc == 0 && to == ORDER_CANCELLED)
        rc = publish(conn, o, "OrderCancelled",
                     render_event_cancelled(o, reason != NULL ? reason : "unknown", from, at), ctx);
    if (rc == 0)
        rc = publish(conn, o, "OrderStatusChanged",
                     render_event_status_changed(o, from, to, actor, at), ctx);
    if (rc == 0)
        rc = store_order_update(conn, o, reason);
    return rc;
}

int lifecycle_save(PGconn *conn, order_record_t *o)
{
    return store_order_update(conn, o, NULL);
}
