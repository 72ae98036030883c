/* store.c - the catalog's SQL (see store.h). */
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/log.h"

#define TS(col) STORE_TS(col)
/* Microseconds: the key of a keyset cursor must compare exactly. */
#define TS_US(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

#define COLUMNS STORE_PRODUCT_COLUMNS_SQL

const char *const STORE_PRODUCT_COLUMNS = COLUMNS;

static void copy(char *dst, size_t cap, const PGresult *res, int row, int col)
{
    snprintf(dst, cap, "%s", PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
}

/* ---- categories ------------------------------------------------------------------------ */

static cJSON *category_json(const PGresult *res, int row)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    bool ok = cJSON_AddStringToObject(o, "slug", PQgetvalue(res, row, 0)) != NULL &&
              cJSON_AddStringToObject(o, "name", PQgetvalue(res, row, 1)) != NULL &&
              (PQgetisnull(res, row, 2)
                   ? cJSON_AddNullToObject(o, "parent") != NULL
                   : cJSON_AddStringToObject(o, "parent", PQgetvalue(res, row, 2)) != NULL) &&
              cJSON_AddStringToObject(o, "path", PQgetvalue(res, row, 3)) != NULL &&
              cJSON_AddStringToObject(o, "created_at", PQgetvalue(res, row, 4)) != NULL;
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

#define CATEGORY_COLUMNS "slug, name, parent_slug, path, " TS("created_at")

int store_category_insert(PGconn *conn, const char *slug, const char *name, const char *parent,
                          cJSON **out)
{
    char path[CATEGORY_DEPTH_MAX * (CATEGORY_SLUG_MAX + 1) + 1];
    PGresult *res = NULL;
    int rc;
    *out = NULL;
    if (parent != NULL) {
        /* FOR SHARE: the parent cannot vanish between reading its path and the insert. */
        const char *p[] = {parent};
        rc = db_run(conn, "SELECT path FROM categories WHERE slug = $1 FOR SHARE", 1, p, &res);
        if (rc != 0)
            return rc;
        if (PQntuples(res) == 0) {
            PQclear(res);
            return ERR_NOT_FOUND;
        }
        const char *ppath = PQgetvalue(res, 0, 0);
        int depth = 1;
        for (const char *c = ppath; *c != '\0'; c++)
            depth += *c == '/';
        int n = snprintf(path, sizeof path, "%s/%s", ppath, slug);
        PQclear(res);
        if (depth >= CATEGORY_DEPTH_MAX || n < 0 || (size_t)n >= sizeof path)
            return ERR_INVALID;
    } else {
        snprintf(path, sizeof path, "%s", slug);
    }
    const char *p[] = {slug, name, parent, path};
    rc = db_run(conn,
                "INSERT INTO categories (slug, name, parent_slug, path) VALUES ($1, $2, $3, $4) "
                "RETURNING " CATEGORY_COLUMNS,
                4, p, &res);
    if (rc != 0)
        return rc;
    *out = PQntuples(res) == 1 ? category_json(res, 0) : NULL;
    PQclear(res);
    return *out != NULL ? 0 : ERR_INTERNAL;
}

int store_category_list(PGconn *conn, cJSON **out)
{
    PGresult *res;
    *out = NULL;
    int rc =
        db_run(conn, "SELECT " CATEGORY_COLUMNS " FROM categories ORDER BY path", 0, NULL, &res);
    if (rc != 0)
        return rc;
    cJSON *root = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(root, "items");
    rc = items != NULL ? 0 : ERR_INTERNAL;
    for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
        cJSON *c = category_json(res, i);
        if (c == NULL || !cJSON_AddItemToArray(items, c)) {
            cJSON_Delete(c);
            rc = ERR_INTERNAL;
        }
    }
    PQclear(res);
    if (rc != 0)
        cJSON_Delete(root);
    else
        *out = root;
    return rc;
}

int store_category_exists(PGconn *conn, const char *slug, bool *exists)
{
    const char *p[] = {slug};
    PGresult *res;
    int rc = db_run(conn, "SELECT 1 FROM categories WHERE slug = $1", 1, p, &res);
    if (rc != 0)
        return rc;
    *exists = PQntuples(res) == 1;
    PQclear(res);
    return 0;
}

/* ---- products -------------------------------------------------------------------------- */

static int parse_json_column(const PGresult *res, int row, int col, cJSON **out)
{
    *out = NULL;
    if (PQgetisnull(res, row, col))
        return 0;
    *out = cJSON_Parse(PQgetvalue(res, row, col));
    return *out != NULL ? 0 : ERR_INTERNAL;
}

