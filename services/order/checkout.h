/* checkout.h - the checkout steps, in this order: the items (the cart's, or the
 * explicit items of a "buy now"), priced by the catalog in one batch call and matched
 * to their SKUs by inventory in one more; the customer's address from identity; the
 * shipping fee from fulfillment; the client's expected total; then stock reserved in
 * inventory (all lines or none, keyed by the new order's id); then one transaction
 * writes the order PENDING_PAYMENT with its lines, its first history entry,
 * OrderCreated and OrderStatusChanged, and the Idempotency-Key's stored reply. Any
 * failure after the reservation releases it.
 *
 * Threads: an HTTP worker (it uses the worker's database connection and curl handle).
 */
#ifndef ORDER_CHECKOUT_H
#define ORDER_CHECKOUT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/events.h"
#include "pricing.h"

typedef struct checkout_req {
    const char *customer_id;
    const order_item_req_t *items; /* NULL: check out the customer's cart */
    int count;
    const char *address_id;
    const char *payment_method;
    bool has_expected_total;
    int64_t expected_total;
    const char *actor;      /* "customer:<id>" for the history */
    const char *idem_scope; /* with idem_key: the claimed Idempotency-Key to finish */
    const char *idem_key;
} checkout_req_t;

/* Why a checkout did not create an order: the reply to send. */
typedef struct checkout_failure {
    int status;       /* HTTP status */
    const char *code; /* stable error code */
    char message[160];
    cJSON *details; /* owned; may be NULL */
} checkout_failure_t;

/* The reservation's lifetime (ORDER_RESERVATION_TTL_SECONDS). */
void checkout_init(long reservation_ttl_seconds);

/* Runs the steps. 0 with *reply (the 201 body, the order as GET /orders/:id renders it;
 * caller frees), or a negative code with *fail filled (caller deletes fail->details). */
int checkout_run(const checkout_req_t *req, const event_ctx_t *ctx, char **reply,
                 checkout_failure_t *fail);

#endif
