/* store.h - every SQL statement of the cart service, and nothing else.
 *
 * Each function runs on the connection it is given, so the caller chooses whether it
 * runs inside a transaction (db_tx) or on its own. Returns 0 or a negative code from
 * common/errors.h: ERR_NOT_FOUND when the row does not exist (or is another customer's),
 * database errors as db_query maps them.
 */
#ifndef CART_STORE_H
#define CART_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "cart.h"
#include "views.h"

/* A cart (or one of its lines) read together with the read model. The lines' strings
 * point into res, so the whole struct lives and dies together. */
typedef struct cart_read {
    PGresult *res;
    const char *cart_id;  /* NULL when the customer has no cart */
    const char *currency; /* the cart's stored currency, NULL when never set */
    cart_line_t *lines;   /* in the order they were added */
    int count;
} cart_read_t;

/* Frees what a store_cart_read / store_line_* call filled (a zeroed struct is fine). */
void store_cart_read_free(cart_read_t *r);

/* The customer's cart with every line, each joined with its product and SKU stock from
 * the read model. A customer without a cart gets cart_id NULL and no lines. */
int store_cart_read(PGconn *conn, const char *customer_id, cart_read_t *out);

/* One line of the customer's cart, joined like store_cart_read. ERR_NOT_FOUND when the
 * line does not exist or is in another customer's cart. */
int store_line_read(PGconn *conn, const char *customer_id, const char *line_id, cart_read_t *out);

/* Sets a line's quantity in one statement (so concurrent updates of one line leave
 * exactly one of the sent quantities) and reads it back joined. ERR_NOT_FOUND when the
 * line is not in this customer's cart. */
int store_line_set_quantity(PGconn *conn, const char *customer_id, const char *line_id,
                            int64_t quantity, cart_read_t *out);

/* Deletes a line of the customer's cart; ERR_NOT_FOUND when there is no such line. */
int store_line_delete(PGconn *conn, const char *customer_id, const char *line_id);

/* Deletes every line of the customer's cart (0 even when there was none). */
int store_cart_clear(PGconn *conn, const char *customer_id);

/* ---- adding a line: these run inside one transaction -------------------------------- */

/* The state of a cart while a line is being added to it. */
typedef struct cart_lock {
    char cart_id[37];
    char currency[4]; /* "" when never set */
} cart_lock_t;

/* Creates the customer's cart if it has none (with new_cart_id) and locks its row until
 * the transaction ends; *out gets its id and stored currency. */
int store_cart_lock(PGconn *conn, const char *customer_id, const char *new_cart_id,
                    cart_lock_t *out);

/* The cart's line count, and its line of sku if any (*found, its id and quantity), in
 * one statement. Run after store_cart_lock, it sees every line committed before. */
int store_cart_lines_of(PGconn *conn, const char *cart_id, const char *sku, int *line_count,
                        bool *found, char line_id[37], int64_t *quantity);

/* Adds a line (the caller checked the SKU is not in the cart yet, under the lock). */
int store_line_insert(PGconn *conn, const char *line_id, const char *cart_id,
                      const char *product_id, const char *sku, int64_t quantity);

/* Sets the quantity of a line found by store_cart_lines_of (a merge). */
int store_line_update_quantity(PGconn *conn, const char *line_id, int64_t quantity);

/* Records the cart's currency (set by its first line). */
int store_cart_touch(PGconn *conn, const char *cart_id, const char *currency);

/* ---- the read model ----------------------------------------------------------------- */

/* The product and the SKU to add, from the read model in one statement: *pfound and
 * *sfound say which the model holds; p and st borrow from *res, which the caller
 * PQclear()s (set even when this fails after the query ran). */
int store_add_lookup(PGconn *conn, const char *product_id, const char *sku, PGresult **res,
                     bool *pfound, product_view_t *p, bool *sfound, stock_view_t *st);

/* A product of the read model: *found false when absent. *res is set whenever this
 * returns 0, found or not, and the caller PQclear()s it; out borrows from it. */
int store_product_get(PGconn *conn, const char *id, PGresult **res, bool *found,
                      product_view_t *out);

/* A SKU of the read model, like store_product_get. */
int store_stock_get(PGconn *conn, const char *sku, PGresult **res, bool *found, stock_view_t *out);

/* Stores a product unless the read model already has the same or a newer version. */
int store_product_upsert(PGconn *conn, const product_view_t *p);

/* Stores a SKU's stock unless the read model already has the same or a newer sequence. */
int store_stock_upsert(PGconn *conn, const stock_view_t *s);

/* ---- orders ------------------------------------------------------------------------- */

/* Takes what an order bought out of the customer's cart: each SKU's line loses the
 * bought quantity and goes when nothing is left. When order->cart_id is set and is not
 * this customer's cart, nothing changes. *removed counts lines deleted or reduced. */
int store_cart_remove_bought(PGconn *conn, const cart_order_t *order, int *removed);

#endif
