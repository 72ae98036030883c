/* lifecycle.h - every change of an order's status, written the same way wherever it
 * comes from (checkout, a cancel request, an event): checked by order_transition(),
 * recorded in the status history, and published through the outbox in the same
 * transaction (OrderStatusChanged always, plus OrderCreated, OrderConfirmed or
 * OrderCancelled), each event with the order's next sequence number.
 *
 * All functions run inside the caller's transaction on conn, on an order row the
 * caller created or locked (store_order_get(..., for_update)).
 */
#ifndef ORDER_LIFECYCLE_H
#define ORDER_LIFECYCLE_H

#include <libpq-fe.h>

#include "common/events.h"
#include "order.h"

#define ORDER_TOPIC "order.events"

/* Inserts the new order o (status PENDING_PAYMENT, lines, totals, address filled),
 * its first history entry and OrderCreated + OrderStatusChanged. Fills o->number,
 * o->created_at, o->updated_at, o->version and o->history. */
int lifecycle_create(PGconn *conn, order_record_t *o, const char *actor, const event_ctx_t *ctx);

/* Moves o to `to`: ERR_CONFLICT (nothing written) when order_transition refuses.
 * cancel_reason names why for a cancellation (customer, admin, payment_failed,
 * reservation_expired) and is ignored otherwise. A PAID order that is cancelled goes
 * to REFUND_PENDING (payment refunds on OrderCancelled). Writes the row back. */
int lifecycle_move(PGconn *conn, order_record_t *o, order_status_t to, const char *actor,
                   const char *cancel_reason, const event_ctx_t *ctx);

/* Writes o's payment status, payment id and stock flag back without a status change
 * (no event: only status changes are published). */
int lifecycle_save(PGconn *conn, order_record_t *o);

#endif
