/* payment.h - the payment aggregate's rules, without I/O: its statuses and what a
 * provider's outcome does to them, the amount check, refund arithmetic, and the data of
 * the events it publishes.
 *
 * Transitions (anything else leaves the payment as it is):
 *
 *   INITIATED  --succeeded--> SUCCEEDED            PaymentSucceeded
 *   INITIATED  --failed-----> FAILED               PaymentFailed
 *   FAILED     --succeeded--> SUCCEEDED            PaymentSucceeded (a late capture: the
 *                                                  money was taken, so it is recorded and,
 *                                                  the order being cancelled, refunded)
 *   SUCCEEDED | PARTIALLY_REFUNDED --refund--> PARTIALLY_REFUNDED | REFUNDED  PaymentRefunded
 */
#ifndef PAYMENT_PAYMENT_H
#define PAYMENT_PAYMENT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "provider.h"

#define PAYMENT_TOPIC "payment.events"

typedef enum payment_status {
    PAYMENT_INITIATED = 0,
    PAYMENT_SUCCEEDED,
    PAYMENT_FAILED,
    PAYMENT_REFUNDED,
    PAYMENT_PARTIALLY_REFUNDED,
} payment_status_t;

/* A payment as stored. Strings are copies (empty when NULL in the database). */
typedef struct payment_row {
    char id[37];
    char order_id[37];
    char customer_id[37];
    char provider[16];
    payment_status_t status;
    int64_t amount;
    char currency[4];
    int64_t refunded_amount;
    char provider_reference[PAY_REF_LEN];
    char provider_txn[PAY_REF_LEN];
    char failure_reason[128];
    int64_t version;
    char created_at[40];
    char updated_at[40];
} payment_row_t;

/* "INITIATED", ... Pure. */
const char *payment_status_name(payment_status_t s);

/* Parses a status name; 0 or ERR_INVALID. Pure. */
int payment_status_parse(const char *name, payment_status_t *out);

/* The status a verified outcome moves a payment in status s to, or -1 when it changes
 * nothing (a duplicate success, a failure after a success, a pending or ignored event).
 * Pure. */
int payment_next_status(payment_status_t s, pay_outcome_t outcome);

/* The event type a move to status `to` publishes ("PaymentSucceeded", ...). Pure. */
const char *payment_event_type(payment_status_t to);

/* True when what the provider reports matches the payment: the same amount (a success
 * must carry one; a failure may carry none, -1) and the same currency (an empty
 * currency means the provider's only one and is taken as the payment's). Pure. */
bool payment_amount_matches(const payment_row_t *p, int64_t amount, const char *currency,
                            pay_outcome_t outcome);

/* How much a refund of `requested` (0 = everything left) may take from p, given `pending`
 * minor units already being refunded: 0 and *amount, or ERR_CONFLICT when the payment is
 * not refundable (not captured, or nothing left) or requested exceeds what is left. Pure. */
int payment_refund_amount(const payment_row_t *p, int64_t pending, int64_t requested,
                          int64_t *amount);

/* The status after `refunded` minor units in total went back. Pure. */
payment_status_t payment_status_after_refund(const payment_row_t *p, int64_t refunded);

/* The data of a payment event (proto store.payment.v1.<type>): paymentId, orderId,
 * customerId, provider, amount, currency, status, providerReference, occurredAt, and
 * reason / refundId / refundAmount when given (NULL / 0 leave them out). now is unix
 * seconds. Caller owns the result; NULL on allocation failure. Pure. */
cJSON *payment_event_data(const payment_row_t *p, const char *reason, const char *refund_id,
                          int64_t refund_amount, int64_t now);

#endif