int store_product_from_row(const PGresult *res, int row, product_t *p)
{
    cJSON *images = NULL, *pending = NULL;
    int rc = ERR_INTERNAL;
    memset(p, 0, sizeof *p);
    copy(p->id, sizeof p->id, res, row, 0);
    copy(p->seller_id, sizeof p->seller_id, res, row, 1);
    copy(p->live.title, sizeof p->live.title, res, row, 2);
    copy(p->live.description, sizeof p->live.description, res, row, 3);
    p->price = strtoll(PQgetvalue(res, row, 4), NULL, 10);
    copy(p->currency, sizeof p->currency, res, row, 5);
    copy(p->live.category, sizeof p->live.category, res, row, 6);
    if (parse_json_column(res, row, 7, &images) != 0 ||
        image_list_load(&p->live.images, images) != 0 ||
        !product_status_parse(PQgetvalue(res, row, 8), &p->status) ||
        !product_review_parse(PQgetisnull(res, row, 9) ? NULL : PQgetvalue(res, row, 9),
                              &p->review) ||
        parse_json_column(res, row, 11, &pending) != 0 || product_pending_load(p, pending) != 0)
        goto out;
    copy(p->rejection_reason, sizeof p->rejection_reason, res, row, 10);
    p->in_stock = strcmp(PQgetvalue(res, row, 12), "t") == 0;
    p->version = strtoll(PQgetvalue(res, row, 13), NULL, 10);
    copy(p->created_at, sizeof p->created_at, res, row, 14);
    copy(p->updated_at, sizeof p->updated_at, res, row, 15);
    copy(p->approved_at, sizeof p->approved_at, res, row, 16);
    rc = 0;
out:
    if (rc != 0)
        log_error("store: product %s has a malformed stored value", PQgetvalue(res, row, 0));
    cJSON_Delete(images);
    cJSON_Delete(pending);
    return rc;
}

/* The parameters both insert and update write, as text. */
typedef struct product_params {
    char price[24], version[24];
    char *images, *pending;
} product_params_t;

static int product_params(const product_t *p, product_params_t *pp)
{
    memset(pp, 0, sizeof *pp);
    snprintf(pp->price, sizeof pp->price, "%" PRId64, p->price);
    snprintf(pp->version, sizeof pp->version, "%" PRId64, p->version);
    cJSON *images = image_list_json(&p->live.images);
    cJSON *pending = product_pending_json(p);
    pp->images = images != NULL ? cJSON_PrintUnformatted(images) : NULL;
    if (pending != NULL)
        pp->pending = cJSON_PrintUnformatted(pending);
    bool ok = pp->images != NULL && (pending == NULL || pp->pending != NULL);
    cJSON_Delete(images);
    cJSON_Delete(pending);
    return ok ? 0 : ERR_INTERNAL;
}

static void product_params_free(product_params_t *pp)
{
    cJSON_free(pp->images);
    cJSON_free(pp->pending);
}

int store_product_insert(PGconn *conn, product_t *p)
{
    product_params_t pp;
    PGresult *res = NULL;
    int rc = product_params(p, &pp);
    if (rc != 0)
        goto out;
    const char *params[] = {p->id,
                            p->seller_id,
                            p->live.title,
                            p->live.description,
                            pp.price,
                            p->currency,
                            p->live.category,
                            pp.images,
                            product_status_name(p->status),
                            pp.version};
    rc = db_run(conn,
                "INSERT INTO products (id, seller_id, title, description, price, currency, "
                "category_slug, images, status, version) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
                "RETURNING " TS("created_at") ", " TS("updated_at"),
                10, params, &res);
    if (rc != 0)
        goto out;
    copy(p->created_at, sizeof p->created_at, res, 0, 0);
    copy(p->updated_at, sizeof p->updated_at, res, 0, 1);
out:
    PQclear(res);
    product_params_free(&pp);
    return rc;
}

int store_product_get(PGconn *conn, const char *id, bool lock, product_t *p)
{
    const char *params[] = {id};
    PGresult *res;
    int rc = db_run(conn,
                    lock ? "SELECT " COLUMNS " FROM products p WHERE p.id = $1 FOR UPDATE"
                         : "SELECT " COLUMNS " FROM products p WHERE p.id = $1",
                    1, params, &res);
    if (rc != 0)
        return rc;
    rc = PQntuples(res) == 1 ? store_product_from_row(res, 0, p) : ERR_NOT_FOUND;
    PQclear(res);
    return rc;
}

