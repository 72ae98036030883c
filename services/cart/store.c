/* store.c - the cart service's SQL. Statements only: no rules, no HTTP. */
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/errors.h"

/* The columns of a line joined with the read model, in the order line_from() reads
 * them. i = cart_items, c = carts, p = products, s = sku_stock. */
#define LINE_COLUMNS                                                                               \
    "c.id, c.currency, i.id, i.product_id, i.sku, i.quantity, "                                    \
    "p.id IS NOT NULL, p.title, p.price, p.currency, p.status, "                                   \
    "s.sku IS NOT NULL, s.product_id, s.available"

#define LINE_JOINS                                                                                 \
    "LEFT JOIN products p ON p.id = i.product_id LEFT JOIN sku_stock s ON s.sku = i.sku"

static void line_from(const PGresult *res, int row, cart_line_t *l)
{
    memset(l, 0, sizeof *l);
    l->id = PQgetvalue(res, row, 2);
    l->product_id = PQgetvalue(res, row, 3);
    l->sku = PQgetvalue(res, row, 4);
    l->quantity = db_int64(res, row, 5);
    l->product_known = db_bool(res, row, 6);
    l->title = db_text(res, row, 7);
    l->unit_price = db_int64(res, row, 8);
    l->currency = db_text(res, row, 9);
    l->status = db_text(res, row, 10);
    l->stock_known = db_bool(res, row, 11);
    l->sku_product_id = db_text(res, row, 12);
    l->available = db_int64(res, row, 13);
}

/* Fills out from a result of LINE_COLUMNS rows; a row whose line id is NULL is the cart
 * without lines (the LEFT JOIN of an empty cart). Takes ownership of res. */
static int cart_read_from(PGresult *res, cart_read_t *out)
{
    int rows = PQntuples(res);
    memset(out, 0, sizeof *out);
    out->res = res;
    if (rows == 0)
        return 0;
    out->cart_id = PQgetvalue(res, 0, 0);
    out->currency = db_text(res, 0, 1);
    if (PQgetisnull(res, 0, 2))
        return 0;
    out->lines = calloc((size_t)rows, sizeof *out->lines);
    if (out->lines == NULL)
        return ERR_INTERNAL;
    for (int i = 0; i < rows; i++)
        line_from(res, i, &out->lines[i]);
    out->count = rows;
    return 0;
}

void store_cart_read_free(cart_read_t *r)
{
    if (r == NULL)
        return;
    free(r->lines);
    PQclear(r->res);
    memset(r, 0, sizeof *r);
}

int store_cart_read(PGconn *conn, const char *customer_id, cart_read_t *out)
{
    const char *p[] = {customer_id};
    PGresult *res;
    memset(out, 0, sizeof *out);
    int rc = db_run(conn,
                    "SELECT " LINE_COLUMNS " FROM carts c "
                    "LEFT JOIN cart_items i ON i.cart_id = c.id " LINE_JOINS
                    " WHERE c.customer_id = $1 ORDER BY i.added_at, i.id",
                    1, p, &res);
    if (rc != 0)
        return rc;
    rc = cart_read_from(res, out);
    if (rc != 0)
        store_cart_read_free(out);
    return rc;
}

/* A one-line result: ERR_NOT_FOUND when empty. Takes ownership of res. */
static int one_line_from(PGresult *res, cart_read_t *out)
{
    if (PQntuples(res) == 0) {
        PQclear(res);
        memset(out, 0, sizeof *out);
        return ERR_NOT_FOUND;
    }
    int rc = cart_read_from(res, out);
    if (rc != 0)
        store_cart_read_free(out);
    return rc;
}

int store_line_read(PGconn *conn, const char *customer_id, const char *line_id, cart_read_t *out)
{
    const char *p[] = {line_id, customer_id};
    PGresult *res;
    memset(out, 0, sizeof *out);
    int rc = db_run(conn,
                    "SELECT " LINE_COLUMNS " FROM cart_items i "
                    "JOIN carts c ON c.id = i.cart_id " LINE_JOINS
                    " WHERE i.id = $1 AND c.customer_id = $2",
                    2, p, &res);
    return rc != 0 ? rc : one_line_from(res, out);
}

