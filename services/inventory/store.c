/* store.c - inventory's SQL. Statements only: no rules, no HTTP.
 *
 * SKU codes are compared and sorted bytewise (COLLATE "C") wherever order matters, so
 * the database locks rows in exactly the order reservation_lines_sort() (strcmp) puts
 * them, whatever the database's default collation. Times leave the database formatted
 * as RFC 3339 UTC with milliseconds, which is what the API shows and what proto3 JSON
 * takes for a Timestamp.
 */
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/errors.h"

#define SKU_COLUMNS "sku, product_id, seller_id, on_hand, reserved, version, " DB_TS("updated_at")

static void copy_at(char *dst, size_t cap, const PGresult *res, int row, int col)
{
    snprintf(dst, cap, "%s", PQgetvalue(res, row, col));
}

static void sku_row_from(const PGresult *res, int row, sku_row_t *out)
{
    copy_at(out->sku, sizeof out->sku, res, row, 0);
    copy_at(out->product_id, sizeof out->product_id, res, row, 1);
    copy_at(out->seller_id, sizeof out->seller_id, res, row, 2);
    out->on_hand = db_int64(res, row, 3);
    out->reserved = db_int64(res, row, 4);
    out->version = db_int64(res, row, 5);
    copy_at(out->updated_at, sizeof out->updated_at, res, row, 6);
}

/* A PostgreSQL text[] literal of codes: {"A","B"}. The codes were validated
 * (sku_code_valid: letters, digits, '.', '_', '-'), so nothing needs escaping; a code
 * that is not is refused rather than spliced. Caller frees. */
static char *codes_literal(const char *const *codes, int count)
{
    size_t cap = 3;
    for (int i = 0; i < count; i++) {
        if (!sku_code_valid(codes[i]))
            return NULL;
        cap += strlen(codes[i]) + 3;
    }
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    size_t len = 0;
    out[len++] = '{';
    for (int i = 0; i < count; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s\"%s\"", i ? "," : "", codes[i]);
    out[len++] = '}';
    out[len] = '\0';
    return out;
}

/* The codes of lines as a text[] literal (see codes_literal). Caller frees. */
static char *lines_literal(const res_line_t *lines, int count)
{
    const char **codes = malloc(sizeof *codes * (size_t)(count > 0 ? count : 1));
    if (codes == NULL)
        return NULL;
    for (int i = 0; i < count; i++)
        codes[i] = lines[i].sku;
    char *literal = codes_literal(codes, count);
    free(codes);
    return literal;
}

/* ---- SKUs and products ------------------------------------------------------------- */

int store_sku_insert(PGconn *conn, const char *sku, const char *product_id, const char *seller_id,
                     const char *attributes, int64_t on_hand, sku_row_t *out)
{
    char qty[24];
    snprintf(qty, sizeof qty, "%" PRId64, on_hand);
    const char *p[] = {sku, product_id, seller_id, attributes, qty};
    PGresult *res;
    /* Insert first and let the primary key decide a duplicate code: checking first
     * would race with another seller creating the same code. */
    int rc = db_run(conn,
                    "INSERT INTO skus (sku, product_id, seller_id, attributes, on_hand) "
                    "VALUES ($1, $2, $3, $4::jsonb, $5) RETURNING " SKU_COLUMNS,
                    5, p, &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 1)
        sku_row_from(res, 0, out);
    else
        rc = ERR_INTERNAL;
    PQclear(res);
    return rc;
}

int store_sku_get(PGconn *conn, const char *sku, bool lock, sku_row_t *out, cJSON **attributes)
{
    const char *p[] = {sku};
    PGresult *res;
    int rc = db_run(conn,
                    lock ? "SELECT " SKU_COLUMNS ", attributes::text FROM skus WHERE sku = $1 "
                           "FOR NO KEY UPDATE"
                         : "SELECT " SKU_COLUMNS ", attributes::text FROM skus WHERE sku = $1",
                    1, p, &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 0) {
        rc = ERR_NOT_FOUND;
    } else {
        sku_row_from(res, 0, out);
        if (attributes != NULL) {
            *attributes = cJSON_Parse(PQgetvalue(res, 0, 7));
            if (*attributes == NULL)
                rc = ERR_INTERNAL;
        }
    }
    PQclear(res);
    return rc;
}