int store_product_update(PGconn *conn, product_t *p, bool submitted, bool approved)
{
    product_params_t pp;
    PGresult *res = NULL;
    int rc = product_params(p, &pp);
    if (rc != 0)
        goto out;
    const char *params[] = {p->id,
                            p->live.title,
                            p->live.description,
                            pp.price,
                            p->currency,
                            p->live.category,
                            pp.images,
                            product_status_name(p->status),
                            product_review_name(p->review),
                            p->rejection_reason[0] != '\0' ? p->rejection_reason : NULL,
                            pp.pending,
                            pp.version,
                            submitted ? "t" : "f",
                            approved ? "t" : "f"};
    rc = db_run(conn,
                "UPDATE products SET title = $2, description = $3, price = $4, currency = $5, "
                "category_slug = $6, images = $7, status = $8, review_status = $9, "
                "rejection_reason = $10, pending = $11, version = $12, updated_at = now(), "
                "submitted_at = CASE WHEN $13::boolean THEN now() ELSE submitted_at END, "
                "approved_at = CASE WHEN $14::boolean THEN now() ELSE approved_at END "
                "WHERE id = $1 RETURNING " TS("updated_at") ", " TS("approved_at"),
                14, params, &res);
    if (rc != 0)
        goto out;
    if (PQntuples(res) != 1) {
        rc = ERR_NOT_FOUND;
        goto out;
    }
    copy(p->updated_at, sizeof p->updated_at, res, 0, 0);
    copy(p->approved_at, sizeof p->approved_at, res, 0, 1);
out:
    PQclear(res);
    product_params_free(&pp);
    return rc;
}

int store_product_page(PGconn *conn, const char *seller_id, const char *status, const char *key,
                       const char *id, int limit, PGresult **out)
{
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit + 1);
    /* status matches the product's own status or that of its pending edit, so
     * PENDING_APPROVAL is everything waiting for an admin. */
    if (seller_id != NULL) {
        const char *params[] = {seller_id, status, key, id, lim};
        return db_run(
            conn,
            "SELECT " COLUMNS ", " TS_US(
                "p.created_at") " FROM products p "
                                "WHERE p.seller_id = $1 "
                                "AND ($2::text IS NULL OR p.status = $2 OR p.review_status = $2) "
                                "AND ($3::timestamptz IS NULL OR (p.created_at, p.id) < ($3, "
                                "$4::uuid)) "
                                "ORDER BY p.created_at DESC, p.id DESC LIMIT $5",
            5, params, out);
    }
    const char *params[] = {status, key, id, lim};
    return db_run(
        conn,
        "SELECT " COLUMNS ", " TS_US(
            "p.submitted_at") " FROM products p "
                              "WHERE ($1::text IS NULL OR p.status = $1 OR p.review_status = $1) "
                              "AND ($2::timestamptz IS NULL OR (p.submitted_at, p.id) > ($2, "
                              "$3::uuid)) "
                              "ORDER BY p.submitted_at, p.id LIMIT $4",
        4, params, out);
}

int store_search(PGconn *conn, const search_sql_t *sql, PGresult **out)
{
    return db_run(conn, sql->text, sql->nparams, sql->params, out);
}

int store_set_similarity(PGconn *conn, const char *threshold)
{
    const char *params[] = {threshold};
    PGresult *res;
    /* A session setting: the connection stays with the catalog, and every search sets
     * it again, so a remade connection is never without it. */
    int rc = db_run(conn, "SELECT set_config('pg_trgm.word_similarity_threshold', $1, false)", 1,
                    params, &res);
    PQclear(res);
    return rc;
}