int store_line_set_quantity(PGconn *conn, const char *customer_id, const char *line_id,
                            int64_t quantity, cart_read_t *out)
{
    char qty[24];
    snprintf(qty, sizeof qty, "%" PRId64, quantity);
    const char *p[] = {line_id, customer_id, qty};
    PGresult *res;
    memset(out, 0, sizeof *out);
    /* One statement: the UPDATE locks the row, so of concurrent updates each applies in
     * full and the last to commit wins; the outer SELECT joins the row as updated. The
     * customer is part of the match, so another customer's line is simply not found. */
    int rc = db_run(conn,
                    "WITH i AS ("
                    " UPDATE cart_items li SET quantity = $3::integer, updated_at = now()"
                    " FROM carts cc WHERE li.id = $1 AND li.cart_id = cc.id AND cc.customer_id = $2"
                    " RETURNING li.id, li.cart_id, li.product_id, li.sku, li.quantity) "
                    "SELECT " LINE_COLUMNS " FROM i JOIN carts c ON c.id = i.cart_id " LINE_JOINS,
                    3, p, &res);
    return rc != 0 ? rc : one_line_from(res, out);
}

int store_line_delete(PGconn *conn, const char *customer_id, const char *line_id)
{
    const char *p[] = {line_id, customer_id};
    PGresult *res;
    int rc = db_run(conn,
                    "DELETE FROM cart_items i USING carts c "
                    "WHERE i.id = $1 AND i.cart_id = c.id AND c.customer_id = $2 RETURNING 1",
                    2, p, &res);
    if (rc != 0)
        return rc;
    rc = PQntuples(res) == 1 ? 0 : ERR_NOT_FOUND;
    PQclear(res);
    return rc;
}

int store_cart_clear(PGconn *conn, const char *customer_id)
{
    const char *p[] = {customer_id};
    return db_exec(conn,
                   "DELETE FROM cart_items WHERE cart_id = "
                   "(SELECT id FROM carts WHERE customer_id = $1)",
                   1, p);
}

int store_cart_lock(PGconn *conn, const char *customer_id, const char *new_cart_id,
                    cart_lock_t *out)
{
    const char *p[] = {new_cart_id, customer_id};
    PGresult *res;
    memset(out, 0, sizeof *out);
    /* ON CONFLICT DO UPDATE creates or locks the row in one statement. */
    int rc = db_run(conn,
                    "INSERT INTO carts (id, customer_id) VALUES ($1, $2) "
                    "ON CONFLICT (customer_id) DO UPDATE SET updated_at = now() "
                    "RETURNING id, coalesce(currency, '')",
                    2, p, &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 1) {
        snprintf(out->cart_id, sizeof out->cart_id, "%s", PQgetvalue(res, 0, 0));
        snprintf(out->currency, sizeof out->currency, "%s", PQgetvalue(res, 0, 1));
    } else {
        rc = ERR_INTERNAL;
    }
    PQclear(res);
    return rc;
}

int store_cart_lines_of(PGconn *conn, const char *cart_id, const char *sku, int *line_count,
                        bool *found, char line_id[37], int64_t *quantity)
{
    const char *p[] = {cart_id, sku};
    PGresult *res;
    /* A new statement, so in READ COMMITTED its snapshot is taken after the cart's lock
     * was granted: it sees every line of the add that held the lock before. */
    int rc = db_run(conn,
                    "SELECT count(*), min(id::text) FILTER (WHERE sku = $2),"
                    " min(quantity) FILTER (WHERE sku = $2) "
                    "FROM cart_items WHERE cart_id = $1",
                    2, p, &res);
    if (rc != 0)
        return rc;
    *line_count = (int)db_int64(res, 0, 0);
    *found = !PQgetisnull(res, 0, 1);
    if (*found) {
        snprintf(line_id, 37, "%s", PQgetvalue(res, 0, 1));
        *quantity = db_int64(res, 0, 2);
    }
    PQclear(res);
    return 0;
}

