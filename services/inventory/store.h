/* store.h - every SQL statement of inventory, and nothing else.
 *
 * Each function runs on the connection it is given, so the caller decides whether it
 * is part of a transaction. Returns 0 or a negative code from common/errors.h:
 * ERR_NOT_FOUND when the row does not exist, ERR_CONFLICT on a unique violation,
 * database failures as db_query maps them (ERR_RETRY for a deadlock or serialization
 * failure, which makes db_tx run the transaction again).
 *
 * Locking order, everywhere: the reservation row, then SKU rows in SKU code order, then
 * product_stock rows in product id order. Every transaction that takes more than one
 * kind of lock follows it, so they cannot deadlock on each other.
 */
#ifndef INVENTORY_STORE_H
#define INVENTORY_STORE_H

#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "reservation.h"
#include "sku.h"

#define STORE_TIME_LEN 32 /* "2024-01-02T03:04:05.678Z" and room */

typedef struct sku_row {
    char sku[SKU_CODE_MAX + 1];
    char product_id[37];
    char seller_id[37];
    int64_t on_hand;
    int64_t reserved;
    int64_t version;
    char updated_at[STORE_TIME_LEN];
} sku_row_t;

/* ---- SKUs and products ---- */

/* Inserts a SKU with version 1 and the initial on_hand; attributes is a JSON object as
 * text. ERR_CONFLICT when the code is taken. */
int store_sku_insert(PGconn *conn, const char *sku, const char *product_id, const char *seller_id,
                     const char *attributes, int64_t on_hand, sku_row_t *out);

/* Reads a SKU; with lock, locks its row until the transaction ends (FOR NO KEY UPDATE).
 * When attributes is not NULL it receives the attributes object (caller deletes). */
int store_sku_get(PGconn *conn, const char *sku, bool lock, sku_row_t *out, cJSON **attributes);

/* Locks the SKUs of sorted, validated codes in code order and reads them into rows
 * (count entries, in the same order). *found is how many exist; when it is less than
 * count, *missing names the first code that does not. */
int store_skus_lock(PGconn *conn, const res_line_t *lines, int count, sku_row_t *rows, int *found,
                    const char **missing);

typedef struct ledger_entry ledger_entry_t;

/* Writes row's counts and version to its SKU, sets row->updated_at, and appends the
 * ledger row e that explains the change (e->sku, on_hand_after and reserved_after are
 * taken from row), in one statement: the SKU's lock is held one round trip less. */
int store_sku_write(PGconn *conn, sku_row_t *row, const ledger_entry_t *e);

/* Sets the version of a SKU (its counts unchanged). */
int store_sku_version(PGconn *conn, const char *sku, int64_t version);

/* Makes sure the product has its product_stock row (no-op when present). */
int store_product_ensure(PGconn *conn, const char *product_id, const char *seller_id);

/* Adds delta (+1: a SKU came back in stock, -1: one ran out) to the product's count of
 * SKUs in stock under its row lock, bumping its version. Returns whether any SKU is in
 * stock afterwards and the new version. */
int store_product_cross(PGconn *conn, const char *product_id, int delta, bool *in_stock,
                        int64_t *version);

/* ---- the ledger ---- */

struct ledger_entry {
    const char *kind; /* created, adjusted, reserved, released, committed */
    int64_t on_hand_delta;
    int64_t reserved_delta;
    const char *order_id; /* NULL unless a reservation moved it */
    const char *reason;   /* release reason or NULL */
    const char *actor;    /* user id of a seller or admin, or NULL for the system */
};

/* Appends a ledger row for row's SKU with row's counts as the counts after it (for a
 * SKU just inserted; changes go through store_sku_write). */
int store_ledger_add(PGconn *conn, const sku_row_t *row, const ledger_entry_t *e);

/* One page of a SKU's ledger, newest first: movements with id below before_id (0 = from
 * the newest), at most limit of them. *items is a new array; *next_before is the id to
 * pass for the next page, 0 when this was the last. */
int store_ledger_page(PGconn *conn, const char *sku, int64_t before_id, int limit, cJSON **items,
                      int64_t *next_before);

/* ---- reservations ---- */

typedef struct reservation_row {
    char order_id[37];
    res_status_t status;
    res_reason_t reason;
    char expires_at[STORE_TIME_LEN];
    res_line_t *lines; /* sorted by SKU; owned: reservation_row_free() */
    int line_count;
} reservation_row_t;

void reservation_row_free(reservation_row_t *r);

/* Inserts a RESERVED reservation expiring ttl_seconds from now, unless one exists for the
 * order: then *inserted is false and nothing changes. When a concurrent transaction is
 * inserting the same order, this waits for it to finish. */
int store_reservation_insert(PGconn *conn, const char *order_id, long ttl_seconds, bool *inserted,
                             char expires_at[STORE_TIME_LEN]);

/* Reads a reservation with its lines; with lock, locks the reservation row. */
int store_reservation_get(PGconn *conn, const char *order_id, bool lock, reservation_row_t *out);

/* Inserts the lines of the order's reservation, for the SKUs that exist. When one does
 * not, *missing names the first (in code order) and nothing useful was written: the
 * caller rolls back. Runs before the SKUs are locked and takes no lock on them. */
int store_reservation_lines_insert(PGconn *conn, const char *order_id, const res_line_t *lines,
                                   int count, const char **missing);

/* Moves a reservation to COMMITTED or RELEASED (with reason). */
int store_reservation_finish(PGconn *conn, const char *order_id, res_status_t status,
                             res_reason_t reason);

/* Locks the oldest RESERVED reservation whose expiry has passed and that no other
 * transaction holds (SKIP LOCKED, so replicas sweeping at once take different rows).
 * ERR_NOT_FOUND when there is none. */
int store_reservation_claim_expired(PGconn *conn, char order_id[37]);

/* ---- availability ---- */

/* {"product_id","in_stock","skus":[{"sku","attributes","in_stock"}]}: no counts. */
int store_product_availability(PGconn *conn, const char *product_id, cJSON **out);

/* {"items":[{"sku","product_id","available"}]} for the validated codes that exist. */
int store_skus_available(PGconn *conn, const char *const *skus, int count, cJSON **out);

#endif
