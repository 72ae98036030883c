/* movements.h - inventory's use cases: every movement of stock, each in one database
 * transaction together with its ledger rows and its events (outbox).
 *
 * Functions named *_tx run inside a transaction the caller opened on conn (the event
 * consumer's); the others open their own with db_tx, which retries deadlocks and
 * serialization failures. All return 0 or a negative code from common/errors.h, and
 * every refusal changes nothing.
 */
#ifndef INVENTORY_MOVEMENTS_H
#define INVENTORY_MOVEMENTS_H

#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/events.h"
#include "reservation.h"
#include "store.h"

/* Creates a SKU of a product (whose seller the caller has checked with the catalog) with
 * an initial count: SkuCreated, and BackInStock when quantity > 0. attributes is
 * borrowed (NULL = none); actor is the user id for the ledger. ERR_CONFLICT when the
 * code is taken. */
int movement_create_sku(const char *sku, const char *product_id, const char *seller_id,
                        const cJSON *attributes, int64_t quantity, const char *actor,
                        const event_ctx_t *ctx, sku_row_t *out);

typedef struct adjust_outcome {
    sku_row_t row;              /* the SKU afterwards, or as it stands after a refusal */
    sku_adjust_result_t result; /* OK, NOOP, or why it was refused */
} adjust_outcome_t;

/* Changes on_hand by value (set = false) or to value (set = true) for the product's
 * seller (user_id) or an admin: StockAdjusted, plus OutOfStock/BackInStock when
 * available crosses zero. ERR_NOT_FOUND, ERR_FORBIDDEN (another seller's SKU), or
 * ERR_CONFLICT with out->result BELOW_RESERVED or ABOVE_MAX. A change to the same count
 * is a success with result NOOP and no event. */
int movement_adjust(const char *sku, const char *user_id, bool admin, bool set, int64_t value,
                    const event_ctx_t *ctx, adjust_outcome_t *out);

typedef enum reserve_refusal {
    RESERVE_REFUSAL_NONE = 0,
    RESERVE_OUT_OF_STOCK, /* failed_sku has less than asked: failed_available */
    RESERVE_UNKNOWN_SKU,  /* failed_sku does not exist */
    RESERVE_LINES_DIFFER, /* the order already has a reservation of other lines */
} reserve_refusal_t;

typedef struct reserve_outcome {
    bool created;          /* true: reserved now (201); false: the existing one (200) */
    reservation_row_t res; /* the reservation; free with reservation_row_free */
    reserve_refusal_t refusal;
    char failed_sku[SKU_CODE_MAX + 1];
    int64_t failed_available;
} reserve_outcome_t;

/* Reserves sorted lines for an order, all or nothing, expiring ttl_seconds from now:
 * one StockReserved per line, plus OutOfStock for each SKU it empties. Idempotent by
 * order id: the same lines again answer the existing reservation (whatever its state).
 * ERR_CONFLICT (OUT_OF_STOCK or LINES_DIFFER) or ERR_NOT_FOUND (UNKNOWN_SKU), with
 * out->refusal saying which. out->res must be freed on every return. */
int movement_reserve(const char *order_id, const res_line_t *lines, int count, long ttl_seconds,
                     const event_ctx_t *ctx, reserve_outcome_t *out);

typedef struct finish_outcome {
    reservation_row_t res; /* the reservation afterwards; free with reservation_row_free */
    res_verdict_t verdict; /* APPLY (changed now), NOOP, REFUSE */
} finish_outcome_t;

/* Commits an order's reservation: the units leave on_hand and reserved (StockCommitted
 * per line). Repeating it is a no-op; after a release it is ERR_CONFLICT (verdict
 * REFUSE). ERR_NOT_FOUND for an order without a reservation. out->res must be freed. */
int movement_commit(const char *order_id, const event_ctx_t *ctx, finish_outcome_t *out);
int movement_commit_tx(PGconn *conn, const char *order_id, const event_ctx_t *ctx,
                       finish_outcome_t *out);

/* Releases an order's reservation for reason: the units are available again
 * (StockReleased per line, BackInStock for each SKU it refills). Repeating it, or
 * releasing a committed reservation, is a no-op. ERR_NOT_FOUND as above. */
int movement_release(const char *order_id, res_reason_t reason, const event_ctx_t *ctx,
                     finish_outcome_t *out);
int movement_release_tx(PGconn *conn, const char *order_id, res_reason_t reason,
                        const event_ctx_t *ctx, finish_outcome_t *out);

/* Releases up to max reservations whose expiry has passed (reason expired), one
 * transaction each, skipping rows another replica is handling. *released counts them.
 * Returns 0 or the first error (the rest wait for the next sweep). */
int movement_release_expired(int max, int *released);

#endif
