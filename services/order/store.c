/* store.c - the order service's SQL. Statements only: no rules, no HTTP.
 *
 * Times leave the database as RFC 3339 UTC with milliseconds, what the API shows and
 * what proto3 JSON takes for a Timestamp. List cursors are (created_at, id) with
 * created_at in whole microseconds, so a page boundary is exact.
 */
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/json.h"

/* The columns read_order_row() expects, in its order; o is the orders table. */
#define ORDER_COLUMNS                                                                              \
    "o.id, o.order_number, o.customer_id, o.cart_id, o.order_status, o.payment_status, "           \
    "o.payment_method, o.payment_id, o.stock_committed, o.currency, o.subtotal, "                  \
    "o.shipping_fee, o.discount, o.tax, o.final_price, o.ship_name, o.ship_phone, "                \
    "o.ship_line1, o.ship_line2, o.ship_city, o.ship_district, o.ship_postal_code, "               \
    "o.ship_country, " DB_TS("o.reservation_expires_at") ", " DB_TS("o.created_at") ", " DB_TS(    \
        "o.updated_at") ", o.version, "                                                            \
                        "(SELECT coalesce(sum(quantity), 0) FROM "                                 \
                        "order_items i WHERE i.order_id = o.id), "                                 \
                        "(extract(epoch FROM o.created_at) * "                                     \
                        "1000000)::bigint"

