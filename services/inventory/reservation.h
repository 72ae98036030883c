/* reservation.h - the rules of a stock reservation, without I/O: its lines, its state
 * machine, and which events of other contexts move it.
 *
 * A reservation holds stock for one order (keyed by the order id) until it is
 * committed (the payment succeeded: the units leave on_hand) or released (payment
 * failed, order cancelled, or the reservation expired: the units become available
 * again). See reservation.c for the transition table.
 */
#ifndef INVENTORY_RESERVATION_H
#define INVENTORY_RESERVATION_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/json.h"
#include "sku.h"

#define RESERVATION_LINES_MAX 100
#define RESERVATION_QTY_MAX   10000 /* units of one SKU in one order */
#define RESERVATION_TTL_MIN   1
#define RESERVATION_TTL_MAX   3600 /* the most a caller may ask for with ttl_seconds */

typedef struct res_line {
    char sku[SKU_CODE_MAX + 1];
    int64_t quantity;
} res_line_t;

/* Parses body's "lines" (an array of 1..RESERVATION_LINES_MAX {"sku","quantity"}) into a
 * new array sorted by SKU code, the order in which rows are locked. A SKU listed twice,
 * a bad code or a quantity outside 1..RESERVATION_QTY_MAX is recorded in chk (field
 * "lines" or "lines[i].sku"/"lines[i].quantity"). Returns 0 with *out (caller frees) and
 * *count, or ERR_INVALID (nothing to free). Pure. */
int reservation_lines_parse(json_check_t *chk, const cJSON *body, res_line_t **out, int *count);

/* Sorts lines by SKU code in place. Pure. */
void reservation_lines_sort(res_line_t *lines, int count);

/* True when two sorted line sets are the same SKUs with the same quantities. Pure. */
bool reservation_lines_equal(const res_line_t *a, int na, const res_line_t *b, int nb);

typedef enum res_status {
    RES_RESERVED = 0,
    RES_COMMITTED,
    RES_RELEASED,
} res_status_t;

typedef enum res_reason {
    RES_REASON_NONE = 0,
    RES_REASON_CANCELLED,
    RES_REASON_PAYMENT_FAILED,
    RES_REASON_EXPIRED,
} res_reason_t;

/* "RESERVED", "COMMITTED", "RELEASED"; and back (false for anything else). Pure. */
const char *reservation_status_name(res_status_t status);
bool reservation_status_parse(const char *name, res_status_t *out);

/* "cancelled", "payment_failed", "expired" (NULL for RES_REASON_NONE); and back. Pure. */
const char *reservation_reason_name(res_reason_t reason);
bool reservation_reason_parse(const char *name, res_reason_t *out);

/* What a request to commit or release does to a reservation in a given state. */
typedef enum res_verdict {
    RES_APPLY = 0, /* change the state and the counts */
    RES_NOOP,      /* already done: answer with the current state, change nothing */
    RES_REFUSE,    /* impossible (commit after release): 409, change nothing */
} res_verdict_t;

res_verdict_t reservation_on_commit(res_status_t status);
res_verdict_t reservation_on_release(res_status_t status);

/* What an event of another context asks of the reservation of its order. */
typedef enum res_event_action {
    RES_EVENT_IGNORE = 0,
    RES_EVENT_COMMIT,
    RES_EVENT_RELEASE,
} res_event_action_t;

/* payment.events PaymentSucceeded -> commit; payment.events PaymentFailed -> release
 * (payment_failed); order.events OrderCancelled -> release (cancelled); anything else
 * is ignored. *reason is set for releases. Pure. */
res_event_action_t reservation_action_for_event(const char *topic, const char *type,
                                                res_reason_t *reason);

/* The order id of such an event: data.orderId when it is a UUID, else NULL. Borrowed
 * from event. Pure. */
const char *reservation_event_order_id(const cJSON *event);

#endif
