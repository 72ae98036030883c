/* listings.c - the catalog's use cases (see listings.h). */
#include "listings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"
#include "store.h"

#define TOPIC "catalog.events"

static listings_config_t cfg;
static char similarity[8];

void listings_init(const listings_config_t *c)
{
    cfg = *c;
    snprintf(similarity, sizeof similarity, "%.2f", c->similarity_percent / 100.0);
}

/* Puts the outcome's events into the outbox, each with its own sequence. */
static int publish(PGconn *conn, const product_t *p, const product_outcome_t *o,
                   const event_ctx_t *ctx)
{
    for (int i = 0; i < o->event_count; i++) {
        product_event_t e = o->events[i];
        cJSON *data = product_event_data(p, e, o->sequences[i], o);
        if (data == NULL)
            return ERR_INTERNAL;
        int rc = outbox_put(conn, TOPIC, p->id, product_event_type(e), product_event_schema(e),
                            o->sequences[i], data, ctx);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static bool has_event(const product_outcome_t *o, product_event_t e)
{
    for (int i = 0; i < o->event_count; i++)
        if (o->events[i] == e)
            return true;
    return false;
}

/* ---- create --------------------------------------------------------------------------- */

typedef struct create_tx {
    const char *seller_id;
    const product_edit_t *edit;
    const event_ctx_t *ctx;
    product_t *p;
} create_tx_t;

static int create_fn(PGconn *conn, void *arg)
{
    create_tx_t *t = arg;
    bool exists = false;
    char id[ID_UUID_LEN];
    product_outcome_t o;
    int rc = store_category_exists(conn, t->edit->category, &exists);
    if (rc != 0)
        return rc;
    if (!exists)
        return ERR_INVALID;
    id_uuid(id);
    product_create(t->p, id, t->seller_id, t->edit, &o);
    rc = store_product_insert(conn, t->p);
    return rc != 0 ? rc : publish(conn, t->p, &o, t->ctx);
}

int listing_create(const char *seller_id, const product_edit_t *e, const event_ctx_t *ctx,
                   product_t *out)
{
    create_tx_t t = {.seller_id = seller_id, .edit = e, .ctx = ctx, .p = out};
    return db_tx(create_fn, &t);
}

/* ---- changes of an existing product --------------------------------------------------- */

typedef struct change_tx change_tx_t;

/* Applies one kind of change to the locked product; fills o. May refuse with a code and
 * set t->why. */
typedef int (*mutate_fn)(PGconn *conn, change_tx_t *t, product_outcome_t *o);

struct change_tx {
    const char *product_id;
    const char *seller_id; /* the owner required, or NULL (admins) */
    mutate_fn mutate;
    const event_ctx_t *ctx;
    product_t *p;
    const char *why;
    PGresult *gone; /* image rows deleted: their files go after COMMIT */
    /* what the mutations need */
    const product_edit_t *edit;
    const char *reason;
    bool approve;
    const image_ref_t *image;
    const char *image_name, *image_type;
    size_t image_bytes;
    const char *image_id;
    const char *const *order;
    int order_count;
};

static int change_fn(PGconn *conn, void *arg)
{
    change_tx_t *t = arg;
    product_outcome_t o;
    /* db_tx may run this again: forget what a rolled-back attempt deleted. */
    PQclear(t->gone);
    t->gone = NULL;
    t->why = NULL;
    int rc = store_product_get(conn, t->product_id, true, t->p);
    if (rc != 0)
        return rc;
    /* Someone else's product is not found: its existence is none of the caller's business. */
    if (t->seller_id != NULL && strcmp(t->p->seller_id, t->seller_id) != 0)
        return ERR_NOT_FOUND;
    rc = t->mutate(conn, t, &o);
    if (rc != 0)
        return rc;
    if (o.event_count == 0 && o.changed == 0)
        return 0; /* nothing changed: nothing to write */
    rc = store_product_update(conn, t->p, has_event(&o, EV_SUBMITTED), has_event(&o, EV_APPROVED));
    if (rc == 0)
        rc = publish(conn, t->p, &o, t->ctx);
    if (rc == 0 && (o.changed & PF_IMAGES)) {
        char refs[2 * PRODUCT_IMAGES_MAX][37];
        int n = product_image_refs(t->p, refs);
        rc = store_images_prune(conn, t->p->id, refs, n, &t->gone);
    }
    return rc;
}

/* Runs a change and, once committed, removes the files of images nothing refers to. */
static int run_change(change_tx_t *t, const char **why)
{
    int rc = db_tx(change_fn, t);
    if (why != NULL)
        *why = t->why;
    if (rc == 0 && t->gone != NULL)
        for (int i = 0; i < PQntuples(t->gone); i++)
            if (storage_delete(cfg.storage, PQgetvalue(t->gone, i, 0), PQgetvalue(t->gone, i, 1)) !=
                0)
                log_warn("listings: image file %s of product %s could not be deleted",
                         PQgetvalue(t->gone, i, 1), t->product_id);
    PQclear(t->gone);
    t->gone = NULL;
    return rc;
}

static int refuse_archived(change_tx_t *t)
{
    if (t->p->status != PRODUCT_ARCHIVED)
        return 0;
    t->why = WHY_ARCHIVED;
    return ERR_CONFLICT;
}

static int edit_mutate(PGconn *conn, change_tx_t *t, product_outcome_t *o)
{
    int rc = refuse_archived(t);
    if (rc != 0)
        return rc;
    if (t->edit->fields & PF_CATEGORY) {
        bool exists = false;
        rc = store_category_exists(conn, t->edit->category, &exists);
        if (rc != 0)
            return rc;
        if (!exists)
            return ERR_INVALID;
    }
    return product_apply_edit(t->p, t->edit, o);
}

int listing_edit(const char *seller_id, const char *product_id, const product_edit_t *e,
                 const event_ctx_t *ctx, product_t *out, const char **why)
{
    change_tx_t t = {.product_id = product_id,
                     .seller_id = seller_id,
                     .mutate = edit_mutate,
                     .ctx = ctx,
                     .p = out,
                     .edit = e};
    return run_change(&t, why);
}

static int archive_mutate(PGconn *conn, change_tx_t *t, product_outcome_t *o)
{
    (void)conn;
    return product_archive(t->p, o);
}

int listing_archive(const char *seller_id, const char *product_id, const event_ctx_t *ctx,
                    product_t *out)
{
    change_tx_t t = {.product_id = product_id,
                     .seller_id = seller_id,
                     .mutate = archive_mutate,
                     .ctx = ctx,
                     .p = out};
    return run_change(&t, NULL);
}

static int review_mutate(PGconn *conn, change_tx_t *t, product_outcome_t *o)
{
    (void)conn;
    int rc = t->approve ? product_approve(t->p, o) : product_reject(t->p, t->reason, o);
    if (rc == ERR_CONFLICT)
        t->why = t->p->status == PRODUCT_ARCHIVED ? WHY_ARCHIVED : WHY_NOT_IN_REVIEW;
    return rc;
}

int listing_review(const char *product_id, bool approve, const char *reason, const event_ctx_t *ctx,
                   product_t *out, const char **why)
{
    change_tx_t t = {.product_id = product_id,
                     .mutate = review_mutate,
                     .ctx = ctx,
                     .p = out,
                     .approve = approve,
                     .reason = reason};
    return run_change(&t, why);
}

/* ---- images --------------------------------------------------------------------------- */

/* Applies an image edit built by product.c (refusing archived products first). */
static int apply_images(change_tx_t *t, int built, product_edit_t *edit, product_outcome_t *o)
{
    if (built != 0)
        return built;
    return product_apply_edit(t->p, edit, o);
}

static int image_add_mutate(PGconn *conn, change_tx_t *t, product_outcome_t *o)
{
    product_edit_t *edit = malloc(sizeof *edit);
    int rc = refuse_archived(t);
    if (rc == 0 && edit == NULL)
        rc = ERR_INTERNAL;
    if (rc == 0) {
        rc = product_image_add(t->p, t->image, cfg.max_images, edit);
        if (rc == ERR_CONFLICT)
            t->why = WHY_IMAGE_LIMIT;
    }
    if (rc == 0)
        rc = store_image_insert(conn, t->image->id, t->p->id, storage_backend(cfg.storage),
                                t->image_name, t->image->url, t->image_type, (long)t->image_bytes);
    if (rc == 0)
        rc = apply_images(t, 0, edit, o);
    free(edit);
    return rc;
}

int listing_image_add(const char *seller_id, const char *product_id, const void *data, size_t len,
                      image_type_t type, const event_ctx_t *ctx, image_ref_t *img, product_t *out,
                      const char **why)
{
    char name[48];
    product_t *probe = malloc(sizeof *probe);
    *why = NULL;
    if (probe == NULL)
        return ERR_INTERNAL;
    /* Look before storing a file: a request for someone else's or an archived product
     * should not cost an upload. The transaction below decides for real. */
    int rc = listing_get(product_id, probe);
    if (rc == 0 && strcmp(probe->seller_id, seller_id) != 0)
        rc = ERR_NOT_FOUND;
    if (rc == 0 && probe->status == PRODUCT_ARCHIVED) {
        *why = WHY_ARCHIVED;
        rc = ERR_CONFLICT;
    }
    if (rc == 0) {
        product_content_t *working = malloc(sizeof *working);
        if (working == NULL) {
            rc = ERR_INTERNAL;
        } else {
            product_working(probe, working);
            if (working->images.count >= cfg.max_images) {
                *why = WHY_IMAGE_LIMIT;
                rc = ERR_CONFLICT;
            }
            free(working);
        }
    }
    free(probe);
    if (rc != 0)
        return rc;

    memset(img, 0, sizeof *img);
    id_uuid(img->id);
    image_file_name(img->id, type, name);
    rc = storage_put(cfg.storage, name, image_content_type(type), data, len, img->url);
    if (rc != 0)
        return rc;
    change_tx_t t = {.product_id = product_id,
                     .seller_id = seller_id,
                     .mutate = image_add_mutate,
                     .ctx = ctx,
                     .p = out,
                     .image = img,
                     .image_name = name,
                     .image_type = image_content_type(type),
                     .image_bytes = len};
    rc = run_change(&t, why);
    if (rc != 0 && storage_delete(cfg.storage, storage_backend(cfg.storage), name) != 0)
        log_warn("listings: stored image %s of a failed upload could not be deleted", name);
    return rc;
}

static int image_remove_mutate(PGconn *conn, change_tx_t *t, product_outcome_t *o)
{
    (void)conn;
    product_edit_t *edit = malloc(sizeof *edit);
    int rc = refuse_archived(t);
    if (rc == 0 && edit == NULL)
        rc = ERR_INTERNAL;
    if (rc == 0)
        rc = apply_images(t, product_image_remove(t->p, t->image_id, edit), edit, o);
    free(edit);
    return rc;
}

int listing_image_remove(const char *seller_id, const char *product_id, const char *image_id,
                         const event_ctx_t *ctx, product_t *out, const char **why)
{
    change_tx_t t = {.product_id = product_id,
                     .seller_id = seller_id,
                     .mutate = image_remove_mutate,
                     .ctx = ctx,
                     .p = out,
                     .image_id = image_id};
    return run_change(&t, why);
}

static int image_reorder_mutate(PGconn *conn, change_tx_t *t, product_outcome_t *o)
{
    (void)conn;
    product_edit_t *edit = malloc(sizeof *edit);
    int rc = refuse_archived(t);
    if (rc == 0 && edit == NULL)
        rc = ERR_INTERNAL;
    if (rc == 0)
        rc = apply_images(t, product_image_reorder(t->p, t->order, t->order_count, edit), edit, o);
    free(edit);
    return rc;
}

int listing_image_reorder(const char *seller_id, const char *product_id, const char *const *ids,
                          int count, const event_ctx_t *ctx, product_t *out, const char **why)
{
    change_tx_t t = {.product_id = product_id,
                     .seller_id = seller_id,
                     .mutate = image_reorder_mutate,
                     .ctx = ctx,
                     .p = out,
                     .order = ids,
                     .order_count = count};
    return run_change(&t, why);
}

/* ---- reads ---------------------------------------------------------------------------- */

int listing_get(const char *product_id, product_t *out)
{
    PGconn *conn = db_conn();
    if (conn == NULL)
        return ERR_UNAVAILABLE;
    return store_product_get(conn, product_id, false, out);
}

/* Renders rows of STORE_PRODUCT_COLUMNS + a cursor key (+ trailing columns) into
 * {"items", "next_cursor"}: at most limit items; the extra row, when there, means another
 * page follows. A row whose first column is NULL is no product (an empty page that still
 * carries the facets, see search_page_sql). */
static int render_page(const PGresult *res, int limit, search_sort_t sort, enum product_view view,
                       int trailing, cJSON *root)
{
    cJSON *items = cJSON_AddArrayToObject(root, "items");
    product_t *p = malloc(sizeof *p);
    int rows = PQntuples(res), key_col = PQnfields(res) - 1 - trailing, rc = 0;
    if (rows == 1 && PQgetisnull(res, 0, 0))
        rows = 0;
    if (items == NULL || p == NULL) {
        free(p);
        return ERR_INTERNAL;
    }
    for (int i = 0; rc == 0 && i < rows && i < limit; i++) {
        rc = store_product_from_row(res, i, p);
        cJSON *item = rc == 0 ? product_json(p, view) : NULL;
        if (rc == 0 && (item == NULL || !cJSON_AddItemToArray(items, item))) {
            cJSON_Delete(item);
            rc = ERR_INTERNAL;
        }
    }
    free(p);
    if (rc != 0)
        return rc;
    if (rows > limit) {
        char cursor[SEARCH_CURSOR_MAX + 1];
        search_cursor_encode(sort, PQgetvalue(res, limit - 1, key_col),
                             PQgetvalue(res, limit - 1, 0), cursor);
        if (cursor[0] == '\0' || cJSON_AddStringToObject(root, "next_cursor", cursor) == NULL)
            return ERR_INTERNAL;
    } else if (cJSON_AddNullToObject(root, "next_cursor") == NULL) {
        return ERR_INTERNAL;
    }
    return 0;
}

/* Adds {"facets": {"category": [...]}} from the JSON array of search_page_sql. */
static int facets_from_json(const char *json, cJSON *root)
{
    cJSON *cats = cJSON_Parse(json);
    cJSON *facets = cJSON_IsArray(cats) ? cJSON_AddObjectToObject(root, "facets") : NULL;
    if (facets == NULL || !cJSON_AddItemToObject(facets, "category", cats)) {
        cJSON_Delete(cats);
        return ERR_INTERNAL;
    }
    return 0;
}

static int add_facets(PGconn *conn, const search_query_t *q, cJSON *root)
{
    search_sql_t *sql = malloc(sizeof *sql);
    PGresult *res = NULL;
    int rc = sql != NULL ? search_facets_sql(q, sql) : ERR_INTERNAL;
    if (rc == 0)
        rc = store_search(conn, sql, &res);
    free(sql);
    if (rc != 0)
        return rc;
    cJSON *facets = cJSON_AddObjectToObject(root, "facets");
    cJSON *cats = facets != NULL ? cJSON_AddArrayToObject(facets, "category") : NULL;
    rc = cats != NULL ? 0 : ERR_INTERNAL;
    for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
        cJSON *o = cJSON_CreateObject();
        bool ok = o != NULL && cJSON_AddStringToObject(o, "slug", PQgetvalue(res, i, 0)) != NULL &&
                  cJSON_AddStringToObject(o, "name", PQgetvalue(res, i, 1)) != NULL &&
                  cJSON_AddNumberToObject(o, "count", atof(PQgetvalue(res, i, 2))) != NULL &&
                  cJSON_AddItemToArray(cats, o);
        if (!ok) {
            cJSON_Delete(o);
            rc = ERR_INTERNAL;
        }
    }
    PQclear(res);
    return rc;
}

int listing_search(const search_query_t *q, cJSON **out)
{
    search_sql_t *sql = malloc(sizeof *sql);
    PGresult *res = NULL;
    cJSON *root = cJSON_CreateObject();
    PGconn *conn = db_conn();
    int rc = sql == NULL || root == NULL ? ERR_INTERNAL : conn == NULL ? ERR_UNAVAILABLE : 0;
    *out = NULL;
    if (rc == 0 && q->has_q)
        rc = store_set_similarity(conn, similarity);
    if (rc == 0)
        rc = search_page_sql(q, STORE_PRODUCT_COLUMNS, sql);
    if (rc == 0)
        rc = store_search(conn, sql, &res);
    if (rc == 0)
        rc = render_page(res, q->limit, q->sort, VIEW_PUBLIC, sql->facets ? 1 : 0, root);
    /* Facets describe the whole result, so the first page carries them: with words, in
     * the page statement's last column; without, from a statement of their own. */
    if (rc == 0 && sql->facets)
        rc = facets_from_json(PQntuples(res) > 0 ? PQgetvalue(res, 0, PQnfields(res) - 1) : "[]",
                              root);
    else if (rc == 0 && !q->has_cursor)
        rc = add_facets(conn, q, root);
    PQclear(res);
    free(sql);
    if (rc != 0)
        cJSON_Delete(root);
    else
        *out = root;
    return rc;
}

int listing_owner_page(const char *seller_id, const char *status, int limit, bool has_cursor,
                       const char *key, const char *id, cJSON **out)
{
    PGresult *res = NULL;
    cJSON *root = cJSON_CreateObject();
    PGconn *conn = db_conn();
    int rc = root == NULL ? ERR_INTERNAL : conn == NULL ? ERR_UNAVAILABLE : 0;
    *out = NULL;
    if (rc == 0)
        rc = store_product_page(conn, seller_id, status, has_cursor ? key : NULL,
                                has_cursor ? id : NULL, limit, &res);
    if (rc == 0)
        rc = render_page(res, limit, seller_id != NULL ? SORT_NEWEST : SORT_SUBMITTED, VIEW_OWNER,
                         0, root);
    PQclear(res);
    if (rc != 0)
        cJSON_Delete(root);
    else
        *out = root;
    return rc;
}
