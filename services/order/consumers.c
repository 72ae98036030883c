/* consumers.c - how an order moves on other contexts' events. Each handler runs inside
 * the common consumer's transaction, after the event's id was recorded in
 * processed_events (a redelivered event is skipped before it gets here), and locks the
 * order row first, so events about one order apply one at a time whatever their topic.
 *
 *   payment.events      PaymentSucceeded {orderId, paymentId, amount, currency}
 *                         amount and currency must be the order's total (else logged,
 *                         ignored); PAID; CONFIRMED once inventory committed too. For a
 *                         CANCELLED order: REFUND_PENDING (payment refunds it).
 *   payment.events      PaymentFailed {orderId}       PENDING_PAYMENT -> CANCELLED
 *                                                     (payment_failed), payment FAILED
 *   payment.events      PaymentRefunded {orderId}     payment REFUNDED
 *   inventory.events    StockCommitted {orderId}      stock committed; CONFIRMED once PAID
 *   inventory.events    StockReleased {orderId, reason}  while not committed and
 *                         PENDING_PAYMENT -> CANCELLED (reservation_expired, or
 *                         payment_failed); a PAID order then awaits its refund
 *   fulfillment.events  ShipmentCreated, ShipmentStatusChanged {shipmentId, orderId,
 *                         status | to}: the shipment's status in the read model; the
 *                         order follows the least advanced of its shipments
 *
 * An event about an order this service does not know (a checkout that failed after
 * reserving, say) changes nothing. An event without a valid orderId breaks its
 * contract: ERR_INVALID sends it to the DLQ.
 */
#include "consumers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/log.h"
#include "lifecycle.h"
#include "order.h"
#include "store.h"

