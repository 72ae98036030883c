/* settle.h - turning a verified provider outcome into the payment's new state: the
 * notification recorded once, the amount checked, and the status change with its event
 * written in one transaction; a success for an order already cancelled (or already paid
 * by another attempt) queues its refund in that same transaction. */
#ifndef PAYMENT_SETTLE_H
#define PAYMENT_SETTLE_H

#include "common/events.h"
#include "payment.h"
#include "provider.h"

typedef enum settle_result {
    SETTLE_APPLIED = 0,     /* the payment moved (and its event is in the outbox) */
    SETTLE_UNCHANGED,       /* recorded; the outcome changes nothing (pending, ignored, late) */
    SETTLE_DUPLICATE,       /* this provider event was recorded before: nothing done */
    SETTLE_REJECTED,        /* amount, currency or reference does not match: recorded, logged */
    SETTLE_UNKNOWN_PAYMENT, /* authentic, but about no payment of ours: recorded */
} settle_result_t;

/* "applied", "unchanged", ... Pure. */
const char *settle_result_name(settle_result_t r);

/* Applies ev, verified by provider, to the payment it names (payment_id, else the
 * provider reference) in one transaction on this thread's connection. kind is
 * "webhook", "return" or "lookup". *after gets the payment as it stands afterwards
 * (unless the payment is unknown). Returns 0 with *result, or a database error. */
int settle_apply(const char *provider, const char *kind, const pay_event_t *ev,
                 const event_ctx_t *ctx, settle_result_t *result, payment_row_t *after);

/* A view of a stored payment for the provider interface (borrows from p). */
pay_payment_t settle_view(const payment_row_t *p);

#endif