int store_line_insert(PGconn *conn, const char *line_id, const char *cart_id,
                      const char *product_id, const char *sku, int64_t quantity)
{
    char qty[24];
    snprintf(qty, sizeof qty, "%" PRId64, quantity);
    const char *p[] = {line_id, cart_id, product_id, sku, qty};
    return db_exec(conn,
                   "INSERT INTO cart_items (id, cart_id, product_id, sku, quantity) "
                   "VALUES ($1, $2, $3, $4, $5::integer)",
                   5, p);
}

int store_line_update_quantity(PGconn *conn, const char *line_id, int64_t quantity)
{
    char qty[24];
    snprintf(qty, sizeof qty, "%" PRId64, quantity);
    const char *p[] = {line_id, qty};
    return db_exec(conn,
                   "UPDATE cart_items SET quantity = $2::integer, updated_at = now() "
                   "WHERE id = $1",
                   2, p);
}

int store_cart_touch(PGconn *conn, const char *cart_id, const char *currency)
{
    const char *p[] = {cart_id, currency};
    return db_exec(conn, "UPDATE carts SET currency = $2, updated_at = now() WHERE id = $1", 2, p);
}

int store_add_lookup(PGconn *conn, const char *product_id, const char *sku, PGresult **res,
                     bool *pfound, product_view_t *pv, bool *sfound, stock_view_t *sv)
{
    const char *p[] = {product_id, sku};
    memset(pv, 0, sizeof *pv);
    memset(sv, 0, sizeof *sv);
    /* One row whatever exists: the outer joins hang both lookups off a constant. */
    int rc = db_run(conn,
                    "SELECT p.id, p.title, p.price, p.currency, p.status, p.version,"
                    " s.sku, s.product_id, s.available, s.sequence "
                    "FROM (SELECT 1) one LEFT JOIN products p ON p.id = $1"
                    " LEFT JOIN sku_stock s ON s.sku = $2",
                    2, p, res);
    if (rc != 0)
        return rc;
    if (PQntuples(*res) != 1)
        return ERR_INTERNAL;
    *pfound = !PQgetisnull(*res, 0, 0);
    if (*pfound) {
        pv->id = PQgetvalue(*res, 0, 0);
        pv->title = PQgetvalue(*res, 0, 1);
        pv->price = db_int64(*res, 0, 2);
        pv->currency = PQgetvalue(*res, 0, 3);
        pv->status = PQgetvalue(*res, 0, 4);
        pv->version = db_int64(*res, 0, 5);
    }
    *sfound = !PQgetisnull(*res, 0, 6);
    if (*sfound) {
        sv->sku = PQgetvalue(*res, 0, 6);
        sv->product_id = PQgetvalue(*res, 0, 7);
        sv->available = db_int64(*res, 0, 8);
        sv->sequence = db_int64(*res, 0, 9);
    }
    return 0;
}

int store_product_get(PGconn *conn, const char *id, PGresult **res, bool *found,
                      product_view_t *out)
{
    const char *p[] = {id};
    memset(out, 0, sizeof *out);
    *found = false;
    int rc = db_run(
        conn, "SELECT id, title, price, currency, status, version FROM products WHERE id = $1", 1,
        p, res);
    if (rc != 0)
        return rc;
    if (PQntuples(*res) == 1) {
        *found = true;
        out->id = PQgetvalue(*res, 0, 0);
        out->title = PQgetvalue(*res, 0, 1);
        out->price = db_int64(*res, 0, 2);
        out->currency = PQgetvalue(*res, 0, 3);
        out->status = PQgetvalue(*res, 0, 4);
        out->version = db_int64(*res, 0, 5);
    }
    return 0;
}

