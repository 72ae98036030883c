/* refunds.h - giving money back through the payment's provider. A refund is first
 * written PENDING (with the decision that caused it), then executed: the provider is
 * called outside any transaction, and its answer is recorded with PaymentRefunded in
 * one transaction. A provider that could not be reached leaves the refund PENDING for
 * the worker to retry; a provider without a refund API (eSewa) marks it MANUAL. */
#ifndef PAYMENT_REFUNDS_H
#define PAYMENT_REFUNDS_H

#include <stdint.h>

#include "common/events.h"
#include "store.h"

/* Decides an admin's refund of `amount` (0 = all that is left) of a payment and writes it
 * PENDING, leased to the caller. 0 with *out, ERR_NOT_FOUND, ERR_CONFLICT (not captured,
 * nothing left, or more than is left), or a database error. */
int refund_request(const char *payment_id, int64_t amount, const char *reason, const char *actor,
                   refund_row_t *out);

/* Executes a PENDING refund (any other status is left alone). Afterwards *out holds the
 * refund as it stands (status PENDING when the provider must be retried). 0, or an
 * error when the refund could not be read or recorded. */
int refund_execute(const char *refund_id, const event_ctx_t *ctx, refund_row_t *out);

#endif