int store_skus_lock(PGconn *conn, const res_line_t *lines, int count, sku_row_t *rows, int *found,
                    const char **missing)
{
    *found = 0;
    *missing = NULL;
    char *literal = lines_literal(lines, count);
    if (literal == NULL)
        return ERR_INTERNAL;
    const char *p[] = {literal};
    PGresult *res;
    /* The lock is taken row by row in the ORDER BY's order (LockRows runs above the
     * sort): every transaction locking several SKUs takes them in code order, so two
     * reservations of overlapping SKUs, listed in opposite orders, queue instead of
     * deadlocking. NO KEY UPDATE, since the code never changes: foreign-key checks of
     * ledger and reservation rows (KEY SHARE) do not wait for it. */
    int rc = db_run(conn,
                    "SELECT " SKU_COLUMNS " FROM skus WHERE sku = ANY($1::text[]) "
                    "ORDER BY sku COLLATE \"C\" FOR NO KEY UPDATE",
                    1, p, &res);
    free(literal);
    if (rc != 0)
        return rc;
    int n = PQntuples(res), r = 0;
    for (int i = 0; i < count; i++) {
        if (r < n && strcmp(PQgetvalue(res, r, 0), lines[i].sku) == 0) {
            sku_row_from(res, r, &rows[i]);
            r++;
            (*found)++;
        } else if (*missing == NULL) {
            *missing = lines[i].sku;
        }
    }
    PQclear(res);
    return 0;
}

int store_sku_write(PGconn *conn, sku_row_t *row, const ledger_entry_t *e)
{
    char a[24], b[24], c[24], d[24], f[24];
    snprintf(a, sizeof a, "%" PRId64, row->on_hand);
    snprintf(b, sizeof b, "%" PRId64, row->reserved);
    snprintf(c, sizeof c, "%" PRId64, row->version);
    snprintf(d, sizeof d, "%" PRId64, e->on_hand_delta);
    snprintf(f, sizeof f, "%" PRId64, e->reserved_delta);
    const char *p[] = {row->sku, a, b, c, e->kind, d, f, e->order_id, e->reason, e->actor};
    PGresult *res;
    /* The ledger insert is a data-modifying CTE: it runs whether or not the final
     * SELECT reads it, and only for the row the UPDATE found. */
    int rc = db_run(conn,
                    "WITH u AS (UPDATE skus SET on_hand = $2, reserved = $3, version = $4, "
                    "updated_at = now() WHERE sku = $1 RETURNING sku, updated_at), "
                    "l AS (INSERT INTO ledger (sku, kind, on_hand_delta, reserved_delta, "
                    "on_hand_after, reserved_after, order_id, reason, actor) "
                    "SELECT sku, $5, $6, $7, $2, $3, $8, $9, $10 FROM u) "
                    "SELECT " DB_TS("updated_at") " FROM u",
                    10, p, &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 1)
        copy_at(row->updated_at, sizeof row->updated_at, res, 0, 0);
    else
        rc = ERR_NOT_FOUND;
    PQclear(res);
    return rc;
}

int store_sku_version(PGconn *conn, const char *sku, int64_t version)
{
    char v[24];
    snprintf(v, sizeof v, "%" PRId64, version);
    const char *p[] = {sku, v};
    return db_exec(conn, "UPDATE skus SET version = $2 WHERE sku = $1", 2, p);
}

int store_product_ensure(PGconn *conn, const char *product_id, const char *seller_id)
{
    const char *p[] = {product_id, seller_id};
    return db_exec(conn,
                   "INSERT INTO product_stock (product_id, seller_id) VALUES ($1, $2) "
                   "ON CONFLICT (product_id) DO NOTHING",
                   2, p);
}

int store_product_cross(PGconn *conn, const char *product_id, int delta, bool *in_stock,
                        int64_t *version)
{
    char d[8];
    snprintf(d, sizeof d, "%d", delta);
    const char *p[] = {product_id, d};
    PGresult *res;
    int rc = db_run(conn,
                    "UPDATE product_stock SET skus_in_stock = skus_in_stock + $2, "
                    "version = version + 1 WHERE product_id = $1 "
                    "RETURNING skus_in_stock > 0, version",
                    2, p, &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 1) {
        *in_stock = PQgetvalue(res, 0, 0)[0] == 't';
        *version = db_int64(res, 0, 1);
    } else {
        rc = ERR_INTERNAL; /* every SKU's product has its row (store_product_ensure) */
    }
    PQclear(res);
    return rc;
}