int store_stock_get(PGconn *conn, const char *sku, PGresult **res, bool *found, stock_view_t *out)
{
    const char *p[] = {sku};
    memset(out, 0, sizeof *out);
    *found = false;
    int rc =
        db_run(conn, "SELECT sku, product_id, available, sequence FROM sku_stock WHERE sku = $1", 1,
               p, res);
    if (rc != 0)
        return rc;
    if (PQntuples(*res) == 1) {
        *found = true;
        out->sku = PQgetvalue(*res, 0, 0);
        out->product_id = PQgetvalue(*res, 0, 1);
        out->available = db_int64(*res, 0, 2);
        out->sequence = db_int64(*res, 0, 3);
    }
    return 0;
}

int store_product_upsert(PGconn *conn, const product_view_t *v)
{
    char price[24], version[24];
    snprintf(price, sizeof price, "%" PRId64, v->price);
    snprintf(version, sizeof version, "%" PRId64, v->version);
    const char *p[] = {v->id, v->title, price, v->currency, v->status, version};
    /* The WHERE of the DO UPDATE is what keeps the model moving forward only: a
     * redelivered or reordered older event, or a fallback answer older than an event
     * already applied, changes nothing. */
    return db_exec(conn,
                   "INSERT INTO products (id, title, price, currency, status, version) "
                   "VALUES ($1, $2, $3::bigint, $4, $5, $6::bigint) "
                   "ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, price = EXCLUDED.price,"
                   " currency = EXCLUDED.currency, status = EXCLUDED.status,"
                   " version = EXCLUDED.version, updated_at = now() "
                   "WHERE products.version < EXCLUDED.version",
                   6, p);
}

int store_stock_upsert(PGconn *conn, const stock_view_t *v)
{
    char available[24], sequence[24];
    snprintf(available, sizeof available, "%" PRId64, v->available);
    snprintf(sequence, sizeof sequence, "%" PRId64, v->sequence);
    const char *p[] = {v->sku, v->product_id, available, sequence};
    return db_exec(conn,
                   "INSERT INTO sku_stock (sku, product_id, available, sequence) "
                   "VALUES ($1, $2, $3::bigint, $4::bigint) "
                   "ON CONFLICT (sku) DO UPDATE SET product_id = EXCLUDED.product_id,"
                   " available = EXCLUDED.available, sequence = EXCLUDED.sequence,"
                   " updated_at = now() "
                   "WHERE sku_stock.sequence < EXCLUDED.sequence",
                   4, p);
}

int store_cart_remove_bought(PGconn *conn, const cart_order_t *order, int *removed)
{
    PGresult *res;
    const char *p[] = {order->customer_id};
    *removed = 0;
    /* The cart row lock orders this against a concurrent add to the same cart. */
    int rc = db_run(conn, "SELECT id FROM carts WHERE customer_id = $1 FOR UPDATE", 1, p, &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 0 ||
        (order->cart_id[0] != '\0' && strcmp(order->cart_id, PQgetvalue(res, 0, 0)) != 0)) {
        PQclear(res);
        return 0;
    }
    char cart_id[37];
    snprintf(cart_id, sizeof cart_id, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);

    for (int i = 0; i < order->count; i++) {
        char qty[24];
        snprintf(qty, sizeof qty, "%" PRId64, order->lines[i].quantity);
        const char *q[] = {cart_id, order->lines[i].sku, qty};
        /* Both halves see the same snapshot and match disjoint rows: a line bought in
         * full (or more) goes, a line with units left keeps the rest. */
        rc = db_run(conn,
                    "WITH gone AS (DELETE FROM cart_items WHERE cart_id = $1 AND sku = $2"
                    " AND quantity <= $3::bigint RETURNING 1), "
                    "kept AS (UPDATE cart_items SET quantity = quantity - $3::bigint,"
                    " updated_at = now() WHERE cart_id = $1 AND sku = $2 AND quantity > $3::bigint"
                    " RETURNING 1) "
                    "SELECT (SELECT count(*) FROM gone) + (SELECT count(*) FROM kept)",
                    3, q, &res);
        if (rc != 0)
            return rc;
        *removed += (int)db_int64(res, 0, 0);
        PQclear(res);
    }
    if (*removed > 0)
        rc = db_exec(conn, "UPDATE carts SET updated_at = now() WHERE id = $1", 1,
                     (const char *const[]){cart_id});
    return rc;
}
