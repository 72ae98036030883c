/* store.h - every SQL statement of fulfillment, and nothing else.
 *
 * Each function runs on the connection it is given, so the caller decides whether it is
 * part of a transaction. Returns 0 or a negative code from common/errors.h:
 * ERR_NOT_FOUND when the row does not exist, ERR_CONFLICT on a unique violation, database
 * failures as db_query maps them (ERR_RETRY makes db_tx run the transaction again).
 *
 * Locking order, everywhere: shipment rows (in id order when several), then the
 * assign_cursor row, then courier rows (in seq order). Every transaction that takes more than one
 * kind of lock follows it, so they cannot deadlock on each other.
 *
 * Zones and couriers are rendered to their API JSON here, in SQL (one renderer each);
 * shipments come back as rows, since events are built from them too.
 */
#ifndef FULFILLMENT_STORE_H
#define FULFILLMENT_STORE_H

#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "assign.h"
#include "shipment.h"
#include "zone.h"

#define STORE_TIME_LEN 32 /* "2024-01-02T03:04:05.678Z" and room */

/* ---- zones ---- */

/* Inserts a zone; *out is its JSON (caller deletes). ERR_CONFLICT when the name is taken. */
int store_zone_insert(PGconn *conn, const zone_input_t *z, cJSON **out);

/* Replaces a zone's fields; *out as above. ERR_NOT_FOUND, or ERR_CONFLICT on the name. */
int store_zone_update(PGconn *conn, const char *id, const zone_input_t *z, cJSON **out);

/* Deletes a zone and takes it off every courier's zone list. ERR_NOT_FOUND. */
int store_zone_delete(PGconn *conn, const char *id);

/* True in *exists when a zone with this id exists. */
int store_zone_exists(PGconn *conn, const char *id, bool *exists);

/* A page of zones in creation order after seq after (0: from the start): *items is a JSON
 * array (caller deletes), *next the seq to continue after, 0 on the last page. */
int store_zones_page(PGconn *conn, int64_t after, int limit, cJSON **items, int64_t *next);

/* The active zones as the matcher reads them, listed by name. Free with
 * store_zone_set_free. */
typedef struct zone_set {
    zone_def_t *zones;
    int count;
    PGresult *res;      /* owns the strings */
    cJSON **lists;      /* parsed city and district arrays, 2 per zone */
    const char **names; /* the pointers zones[].cities/districts point into */
} zone_set_t;

int store_zones_active(PGconn *conn, zone_set_t *out);
void store_zone_set_free(zone_set_t *s);

/* ---- couriers ---- */

typedef struct courier_input {
    const char *name;
    const char *phone;
    const char *zones_json; /* JSON array of zone ids as text, or NULL: every zone */
    int64_t capacity;
    const char *tracking_prefix;
    bool active;
} courier_input_t;

/* Inserts a courier; *out is its JSON (caller deletes). */
int store_courier_insert(PGconn *conn, const courier_input_t *c, cJSON **out);

/* A page of couriers in creation order, each with its count of open shipments. */
int store_couriers_page(PGconn *conn, int64_t after, int limit, cJSON **items, int64_t *next);

typedef struct courier_row {
    char id[37];
    char name[256];
    char tracking_prefix[8];
    int64_t seq;
    int64_t capacity;
    int64_t open; /* open shipments assigned to it */
    bool active;
} courier_row_t;

/* Locks a courier row and reads it with its open shipments. ERR_NOT_FOUND. */
int store_courier_lock(PGconn *conn, const char *id, courier_row_t *out);

/* Locks every active courier (in seq order) and reads them as the assignment rule sees
 * them for a shipment in zone_id (NULL or "": none). *rows and *loads hold *count entries,
 * in seq order; caller frees both. */
int store_couriers_lock_active(PGconn *conn, const char *zone_id, courier_row_t **rows,
                               courier_load_t **loads, int *count);

/* Locks the round-robin cursor and reads the seq of the courier it chose last. */
int store_cursor_lock(PGconn *conn, int64_t *last_seq);

/* Moves the round-robin cursor to seq. */
int store_cursor_set(PGconn *conn, int64_t seq);

/* ---- shipments ---- */

typedef struct shipment_row {
    char id[37];
    char order_id[37];
    char order_number[64];
    char customer_id[37];
    char seller_id[37];
    shipment_status_t status;
    char courier_id[37]; /* "" before a courier is assigned */
    char courier_name[256];
    char tracking_number[40];
    char zone_id[37]; /* "" when no zone matched (or it was deleted) */
    int64_t version;
    char created_at[STORE_TIME_LEN];
    char updated_at[STORE_TIME_LEN];
    cJSON *address; /* owned: free with store_shipment_row_free */
    cJSON *lines;
} shipment_row_t;

/* Frees a row's JSON and zeroes it (safe on a zeroed row). */
void store_shipment_row_free(shipment_row_t *r);

typedef struct shipment_new {
    const char *order_id;
    const char *order_number;
    const char *customer_id;
    const char *seller_id;
    const char *zone_id; /* NULL: none */
    const char *address_json;
    const char *lines_json;
} shipment_new_t;

/* Inserts a CONFIRMED shipment of version 1 unless the order already has one for this
 * seller: *created says which, and out is the new row (untouched when not created). */
int store_shipment_insert(PGconn *conn, const shipment_new_t *s, bool *created,
                          shipment_row_t *out);

/* Reads a shipment by id; with lock, its row stays locked until the transaction ends. */
int store_shipment_get(PGconn *conn, const char *id, bool lock, shipment_row_t *out);

/* Reads and locks a shipment by tracking number. */
int store_shipment_lock_by_tracking(PGconn *conn, const char *tracking, shipment_row_t *out);

/* Locks the ids of an order's shipments in id order; *ids holds *count 37-byte ids
 * (caller frees). */
int store_order_shipments_lock(PGconn *conn, const char *order_id, char (**ids)[37], int *count);

/* Sets a locked shipment's status and version; updated_at into row. */
int store_shipment_set_status(PGconn *conn, shipment_row_t *row);

/* Sets a locked shipment's courier, tracking number and version; updated_at and the
 * assignment time (into assigned_at) are now. */
int store_shipment_set_courier(PGconn *conn, shipment_row_t *row, char assigned_at[STORE_TIME_LEN]);

/* Appends a history row (from NULL: the shipment was created); its time into at. */
int store_history_add(PGconn *conn, const char *shipment_id, const char *from, const char *to,
                      const char *actor, char at[STORE_TIME_LEN]);

/* A page of shipments in creation order, filtered by seller and status when not NULL;
 * *rows holds *count rows (free each, then the array). */
int store_shipments_page(PGconn *conn, const char *seller_id, const char *status, int64_t after,
                         int limit, shipment_row_t **rows, int *count, int64_t *next);

/* An order's shipments in creation order (*rows, *count as above), and the history of all
 * of them as a JSON array of {shipment_id, from, to, at, actor} in time order. */
int store_order_tracking(PGconn *conn, const char *order_id, shipment_row_t **rows, int *count,
                         cJSON **history);

/* Frees an array of rows. */
void store_shipment_rows_free(shipment_row_t *rows, int count);

/* Remembers that an order was cancelled (no-op when already known). */
int store_cancelled_order_add(PGconn *conn, const char *order_id);

/* True in *cancelled when the order was cancelled. */
int store_cancelled_order_is(PGconn *conn, const char *order_id, bool *cancelled);

#endif