int store_products_internal(PGconn *conn, const char *const *ids, int count, cJSON **items)
{
    /* The ids as one uuid[] literal: they were checked to be UUIDs, so the text holds
     * nothing but hex, dashes and commas. */
    char *array = malloc((size_t)count * 37 + 3);
    PGresult *res = NULL;
    *items = NULL;
    if (array == NULL)
        return ERR_INTERNAL;
    size_t at = 0;
    array[at++] = '{';
    for (int i = 0; i < count; i++) {
        if (i > 0)
            array[at++] = ',';
        memcpy(array + at, ids[i], 36);
        at += 36;
    }
    array[at++] = '}';
    array[at] = '\0';
    const char *params[] = {array};
    int rc =
        db_run(conn,
               "SELECT id, seller_id, title, price, currency, category_slug, status, in_stock, "
               "version FROM products WHERE id = ANY($1::uuid[]) ORDER BY id",
               1, params, &res);
    free(array);
    if (rc != 0)
        return rc;
    cJSON *arr = cJSON_CreateArray();
    rc = arr != NULL ? 0 : ERR_INTERNAL;
    for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
        cJSON *o = cJSON_CreateObject();
        bool ok =
            o != NULL && cJSON_AddStringToObject(o, "id", PQgetvalue(res, i, 0)) != NULL &&
            cJSON_AddStringToObject(o, "seller_id", PQgetvalue(res, i, 1)) != NULL &&
            cJSON_AddStringToObject(o, "title", PQgetvalue(res, i, 2)) != NULL &&
            cJSON_AddNumberToObject(o, "price", (double)strtoll(PQgetvalue(res, i, 3), NULL, 10)) !=
                NULL &&
            cJSON_AddStringToObject(o, "currency", PQgetvalue(res, i, 4)) != NULL &&
            cJSON_AddStringToObject(o, "category", PQgetvalue(res, i, 5)) != NULL &&
            cJSON_AddStringToObject(o, "status", PQgetvalue(res, i, 6)) != NULL &&
            cJSON_AddBoolToObject(o, "in_stock", strcmp(PQgetvalue(res, i, 7), "t") == 0) != NULL &&
            cJSON_AddNumberToObject(o, "version",
                                    (double)strtoll(PQgetvalue(res, i, 8), NULL, 10)) != NULL &&
            cJSON_AddItemToArray(arr, o);
        if (!ok) {
            cJSON_Delete(o);
            rc = ERR_INTERNAL;
        }
    }
    PQclear(res);
    if (rc != 0)
        cJSON_Delete(arr);
    else
        *items = arr;
    return rc;
}

/* ---- images ---------------------------------------------------------------------------- */

int store_image_insert(PGconn *conn, const char *id, const char *product_id, const char *backend,
                       const char *name, const char *url, const char *content_type, long bytes)
{
    char size[24];
    snprintf(size, sizeof size, "%ld", bytes);
    const char *params[] = {id, product_id, backend, name, url, content_type, size};
    return db_exec(conn,
                   "INSERT INTO product_images (id, product_id, backend, name, url, content_type, "
                   "bytes) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                   7, params);
}

int store_images_prune(PGconn *conn, const char *product_id, char keep[][37], int keep_count,
                       PGresult **gone)
{
    char array[2 * PRODUCT_IMAGES_MAX * 38 + 3];
    size_t at = 0;
    array[at++] = '{';
    for (int i = 0; i < keep_count && i < 2 * PRODUCT_IMAGES_MAX; i++) {
        if (i > 0)
            array[at++] = ',';
        memcpy(array + at, keep[i], 36);
        at += 36;
    }
    array[at++] = '}';
    array[at] = '\0';
    const char *params[] = {product_id, array};
    return db_run(conn,
                  "DELETE FROM product_images WHERE product_id = $1 AND NOT (id = ANY($2::uuid[])) "
                  "RETURNING backend, name",
                  2, params, gone);
}

/* ---- stock read model ------------------------------------------------------------------ */

int store_stock_apply(PGconn *conn, const stock_update_t *u)
{
    char available[24], sequence[24];
    snprintf(available, sizeof available, "%" PRId64, u->available);
    snprintf(sequence, sizeof sequence, "%" PRId64, u->sequence);
    const char *p[] = {u->sku, u->product_id, available, sequence};
    /* An event without a version (sequence 0) always applies; otherwise only a newer
     * version of the SKU replaces what is there. */
    int rc = db_exec(conn,
                     "INSERT INTO sku_stock (sku, product_id, available, sequence) "
                     "VALUES ($1, $2, $3, $4) ON CONFLICT (sku) DO UPDATE SET "
                     "product_id = EXCLUDED.product_id, available = EXCLUDED.available, "
                     "sequence = EXCLUDED.sequence, updated_at = now() "
                     "WHERE EXCLUDED.sequence = 0 OR sku_stock.sequence < EXCLUDED.sequence",
                     4, p);
    if (rc != 0)
        return rc;
    const char *q[] = {u->product_id};
    return db_exec(conn,
                   "UPDATE products p SET in_stock = s.any FROM (SELECT EXISTS (SELECT 1 FROM "
                   "sku_stock WHERE product_id = $1 AND available > 0) AS any) s "
                   "WHERE p.id = $1 AND p.in_stock IS DISTINCT FROM s.any",
                   1, q);
}
