/* operations.h - what changes a shipment, each in one transaction with its history rows
 * and its events in the outbox: creating shipments from a confirmed order, cancelling
 * them with the order, assigning a courier (by an admin or by the auto-assignment rule),
 * and moving a shipment along its status path.
 *
 * The op_order_* functions run on the consumer's connection inside its transaction; the
 * others open their own (db_tx) on the calling thread's pooled connection.
 */
#ifndef FULFILLMENT_OPERATIONS_H
#define FULFILLMENT_OPERATIONS_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "assign.h"
#include "common/events.h"
#include "order_events.h"
#include "shipment.h"
#include "store.h"

/* Sets the auto-assignment rule applied to new shipments (main.c, before threads start). */
void op_set_assign_rule(assign_rule_t rule);

/* The configured auto-assignment rule. */
assign_rule_t op_assign_rule(void);

/* OrderConfirmed: one CONFIRMED shipment per seller of the order (ShipmentCreated each),
 * matched to its zone, and a courier for each when auto-assignment is on (CourierAssigned).
 * A seller's shipment that already exists, or an order known cancelled, creates nothing. */
int op_order_confirmed(PGconn *conn, const order_confirmed_t *order, const event_ctx_t *ctx);

/* OrderCancelled: every shipment of the order not yet SHIPPED becomes CANCELLED (actor
 * "system", ShipmentStatusChanged each); later ones are left as they are (logged). */
int op_order_cancelled(PGconn *conn, const char *order_id, const event_ctx_t *ctx);

typedef enum assign_refusal {
    ASSIGN_REFUSE_NONE,
    ASSIGN_REFUSE_NO_SHIPMENT,
    ASSIGN_REFUSE_NO_COURIER,
    ASSIGN_REFUSE_INACTIVE, /* the courier is not active */
    ASSIGN_REFUSE_FULL,     /* the courier holds as many open shipments as its capacity */
    ASSIGN_REFUSE_TOO_LATE, /* the parcel already left (or the shipment is final) */
} assign_refusal_t;

typedef struct assign_outcome {
    assign_refusal_t refusal;
    shipment_row_t row; /* the shipment afterwards (free with store_shipment_row_free) */
} assign_outcome_t;

/* An admin assigns (or reassigns, before SHIPPED) a courier: a new tracking number and
 * CourierAssigned (rule "manual"). The same courier again changes nothing. 0, ERR_NOT_FOUND
 * or ERR_CONFLICT with out->refusal saying which, or a database error. */
int op_assign(const char *shipment_id, const char *courier_id, const event_ctx_t *ctx,
              assign_outcome_t *out);

/* Who moves a shipment. */
typedef struct move_actor {
    const char *kind;      /* "seller", "admin", "courier" */
    const char *id;        /* their id; NULL: the shipment's courier (a courier's callback) */
    const char *seller_id; /* non-NULL: only a shipment of this seller may be moved */
    bool same_is_ok;       /* a move to the status it already has succeeds unchanged
                            * (a courier's callback delivered twice) */
} move_actor_t;

typedef struct move_outcome {
    shipment_verdict_t verdict; /* why a move was refused (ERR_CONFLICT) */
    bool needs_courier;         /* refused: SHIPPED and later need a courier */
    bool unchanged;             /* same_is_ok applied */
    shipment_row_t row;         /* the shipment afterwards (free with store_shipment_row_free) */
} move_outcome_t;

/* Moves a shipment, found by id (or by tracking number when by_tracking), to status to:
 * a history row and ShipmentStatusChanged. 0, ERR_NOT_FOUND, ERR_FORBIDDEN (another
 * seller's shipment), ERR_CONFLICT (see out), or a database error. */
int op_move(const char *key, bool by_tracking, shipment_status_t to, const move_actor_t *actor,
            const event_ctx_t *ctx, move_outcome_t *out);

#endif