/* ---- the ledger -------------------------------------------------------------------- */

int store_ledger_add(PGconn *conn, const sku_row_t *row, const ledger_entry_t *e)
{
    char a[24], b[24], c[24], d[24];
    snprintf(a, sizeof a, "%" PRId64, e->on_hand_delta);
    snprintf(b, sizeof b, "%" PRId64, e->reserved_delta);
    snprintf(c, sizeof c, "%" PRId64, row->on_hand);
    snprintf(d, sizeof d, "%" PRId64, row->reserved);
    const char *p[] = {row->sku, e->kind, a, b, c, d, e->order_id, e->reason, e->actor};
    return db_exec(conn,
                   "INSERT INTO ledger (sku, kind, on_hand_delta, reserved_delta, on_hand_after, "
                   "reserved_after, order_id, reason, actor) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                   9, p);
}

/* Adds a column as a string, or null when SQL NULL. */
static bool add_text_or_null(cJSON *o, const char *name, const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return cJSON_AddNullToObject(o, name) != NULL;
    return cJSON_AddStringToObject(o, name, PQgetvalue(res, row, col)) != NULL;
}

int store_ledger_page(PGconn *conn, const char *sku, int64_t before_id, int limit, cJSON **items,
                      int64_t *next_before)
{
    char before[24], lim[16];
    snprintf(before, sizeof before, "%" PRId64, before_id);
    /* One row more than asked tells whether another page follows. */
    snprintf(lim, sizeof lim, "%d", limit + 1);
    const char *p[] = {sku, before, lim};
    PGresult *res;
    *items = NULL;
    *next_before = 0;
    int rc =
        db_run(conn,
               "SELECT id, kind, on_hand_delta, reserved_delta, on_hand_after, reserved_after, "
               "order_id, reason, actor, " DB_TS(
                   "created_at") " FROM ledger "
                                 "WHERE sku = $1 AND ($2::bigint = 0 OR id < $2::bigint) "
                                 "ORDER BY id DESC LIMIT $3::int",
               3, p, &res);
    if (rc != 0)
        return rc;
    int n = PQntuples(res);
    int shown = n > limit ? limit : n;
    cJSON *arr = cJSON_CreateArray();
    bool ok = arr != NULL;
    for (int i = 0; ok && i < shown; i++) {
        /* An item is attached before it is filled, so a failure leaves nothing loose. */
        cJSON *o = cJSON_CreateObject();
        ok = o != NULL && cJSON_AddItemToArray(arr, o) &&
             cJSON_AddNumberToObject(o, "id", (double)db_int64(res, i, 0)) != NULL &&
             cJSON_AddStringToObject(o, "kind", PQgetvalue(res, i, 1)) != NULL &&
             cJSON_AddNumberToObject(o, "on_hand_delta", (double)db_int64(res, i, 2)) != NULL &&
             cJSON_AddNumberToObject(o, "reserved_delta", (double)db_int64(res, i, 3)) != NULL &&
             cJSON_AddNumberToObject(o, "on_hand_after", (double)db_int64(res, i, 4)) != NULL &&
             cJSON_AddNumberToObject(o, "reserved_after", (double)db_int64(res, i, 5)) != NULL &&
             add_text_or_null(o, "order_id", res, i, 6) &&
             add_text_or_null(o, "reason", res, i, 7) && add_text_or_null(o, "actor", res, i, 8) &&
             cJSON_AddStringToObject(o, "at", PQgetvalue(res, i, 9)) != NULL;
    }
    if (!ok) {
        cJSON_Delete(arr);
        arr = NULL;
    }
    if (arr != NULL && n > limit)
        *next_before = db_int64(res, limit - 1, 0);
    PQclear(res);
    if (arr == NULL)
        return ERR_INTERNAL;
    *items = arr;
    return 0;
}

/* ---- reservations ------------------------------------------------------------------ */

void reservation_row_free(reservation_row_t *r)
{
    free(r->lines);
    r->lines = NULL;
    r->line_count = 0;
}

int store_reservation_insert(PGconn *conn, const char *order_id, long ttl_seconds, bool *inserted,
                             char expires_at[STORE_TIME_LEN])
{
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%ld", ttl_seconds);
    const char *p[] = {order_id, ttl};
    PGresult *res;
    /* ON CONFLICT DO NOTHING waits for a concurrent insert of the same order to commit
     * or roll back, then either skips (it committed) or inserts (it rolled back): the
     * primary key, not a prior read, decides which request reserves. */
    int rc = db_run(conn,
                    "INSERT INTO reservations (order_id, expires_at) "
                    "VALUES ($1, now() + make_interval(secs => $2::int)) "
                    "ON CONFLICT (order_id) DO NOTHING RETURNING " DB_TS("expires_at"),
                    2, p, &res);
    if (rc != 0)
        return rc;
    *inserted = PQntuples(res) == 1;
    if (*inserted)
        copy_at(expires_at, STORE_TIME_LEN, res, 0, 0);
    PQclear(res);
    return 0;
}

int store_reservation_get(PGconn *conn, const char *order_id, bool lock, reservation_row_t *out)
{
    const char *p[] = {order_id};
    PGresult *res;
    memset(out, 0, sizeof *out);
    int rc =
        db_run(conn,
               lock ? "SELECT order_id, status, release_reason, " DB_TS(
                          "expires_at") " FROM reservations WHERE order_id = $1 FOR NO KEY UPDATE"
                    : "SELECT order_id, status, release_reason, " DB_TS(
                          "expires_at") " FROM reservations WHERE order_id = $1",
               1, p, &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return ERR_NOT_FOUND;
    }
    copy_at(out->order_id, sizeof out->order_id, res, 0, 0);
    if (!reservation_status_parse(PQgetvalue(res, 0, 1), &out->status))
        rc = ERR_INTERNAL;
    out->reason = RES_REASON_NONE;
    if (!PQgetisnull(res, 0, 2) && !reservation_reason_parse(PQgetvalue(res, 0, 2), &out->reason))
        rc = ERR_INTERNAL;
    copy_at(out->expires_at, sizeof out->expires_at, res, 0, 3);
    PQclear(res);
    if (rc != 0)
        return rc;

    rc = db_run(conn,
                "SELECT sku, quantity FROM reservation_lines WHERE order_id = $1 "
                "ORDER BY sku COLLATE \"C\"",
                1, p, &res);
    if (rc != 0)
        return rc;
    int n = PQntuples(res);
    out->lines = calloc(n > 0 ? (size_t)n : 1, sizeof *out->lines);
    if (out->lines == NULL) {
        PQclear(res);
        return ERR_INTERNAL;
    }
    for (int i = 0; i < n; i++) {
        copy_at(out->lines[i].sku, sizeof out->lines[i].sku, res, i, 0);
        out->lines[i].quantity = db_int64(res, i, 1);
    }
    out->line_count = n;
    PQclear(res);
    return 0;
}

int store_reservation_lines_insert(PGconn *conn, const char *order_id, const res_line_t *lines,
                                   int count, const char **missing)
{
    /* One statement for all lines: codes as a text[] literal, quantities likewise. */
    char *qty = malloc((size_t)count * 24 + 3);
    char *literal = lines_literal(lines, count);
    PGresult *res = NULL;
    int rc = ERR_INTERNAL;
    *missing = NULL;
    if (qty == NULL || literal == NULL)
        goto out;
    size_t len = 0;
    qty[len++] = '{';
    for (int i = 0; i < count; i++)
        len += (size_t)snprintf(qty + len, 24, "%s%" PRId64, i ? "," : "", lines[i].quantity);
    qty[len++] = '}';
    qty[len] = '\0';
    const char *p[] = {order_id, literal, qty};
    /* Lines of unknown SKUs are left out, so the caller learns which SKU is unknown
     * (SKUs are never deleted: what exists now still exists at commit). */
    rc = db_run(conn,
                "INSERT INTO reservation_lines (order_id, sku, quantity) "
                "SELECT $1, l.s, l.q FROM unnest($2::text[], $3::bigint[]) AS l(s, q) "
                "WHERE EXISTS (SELECT 1 FROM skus WHERE skus.sku = l.s) RETURNING sku",
                3, p, &res);
    if (rc != 0)
        goto out;
    int n = PQntuples(res);
    for (int i = 0; n != count && *missing == NULL && i < count; i++) {
        bool found = false;
        for (int r = 0; !found && r < n; r++)
            found = strcmp(PQgetvalue(res, r, 0), lines[i].sku) == 0;
        if (!found)
            *missing = lines[i].sku;
    }
out:
    PQclear(res);
    free(literal);
    free(qty);
    return rc;
}

int store_reservation_finish(PGconn *conn, const char *order_id, res_status_t status,
                             res_reason_t reason)
{
    const char *p[] = {order_id, reservation_status_name(status), reservation_reason_name(reason)};
    return db_exec(conn,
                   "UPDATE reservations SET status = $2, release_reason = $3, updated_at = now() "
                   "WHERE order_id = $1",
                   3, p);
}

int store_reservation_claim_expired(PGconn *conn, char order_id[37])
{
    PGresult *res;
    int rc = db_run(conn,
                    "SELECT order_id FROM reservations "
                    "WHERE status = 'RESERVED' AND expires_at <= now() "
                    "ORDER BY expires_at LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED",
                    0, NULL, &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 0)
        rc = ERR_NOT_FOUND;
    else
        copy_at(order_id, 37, res, 0, 0);
    PQclear(res);
    return rc;
}

/* ---- availability ------------------------------------------------------------------ */

int store_product_availability(PGconn *conn, const char *product_id, cJSON **out)
{
    const char *p[] = {product_id};
    PGresult *res;
    *out = NULL;
    int rc = db_run(conn,
                    "SELECT sku, attributes::text, on_hand > reserved FROM skus "
                    "WHERE product_id = $1 ORDER BY sku COLLATE \"C\"",
                    1, p, &res);
    if (rc != 0)
        return rc;
    /* Built detached and attached at the end, so the answer reads product_id, in_stock,
     * skus in that order. */
    bool any = false;
    cJSON *o = cJSON_CreateObject();
    cJSON *skus = cJSON_CreateArray();
    bool ok = o != NULL && skus != NULL;
    for (int i = 0; ok && i < PQntuples(res); i++) {
        bool in_stock = PQgetvalue(res, i, 2)[0] == 't';
        /* Attached before filled: on failure everything goes with skus. */
        cJSON *s = cJSON_CreateObject();
        ok = s != NULL && cJSON_AddItemToArray(skus, s) &&
             cJSON_AddStringToObject(s, "sku", PQgetvalue(res, i, 0)) != NULL;
        cJSON *attrs = ok ? cJSON_Parse(PQgetvalue(res, i, 1)) : NULL;
        if (attrs != NULL && !cJSON_AddItemToObject(s, "attributes", attrs)) {
            cJSON_Delete(attrs);
            attrs = NULL;
        }
        ok = ok && attrs != NULL && cJSON_AddBoolToObject(s, "in_stock", in_stock) != NULL;
        any = any || in_stock;
    }
    PQclear(res);
    ok = ok && cJSON_AddStringToObject(o, "product_id", product_id) != NULL &&
         cJSON_AddBoolToObject(o, "in_stock", any) != NULL;
    if (ok && cJSON_AddItemToObject(o, "skus", skus))
        skus = NULL;
    else
        ok = false;
    cJSON_Delete(skus);
    if (!ok) {
        cJSON_Delete(o);
        return ERR_INTERNAL;
    }
    *out = o;
    return 0;
}

int store_skus_available(PGconn *conn, const char *const *skus, int count, cJSON **out)
{
    *out = NULL;
    char *literal = codes_literal(skus, count);
    if (literal == NULL)
        return ERR_INTERNAL;
    const char *p[] = {literal};
    PGresult *res;
    int rc = db_run(conn,
                    "SELECT sku, product_id, on_hand - reserved FROM skus "
                    "WHERE sku = ANY($1::text[]) ORDER BY sku COLLATE \"C\"",
                    1, p, &res);
    free(literal);
    if (rc != 0)
        return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON *items = o != NULL ? cJSON_AddArrayToObject(o, "items") : NULL;
    bool ok = items != NULL;
    for (int i = 0; ok && i < PQntuples(res); i++) {
        cJSON *it = cJSON_CreateObject();
        ok = it != NULL && cJSON_AddItemToArray(items, it) &&
             cJSON_AddStringToObject(it, "sku", PQgetvalue(res, i, 0)) != NULL &&
             cJSON_AddStringToObject(it, "product_id", PQgetvalue(res, i, 1)) != NULL &&
             cJSON_AddNumberToObject(it, "available", (double)db_int64(res, i, 2)) != NULL;
    }
    PQclear(res);
    if (!ok) {
        cJSON_Delete(o);
        return ERR_INTERNAL;
    }
    *out = o;
    return 0;
}
