/* store.h - every SQL statement of the catalog (the search statements are assembled by
 * search.c and run here). Statements only: no rules, no HTTP.
 *
 * Functions take the caller's connection (inside a transaction where the caller needs
 * one) and return 0 or an error code from errors.h (database errors mapped by db_query).
 * Times are RFC 3339 UTC with milliseconds.
 */
#ifndef CATALOG_STORE_H
#define CATALOG_STORE_H

#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "product.h"
#include "search.h"
#include "stock.h"

/* ---- categories ------------------------------------------------------------------------ */

/* Inserts a category under parent (NULL for a root), answering it as
 * {slug, name, parent, path, created_at} in *out (caller frees). ERR_NOT_FOUND when the
 * parent does not exist, ERR_INVALID when it would be deeper than CATEGORY_DEPTH_MAX,
 * ERR_CONFLICT when the slug is taken. Run it in a transaction (it locks the parent). */
int store_category_insert(PGconn *conn, const char *slug, const char *name, const char *parent,
                          cJSON **out);

/* Every category, ordered by path: {"items":[{slug, name, parent, path}]}. */
int store_category_list(PGconn *conn, cJSON **out);

/* Whether a category exists. */
int store_category_exists(PGconn *conn, const char *slug, bool *exists);

/* ---- products -------------------------------------------------------------------------- */

/* A time column as RFC 3339 UTC with milliseconds. */
#define STORE_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* The column list store_product_from_row() reads, over alias p (also as a literal, for
 * bench/catalog_sql.c, which prints the search statement for EXPLAIN). */
#define STORE_PRODUCT_COLUMNS_SQL                                                                  \
    "p.id, p.seller_id, p.title, p.description, p.price, p.currency, p.category_slug, "            \
    "p.images, p.status, p.review_status, p.rejection_reason, p.pending, p.in_stock, "             \
    "p.version, " STORE_TS("p.created_at") ", " STORE_TS("p.updated_at") ", " STORE_TS(            \
        "p.approved_at")
extern const char *const STORE_PRODUCT_COLUMNS;

/* Reads one row of STORE_PRODUCT_COLUMNS. ERR_INTERNAL on a malformed stored value. */
int store_product_from_row(const PGresult *res, int row, product_t *p);

/* Inserts a new product; fills its created/updated times. */
int store_product_insert(PGconn *conn, product_t *p);

/* Reads a product (FOR UPDATE when lock). ERR_NOT_FOUND when absent. */
int store_product_get(PGconn *conn, const char *id, bool lock, product_t *p);

/* Writes every mutable column of p and refreshes its updated time (and approved time
 * when approved; submitted_at when submitted, which orders the review queue). */
int store_product_update(PGconn *conn, product_t *p, bool submitted, bool approved);

/* A page of a seller's products (seller_id set, newest first) or of every product for
 * admins (seller_id NULL, oldest submission first), limit+1 rows, each row
 * STORE_PRODUCT_COLUMNS plus the cursor key as the last column. status, when not NULL,
 * matches the product's status or the review status of its pending edit. The cursor
 * (key, id) continues after that row. Caller PQclear()s *out. */
int store_product_page(PGconn *conn, const char *seller_id, const char *status, const char *key,
                       const char *id, int limit, PGresult **out);

/* Runs a statement built by search.c. Caller PQclear()s *out. */
int store_search(PGconn *conn, const search_sql_t *sql, PGresult **out);

/* Sets the trigram word-similarity threshold of this session (for search). */
int store_set_similarity(PGconn *conn, const char *threshold);

/* The internal view of up to 100 products:
 * [{id, seller_id, title, price, currency, category, status, in_stock, version}];
 * unknown ids are absent. ids must be UUIDs. */
int store_products_internal(PGconn *conn, const char *const *ids, int count, cJSON **items);

/* ---- images ---------------------------------------------------------------------------- */

int store_image_insert(PGconn *conn, const char *id, const char *product_id, const char *backend,
                       const char *name, const char *url, const char *content_type, long bytes);

/* Deletes the image rows of a product whose ids are not in keep, returning the deleted
 * (backend, name) rows in *gone so their files can be removed after COMMIT. */
int store_images_prune(PGconn *conn, const char *product_id, char keep[][37], int keep_count,
                       PGresult **gone);

/* ---- stock read model ------------------------------------------------------------------ */

/* Applies a SKU's stock unless a newer version of it was applied already, then sets the
 * product's in_stock to "any of its SKUs has available > 0". */
int store_stock_apply(PGconn *conn, const stock_update_t *u);

#endif
