/* store.h - every SQL statement of the order service (schema `orders`), nothing else.
 *
 * Functions take the caller's connection; those that must run inside a transaction say
 * so. They return 0 or a negative code from errors.h (ERR_NOT_FOUND when a row asked
 * for does not exist, otherwise what db_query maps the SQLSTATE to). Times come back as
 * RFC 3339 UTC with milliseconds.
 */
#ifndef ORDER_STORE_H
#define ORDER_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "order.h"

/* Inserts the order row (o->id, customer, cart, statuses, method, totals, address,
 * reservation expiry), numbering it from the sequence; fills o->number, o->created_at,
 * o->updated_at. In a transaction. */
int store_order_insert(PGconn *conn, order_record_t *o);

/* Inserts o's lines (one statement). In the transaction of store_order_insert. */
int store_items_insert(PGconn *conn, const order_record_t *o);

/* Records a change of status (from "" or NULL for the creation); at[ORDER_TIME_LEN]
 * receives the time recorded. In a transaction. */
int store_history_insert(PGconn *conn, const char *order_id, const char *from, const char *to,
                         const char *actor, const char *reason, char *at);

/* Reads a whole order (lines, and history when with_history) into *out (caller frees
 * with order_record_free). for_update locks the order row (in a transaction).
 * ERR_NOT_FOUND when there is no such order. */
int store_order_get(PGconn *conn, const char *id, bool for_update, bool with_history,
                    order_record_t *out);

/* Writes the mutable fields of o back (statuses, payment id, stock flag, version,
 * cancel_reason when not NULL) and sets updated_at, which it copies into o. In the
 * transaction that locked the row. */
int store_order_update(PGconn *conn, order_record_t *o, const char *cancel_reason);

/* Filters of a list of orders; NULL members do not filter. */
typedef struct store_list_filter {
    const char *customer_id;
    const char *status;
    const char *from; /* created at or after (a date or an RFC 3339 time) */
    const char *to;   /* created before */
    bool has_cursor;
    int64_t cursor_us; /* the cursor's created_at, microseconds since the epoch */
    char cursor_id[37];
    int limit;
} store_list_filter_t;

/* Lists orders newest first (without lines or history; item_count is set). *out is an
 * array of *count records (caller frees each with order_record_free, then the array).
 * When another page follows, next_cursor[64] holds its cursor, else "". ERR_INVALID
 * when from/to are not times. */
int store_orders_list(PGconn *conn, const store_list_filter_t *f, order_record_t **out, int *count,
                      char next_cursor[64]);

/* The status of a shipment in the read model: 0 and status[24], or ERR_NOT_FOUND. */
int store_shipment_status(PGconn *conn, const char *shipment_id, char status[24]);

/* Creates or moves a shipment of the read model. In the transaction that locked its order. */
int store_shipment_put(PGconn *conn, const char *shipment_id, const char *order_id,
                       const char *seller_id, const char *status);

/* The statuses of every shipment of an order: *out is an array of *count strings in one
 * block (caller frees *out). */
int store_shipment_statuses(PGconn *conn, const char *order_id, char (**out)[24], int *count);

#endif