static void copy_at(char *dst, size_t cap, const PGresult *res, int row, int col)
{
    snprintf(dst, cap, "%s", PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
}

static void read_order_row(const PGresult *res, int row, order_record_t *o)
{
    memset(o, 0, sizeof *o);
    copy_at(o->id, sizeof o->id, res, row, 0);
    copy_at(o->number, sizeof o->number, res, row, 1);
    copy_at(o->customer_id, sizeof o->customer_id, res, row, 2);
    copy_at(o->cart_id, sizeof o->cart_id, res, row, 3);
    o->status = order_status_parse(PQgetvalue(res, row, 4));
    o->payment_status = payment_status_parse(PQgetvalue(res, row, 5));
    copy_at(o->payment_method, sizeof o->payment_method, res, row, 6);
    copy_at(o->payment_id, sizeof o->payment_id, res, row, 7);
    o->stock_committed = PQgetvalue(res, row, 8)[0] == 't';
    copy_at(o->totals.currency, sizeof o->totals.currency, res, row, 9);
    o->totals.subtotal = db_int64(res, row, 10);
    o->totals.shipping_fee = db_int64(res, row, 11);
    o->totals.discount = db_int64(res, row, 12);
    o->totals.tax = db_int64(res, row, 13);
    o->totals.final_price = db_int64(res, row, 14);
    order_address_t *a = &o->address;
    copy_at(a->name, sizeof a->name, res, row, 15);
    copy_at(a->phone, sizeof a->phone, res, row, 16);
    copy_at(a->line1, sizeof a->line1, res, row, 17);
    copy_at(a->line2, sizeof a->line2, res, row, 18);
    copy_at(a->city, sizeof a->city, res, row, 19);
    copy_at(a->district, sizeof a->district, res, row, 20);
    copy_at(a->postal_code, sizeof a->postal_code, res, row, 21);
    copy_at(a->country, sizeof a->country, res, row, 22);
    copy_at(o->reservation_expires_at, sizeof o->reservation_expires_at, res, row, 23);
    copy_at(o->created_at, sizeof o->created_at, res, row, 24);
    copy_at(o->updated_at, sizeof o->updated_at, res, row, 25);
    o->version = db_int64(res, row, 26);
    o->item_count = db_int64(res, row, 27);
}

int store_order_insert(PGconn *conn, order_record_t *o)
{
    char subtotal[24], fee[24], discount[24], tax[24], total[24];
    snprintf(subtotal, sizeof subtotal, "%" PRId64, o->totals.subtotal);
    snprintf(fee, sizeof fee, "%" PRId64, o->totals.shipping_fee);
    snprintf(discount, sizeof discount, "%" PRId64, o->totals.discount);
    snprintf(tax, sizeof tax, "%" PRId64, o->totals.tax);
    snprintf(total, sizeof total, "%" PRId64, o->totals.final_price);
    const order_address_t *a = &o->address;
    const char *p[] = {
        o->id,
        o->customer_id,
        o->cart_id[0] ? o->cart_id : NULL,
        order_status_name(o->status),
        payment_status_name(o->payment_status),
        o->payment_method,
        o->totals.currency,
        subtotal,
        fee,
        discount,
        tax,
        total,
        a->name,
        a->phone,
        a->line1,
        a->line2[0] ? a->line2 : NULL,
        a->city,
        a->district,
        a->postal_code,
        a->country,
        o->reservation_expires_at[0] ? o->reservation_expires_at : NULL,
    };
    PGresult *res = NULL;
    int rc = db_run(
        conn,
        "INSERT INTO orders (id, order_number, customer_id, cart_id, order_status, "
        "payment_status, payment_method, currency, subtotal, shipping_fee, discount, tax, "
        "final_price, ship_name, ship_phone, ship_line1, ship_line2, ship_city, ship_district, "
        "ship_postal_code, ship_country, reservation_expires_at) "
        "VALUES ($1, 'ORD-' || lpad(nextval('order_number_seq')::text, 6, '0'), $2, $3, $4, $5, "
        "$6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) "
        "RETURNING order_number, " DB_TS("created_at") ", " DB_TS("updated_at"),
        21, p, &res);
    if (rc != 0)
        return rc;
    copy_at(o->number, sizeof o->number, res, 0, 0);
    copy_at(o->created_at, sizeof o->created_at, res, 0, 1);
    copy_at(o->updated_at, sizeof o->updated_at, res, 0, 2);
    PQclear(res);
    return 0;
}

int store_items_insert(PGconn *conn, const order_record_t *o)
{
    /* The lines travel as one JSON parameter, so any title is passed safely and the
     * insert is one round trip whatever the number of lines. */
    cJSON *arr = cJSON_CreateArray();
    bool ok = arr != NULL;
    for (int i = 0; ok && i < o->line_count; i++) {
        const order_line_t *l = &o->lines[i];
        cJSON *e = cJSON_CreateObject();
        ok = e != NULL && cJSON_AddItemToArray(arr, e) &&
             cJSON_AddNumberToObject(e, "line_no", i + 1) != NULL &&
             cJSON_AddStringToObject(e, "product_id", l->product_id) != NULL &&
             cJSON_AddStringToObject(e, "seller_id", l->seller_id) != NULL &&
             cJSON_AddStringToObject(e, "sku", l->sku) != NULL &&
             cJSON_AddStringToObject(e, "title", l->title) != NULL &&
             cJSON_AddNumberToObject(e, "unit_price", (double)l->unit_price) != NULL &&
             cJSON_AddNumberToObject(e, "quantity", (double)l->quantity) != NULL &&
             cJSON_AddNumberToObject(e, "line_total", (double)l->line_total) != NULL;
    }
    char *json = ok ? json_print(arr) : NULL;
    cJSON_Delete(arr);
    if (json == NULL)
        return ERR_INTERNAL;
    const char *p[] = {o->id, json};
    int rc = db_exec(conn,
                     "INSERT INTO order_items (order_id, line_no, product_id, seller_id, sku, "
                     "title, unit_price, quantity, line_total) "
                     "SELECT $1, line_no, product_id, seller_id, sku, title, unit_price, "
                     "quantity, line_total FROM jsonb_to_recordset($2::jsonb) AS x(line_no "
                     "integer, product_id uuid, seller_id uuid, sku text, title text, "
                     "unit_price bigint, quantity bigint, line_total bigint)",
                     2, p);
    free(json);
    return rc;
}

int store_history_insert(PGconn *conn, const char *order_id, const char *from, const char *to,
                         const char *actor, const char *reason, char *at)
{
    const char *p[] = {order_id, from != NULL && from[0] ? from : NULL, to, actor, reason};
    PGresult *res = NULL;
    int rc = db_run(conn,
                    "INSERT INTO order_status_history (order_id, from_status, to_status, actor, "
                    "reason) VALUES ($1, $2, $3, $4, $5) RETURNING " DB_TS("created_at"),
                    5, p, &res);
    if (rc != 0)
        return rc;
    snprintf(at, ORDER_TIME_LEN, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}

static int read_lines(PGconn *conn, order_record_t *o)
{
    const char *p[] = {o->id};
    PGresult *res = NULL;
    int rc = db_run(conn,
                    "SELECT product_id, seller_id, sku, title, unit_price, quantity, line_total "
                    "FROM order_items WHERE order_id = $1 ORDER BY line_no",
                    1, p, &res);
    if (rc != 0)
        return rc;
    int n = PQntuples(res);
    o->lines = n > 0 ? calloc((size_t)n, sizeof *o->lines) : NULL;
    if (n > 0 && o->lines == NULL) {
        PQclear(res);
        return ERR_INTERNAL;
    }
    for (int i = 0; i < n; i++) {
        order_line_t *l = &o->lines[i];
        copy_at(l->product_id, sizeof l->product_id, res, i, 0);
        copy_at(l->seller_id, sizeof l->seller_id, res, i, 1);
        copy_at(l->sku, sizeof l->sku, res, i, 2);
        copy_at(l->title, sizeof l->title, res, i, 3);
        l->unit_price = db_int64(res, i, 4);
        l->quantity = db_int64(res, i, 5);
        l->line_total = db_int64(res, i, 6);
    }
    o->line_count = n;
    PQclear(res);
    return 0;
}

static int read_history(PGconn *conn, order_record_t *o)
{
    const char *p[] = {o->id};
    PGresult *res = NULL;
    int rc = db_run(conn,
                    "SELECT from_status, to_status, actor, " DB_TS(
                        "created_at") " FROM order_status_history WHERE order_id = $1 ORDER BY id",
                    1, p, &res);
    if (rc != 0)
        return rc;
    int n = PQntuples(res);
    o->history = n > 0 ? calloc((size_t)n, sizeof *o->history) : NULL;
    if (n > 0 && o->history == NULL) {
        PQclear(res);
        return ERR_INTERNAL;
    }
    for (int i = 0; i < n; i++) {
        order_history_t *h = &o->history[i];
        copy_at(h->from, sizeof h->from, res, i, 0);
        copy_at(h->to, sizeof h->to, res, i, 1);
        copy_at(h->actor, sizeof h->actor, res, i, 2);
        copy_at(h->at, sizeof h->at, res, i, 3);
    }
    o->history_count = n;
    PQclear(res);
    return 0;
}

int store_order_get(PGconn *conn, const char *id, bool for_update, bool with_history,
                    order_record_t *out)
{
    const char *p[] = {id};
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    int rc = db_run(conn,
                    for_update ? "SELECT " ORDER_COLUMNS " FROM orders o WHERE o.id = $1 "
                                 "FOR UPDATE OF o"
                               : "SELECT " ORDER_COLUMNS " FROM orders o WHERE o.id = $1",
                    1, p, &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return ERR_NOT_FOUND;
    }
    read_order_row(res, 0, out);
    PQclear(res);
    rc = read_lines(conn, out);
    if (rc == 0 && with_history)
        rc = read_history(conn, out);
    if (rc != 0)
        order_record_free(out);
    return rc;
}

int store_order_update(PGconn *conn, order_record_t *o, const char *cancel_reason)
{
    char version[24];
    snprintf(version, sizeof version, "%" PRId64, o->version);
    const char *p[] = {o->id,
                       order_status_name(o->status),
                       payment_status_name(o->payment_status),
                       o->payment_id[0] ? o->payment_id : NULL,
                       o->stock_committed ? "true" : "false",
                       version,
                       cancel_reason};
    PGresult *res = NULL;
    int rc = db_run(conn,
                    "UPDATE orders SET order_status = $2, payment_status = $3, payment_id = $4, "
                    "stock_committed = $5::boolean, version = $6::bigint, "
                    "cancel_reason = coalesce($7, cancel_reason), updated_at = now() "
                    "WHERE id = $1 RETURNING " DB_TS("updated_at"),
                    7, p, &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return ERR_NOT_FOUND;
    }
    copy_at(o->updated_at, sizeof o->updated_at, res, 0, 0);
    PQclear(res);
    return 0;
}

int store_orders_list(PGconn *conn, const store_list_filter_t *f, order_record_t **out, int *count,
                      char next_cursor[64])
{
    char cursor_us[24], limit[16];
    snprintf(cursor_us, sizeof cursor_us, "%" PRId64, f->cursor_us);
    /* One row more than the page tells whether another page follows. */
    snprintf(limit, sizeof limit, "%d", f->limit + 1);
    const char *p[] = {f->customer_id,
                       f->status,
                       f->from,
                       f->to,
                       f->has_cursor ? cursor_us : NULL,
                       f->has_cursor ? f->cursor_id : NULL,
                       limit};
    PGresult *res = NULL;
    *out = NULL;
    *count = 0;
    next_cursor[0] = '\0';
    int rc = db_run(conn,
                    "SELECT " ORDER_COLUMNS " FROM orders o "
                    "WHERE ($1::uuid IS NULL OR o.customer_id = $1::uuid) "
                    "AND ($2::text IS NULL OR o.order_status = $2) "
                    "AND ($3::timestamptz IS NULL OR o.created_at >= $3::timestamptz) "
                    "AND ($4::timestamptz IS NULL OR o.created_at < $4::timestamptz) "
                    "AND ($5::bigint IS NULL OR (o.created_at, o.id) < (timestamptz 'epoch' + "
                    "$5::bigint * interval '1 microsecond', $6::uuid)) "
                    "ORDER BY o.created_at DESC, o.id DESC LIMIT $7::integer",
                    7, p, &res);
    if (rc != 0)
        return rc;
    int n = PQntuples(res);
    bool more = n > f->limit;
    if (more)
        n = f->limit;
    order_record_t *v = n > 0 ? calloc((size_t)n, sizeof *v) : NULL;
    if (n > 0 && v == NULL) {
        PQclear(res);
        return ERR_INTERNAL;
    }
    for (int i = 0; i < n; i++)
        read_order_row(res, i, &v[i]);
    if (more)
        snprintf(next_cursor, 64, "%s_%s", PQgetvalue(res, n - 1, 28), v[n - 1].id);
    PQclear(res);
    *out = v;
    *count = n;
    return 0;
}

int store_shipment_status(PGconn *conn, const char *shipment_id, char status[24])
{
    const char *p[] = {shipment_id};
    PGresult *res = NULL;
    int rc = db_run(conn, "SELECT status FROM shipments WHERE shipment_id = $1", 1, p, &res);
    if (rc != 0)
        return rc;
    rc = PQntuples(res) == 1 ? 0 : ERR_NOT_FOUND;
    if (rc == 0)
        snprintf(status, 24, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return rc;
}

int store_shipment_put(PGconn *conn, const char *shipment_id, const char *order_id,
                       const char *seller_id, const char *status)
{
    const char *p[] = {shipment_id, order_id, seller_id, status};
    return db_exec(conn,
                   "INSERT INTO shipments (shipment_id, order_id, seller_id, status) "
                   "VALUES ($1, $2, $3, $4) ON CONFLICT (shipment_id) DO UPDATE SET "
                   "status = EXCLUDED.status, seller_id = coalesce(EXCLUDED.seller_id, "
                   "shipments.seller_id), updated_at = now()",
                   4, p);
}

int store_shipment_statuses(PGconn *conn, const char *order_id, char (**out)[24], int *count)
{
    const char *p[] = {order_id};
    PGresult *res = NULL;
    *out = NULL;
    *count = 0;
    int rc = db_run(conn, "SELECT status FROM shipments WHERE order_id = $1", 1, p, &res);
    if (rc != 0)
        return rc;
    int n = PQntuples(res);
    char(*v)[24] = n > 0 ? calloc((size_t)n, sizeof *v) : NULL;
    if (n > 0 && v == NULL) {
        PQclear(res);
        return ERR_INTERNAL;
    }
    for (int i = 0; i < n; i++)
        snprintf(v[i], sizeof v[i], "%s", PQgetvalue(res, i, 0));
    PQclear(res);
    *out = v;
    *count = n;
    return 0;
}