static const char *str_member(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* What every handler starts from: the event's data, its order (locked), and the
 * context the events it causes carry. */
typedef struct incoming {
    const char *type;
    const cJSON *data;
    char order_id[37];
    event_ctx_t ctx;
    char actor[96];
    order_record_t order;
} incoming_t;

/* Reads the event and locks its order. 0, ERR_NOT_FOUND (unknown order: nothing to
 * do), ERR_INVALID (no valid orderId), or a database code. */
static int begin(PGconn *conn, const cJSON *event, const char *topic, incoming_t *in)
{
    memset(in, 0, sizeof *in);
    in->type = str_member(event, "type");
    in->data = cJSON_GetObjectItemCaseSensitive(event, "data");
    const char *order_id = str_member(in->data, "orderId");
    if (in->type == NULL || order_id == NULL || !id_is_uuid(order_id)) {
        log_warn("order: %s %s without a valid data.orderId", topic, in->type ? in->type : "?");
        return ERR_INVALID;
    }
    for (int i = 0; i < 37; i++)
        in->order_id[i] = (char)(order_id[i] >= 'A' && order_id[i] <= 'F' ? order_id[i] - 'A' + 'a'
                                                                          : order_id[i]);
    const char *tp = str_member(event, "traceparent");
    in->ctx.correlation_id = str_member(event, "correlationid");
    in->ctx.causation_id = str_member(event, "id");
    in->ctx.traceparent = tp != NULL && id_is_traceparent(tp) ? tp : NULL;
    snprintf(in->actor, sizeof in->actor, "%s:%s", topic, in->type);
    int rc = store_order_get(conn, in->order_id, true, false, &in->order);
    if (rc == ERR_NOT_FOUND)
        log_info("order: %s for unknown order %s; nothing to do", in->type, in->order_id);
    return rc;
}

/* Ends a handler: unknown orders are done, and the order is freed. */
static int end(incoming_t *in, int rc)
{
    order_record_free(&in->order);
    return rc == ERR_NOT_FOUND ? 0 : rc;
}

/* PAID and committed: the order is confirmed. */
static int confirm_if_ready(PGconn *conn, incoming_t *in)
{
    order_record_t *o = &in->order;
    if (o->status == ORDER_PENDING_PAYMENT && o->payment_status == PAYMENT_PAID &&
        o->stock_committed)
        return lifecycle_move(conn, o, ORDER_CONFIRMED, in->actor, NULL, &in->ctx);
    return lifecycle_save(conn, o);
}

static int apply_payment_succeeded(PGconn *conn, incoming_t *in)
{
    order_record_t *o = &in->order;
    int64_t amount = -1;
    const cJSON *am = cJSON_GetObjectItemCaseSensitive(in->data, "amount");
    const char *currency = str_member(in->data, "currency");
    const char *payment_id = str_member(in->data, "paymentId");
    if (am == NULL || json_int64(am, &amount) != 0 || currency == NULL ||
        amount != o->totals.final_price || strcmp(currency, o->totals.currency) != 0) {
        /* A payment for another amount is not this order's payment: whoever is owed
         * money back, it is not for the order to move. */
        log_error("order: PaymentSucceeded for %s of %lld %s, but the order is %lld %s; ignored",
                  o->id, (long long)amount, currency ? currency : "?",
                  (long long)o->totals.final_price, o->totals.currency);
        return 0;
    }
    if (payment_id != NULL)
        snprintf(o->payment_id, sizeof o->payment_id, "%s", payment_id);
    if (o->status == ORDER_CANCELLED) {
        /* Paid after it was cancelled (expired, say): the money goes back. */
        if (o->payment_status != PAYMENT_REFUNDED)
            o->payment_status = PAYMENT_REFUND_PENDING;
        log_warn("order: %s was paid after it was cancelled; refund pending", o->id);
        return lifecycle_save(conn, o);
    }
    if (o->payment_status == PAYMENT_PAID)
        return 0;
    o->payment_status = PAYMENT_PAID;
    return confirm_if_ready(conn, in);
}

static int apply_payment_failed(PGconn *conn, incoming_t *in)
{
    order_record_t *o = &in->order;
    /* A failed attempt after a successful one (or after the order moved on) changes
     * nothing: only an unpaid order is given up. */
    if (o->status != ORDER_PENDING_PAYMENT || o->payment_status == PAYMENT_PAID)
        return 0;
    o->payment_status = PAYMENT_FAILED;
    return lifecycle_move(conn, o, ORDER_CANCELLED, in->actor, "payment_failed", &in->ctx);
}

static int apply_payment_refunded(PGconn *conn, incoming_t *in)
{
    in->order.payment_status = PAYMENT_REFUNDED;
    return lifecycle_save(conn, &in->order);
}

static int apply_stock_committed(PGconn *conn, incoming_t *in)
{
    /* One event per line: the first one says the whole reservation committed (inventory
     * commits all lines in one transaction). */
    if (in->order.stock_committed)
        return 0;
    in->order.stock_committed = true;
    return confirm_if_ready(conn, in);
}

static int apply_stock_released(PGconn *conn, incoming_t *in)
{
    order_record_t *o = &in->order;
    const char *reason = str_member(in->data, "reason");
    /* Released because we cancelled it: already CANCELLED. Committed stock cannot be
     * released; anything else left the order without stock. */
    if (o->stock_committed || o->status != ORDER_PENDING_PAYMENT)
        return 0;
    const char *why = reason != NULL && strcmp(reason, "payment_failed") == 0 ? "payment_failed"
                      : reason != NULL && strcmp(reason, "expired") == 0 ? "reservation_expired"
                                                                         : "stock_released";
    if (strcmp(why, "payment_failed") == 0 && o->payment_status != PAYMENT_PAID)
        o->payment_status = PAYMENT_FAILED;
    return lifecycle_move(conn, o, ORDER_CANCELLED, in->actor, why, &in->ctx);
}

/* ShipmentCreated carries "status", ShipmentStatusChanged "to". */
static int apply_shipment(PGconn *conn, incoming_t *in)
{
    char(*statuses)[24] = NULL;
    int count = 0;
    order_record_t *o = &in->order;
    const char *shipment_id = str_member(in->data, "shipmentId");
    const char *seller_id = str_member(in->data, "sellerId");
    const char *status =
        str_member(in->data, strcmp(in->type, "ShipmentCreated") == 0 ? "status" : "to");
    if (shipment_id == NULL || !id_is_uuid(shipment_id) || status == NULL || strlen(status) >= 24 ||
        (seller_id != NULL && !id_is_uuid(seller_id))) {
        log_warn("order: %s without a valid shipmentId and status", in->type);
        return ERR_INVALID;
    }
    /* Forward only: a late event of an older status does not move a shipment back. */
    char current[24];
    int rc = store_shipment_status(conn, shipment_id, current);
    if (rc == 0) {
        order_status_t was = order_status_of_shipment(current);
        order_status_t now = order_status_of_shipment(status);
        if (now != ORDER_STATUS_INVALID && was != ORDER_STATUS_INVALID && now <= was)
            return 0;
    } else if (rc != ERR_NOT_FOUND) {
        return rc;
    }
    rc = store_shipment_put(conn, shipment_id, o->id, seller_id, status);
    if (rc == 0)
        rc = store_shipment_statuses(conn, o->id, &statuses, &count);
    if (rc != 0) {
        free(statuses);
        return rc;
    }
    const char **names = calloc((size_t)count + 1, sizeof *names);
    if (names == NULL) {
        free(statuses);
        return ERR_INTERNAL;
    }
    for (int i = 0; i < count; i++)
        names[i] = statuses[i];
    order_status_t target = order_status_from_shipments(names, count);
    free(names);
    free(statuses);
    /* Step through every status on the way, so the history and the events show each. */
    order_status_t next;
    while (rc == 0 && target != ORDER_STATUS_INVALID &&
           (next = order_next_toward(o->status, target)) != ORDER_STATUS_INVALID)
        rc = lifecycle_move(conn, o, next, in->actor, NULL, &in->ctx);
    return rc;
}

/* The steps every handler shares: read the event and lock its order, apply, and end
 * (an unknown order is done, and the order is freed). */
static int handle(PGconn *conn, const cJSON *event, const char *topic,
                  int (*apply)(PGconn *conn, incoming_t *in))
{
    incoming_t in;
    int rc = begin(conn, event, topic, &in);
    if (rc == 0)
        rc = apply(conn, &in);
    return end(&in, rc);
}

static int on_payment_succeeded(PGconn *conn, const cJSON *event, void *arg)
{
    (void)arg;
    return handle(conn, event, "payment.events", apply_payment_succeeded);
}

static int on_payment_failed(PGconn *conn, const cJSON *event, void *arg)
{
    (void)arg;
    return handle(conn, event, "payment.events", apply_payment_failed);
}

static int on_payment_refunded(PGconn *conn, const cJSON *event, void *arg)
{
    (void)arg;
    return handle(conn, event, "payment.events", apply_payment_refunded);
}

static int on_stock_committed(PGconn *conn, const cJSON *event, void *arg)
{
    (void)arg;
    return handle(conn, event, "inventory.events", apply_stock_committed);
}

static int on_stock_released(PGconn *conn, const cJSON *event, void *arg)
{
    (void)arg;
    return handle(conn, event, "inventory.events", apply_stock_released);
}

static int on_shipment(PGconn *conn, const cJSON *event, void *arg)
{
    (void)arg;
    return handle(conn, event, "fulfillment.events", apply_shipment);
}

static const event_route_t routes[] = {
    {"payment.events", "PaymentSucceeded", on_payment_succeeded, NULL, NULL},
    {"payment.events", "PaymentFailed", on_payment_failed, NULL, NULL},
    {"payment.events", "PaymentRefunded", on_payment_refunded, NULL, NULL},
    {"inventory.events", "StockCommitted", on_stock_committed, NULL, NULL},
    {"inventory.events", "StockReleased", on_stock_released, NULL, NULL},
    {"fulfillment.events", "ShipmentCreated", on_shipment, NULL, NULL},
    {"fulfillment.events", "ShipmentStatusChanged", on_shipment, NULL, NULL},
};

const event_route_t *consumers_table(int *count)
{
    *count = (int)(sizeof routes / sizeof routes[0]);
    return routes;
}
