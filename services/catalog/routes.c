/* routes.c - the catalog's route table and thin handlers: parse, authorize, call
 * listings.c, render.
 *
 * Every handler authenticates the caller itself (auth_require or
 * auth_require_service); the gateway's checks are a first line only. A product of
 * another seller answers 404, exactly like one that does not exist. Every field is
 * validated before anything is written, and a 400 names each bad field.
 */
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/auth.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/service.h"
#include "common/text.h"
#include "images.h"
#include "listings.h"
#include "product.h"
#include "search.h"
#include "storage.h"
#include "store.h"

#define SELLER_ROLES "seller,admin"
/* JSON bodies are small; the server-wide limit is the image size. */
#define JSON_BODY_MAX (64 * 1024)
#define BATCH_MAX     100

static routes_config_t cfg;

/* ---- helpers ------------------------------------------------------------------------ */

/* A failure from listings or store. A transaction that kept conflicting is temporary:
 * a 503 the client may retry. */
static void reply_failure(http_req_t *req, int rc, const char *not_found)
{
    if (rc == ERR_NOT_FOUND) {
        http_reply_err(req, ERR_NOT_FOUND, not_found);
        return;
    }
    if (rc == ERR_RETRY)
        rc = ERR_UNAVAILABLE;
    if (rc == ERR_INVALID)
        rc = ERR_INTERNAL; /* input was validated: a constraint failing is our bug */
    http_reply_err(req, rc, rc == ERR_UNAVAILABLE ? "the catalog's database is unavailable" : NULL);
}

static void reply_conflict(http_req_t *req, const char *why)
{
    if (why != NULL && strcmp(why, WHY_ARCHIVED) == 0)
        http_reply_error(req, 409, why, "the product is archived", NULL);
    else if (why != NULL && strcmp(why, WHY_IMAGE_LIMIT) == 0)
        http_reply_error(req, 409, why, "the product has as many images as it may have", NULL);
    else if (why != NULL && strcmp(why, WHY_NOT_IN_REVIEW) == 0)
        http_reply_error(req, 409, why, "nothing of this product awaits review", NULL);
    else
        http_reply_err(req, ERR_CONFLICT, NULL);
}

/* 400 naming one field. */
static void reply_field(http_req_t *req, const char *field, const char *message)
{
    json_check_t chk;
    json_check_init(&chk);
    json_check_fail(&chk, field, message);
    http_reply_invalid(req, &chk);
}

static void reply_product(http_req_t *req, int status, const product_t *p, enum product_view view)
{
    cJSON *out = product_json(p, view);
    if (out == NULL)
        http_reply_err(req, ERR_INTERNAL, NULL);
    else
        http_reply_json(req, status, out);
}

/* A JSON object body of at most JSON_BODY_MAX bytes; on failure it has replied. */
static bool json_body(http_req_t *req, cJSON **body)
{
    const char *cl = http_header(req, "Content-Length");
    if (cl != NULL && strtoll(cl, NULL, 10) > JSON_BODY_MAX) {
        http_reply_error(req, 413, "PAYLOAD_TOO_LARGE", "the request body exceeds 65536 bytes",
                         NULL);
        return false;
    }
    return http_json_body(req, body) == 0;
}

/* The :name path segment as a UUID; otherwise it has replied 404 (an id that cannot
 * exist is simply not found). */
static const char *path_uuid(http_req_t *req, const char *name, const char *what)
{
    const char *id = http_param(req, name);
    if (id == NULL || !id_is_uuid(id)) {
        http_reply_err(req, ERR_NOT_FOUND, what);
        return NULL;
    }
    return id;
}

/* A product id in canonical lower case: ids compare as text in ownership checks. */
static void lower_id(const char *id, char out[ID_UUID_LEN])
{
    for (int i = 0; i < ID_UUID_LEN; i++)
        out[i] = (char)(id[i] >= 'A' && id[i] <= 'F' ? id[i] - 'A' + 'a' : id[i]);
}

/* Whether a query parameter is present at all (http_query says no both for absent and
 * for too long, and a too long one must be a 400, not ignored). */
static bool query_present(http_req_t *req, const char *name)
{
    const char *qs = http_query_string(req);
    size_t n = strlen(name);
    for (const char *p = qs; p != NULL && *p != '\0';) {
        if (strncmp(p, name, n) == 0 && (p[n] == '=' || p[n] == '&' || p[n] == '\0'))
            return true;
        p = strchr(p, '&');
        if (p != NULL)
            p++;
    }
    return false;
}

/* A query parameter into buf: NULL when absent; a failure recorded when present but
 * too long or not valid UTF-8. */
static const char *query(http_req_t *req, json_check_t *chk, const char *name, char *buf,
                         size_t len)
{
    if (http_query(req, name, buf, len)) {
        if (!utf8_valid((const unsigned char *)buf, strlen(buf))) {
            json_check_fail(chk, name, "must be valid UTF-8");
            return NULL;
        }
        return buf;
    }
    if (query_present(req, name))
        json_check_fail(chk, name, "is too long");
    return NULL;
}

static product_t *product_new(http_req_t *req)
{
    product_t *p = malloc(sizeof *p);
    if (p == NULL)
        http_reply_err(req, ERR_INTERNAL, NULL);
    return p;
}

/* ---- seller routes ------------------------------------------------------------------ */

static void handle_create(http_req_t *req)
{
    auth_principal_t me;
    cJSON *body;
    json_check_t chk;
    product_edit_t *edit = NULL;
    product_t *p = NULL;
    if (auth_require(req, SELLER_ROLES, &me) != 0 || !json_body(req, &body))
        return;
    if ((edit = malloc(sizeof *edit)) == NULL || (p = product_new(req)) == NULL) {
        if (!http_replied(req))
            http_reply_err(req, ERR_INTERNAL, NULL);
        goto out;
    }
    json_check_init(&chk);
    if (!product_edit_parse(&chk, body, true, edit)) {
        http_reply_invalid(req, &chk);
        goto out;
    }
    json_check_free(&chk);
    event_ctx_t ctx = service_event_ctx(req);
    int rc = listing_create(me.user_id, edit, &ctx, p);
    if (rc == ERR_INVALID)
        reply_field(req, "category", "no such category");
    else if (rc != 0)
        reply_failure(req, rc, NULL);
    else
        reply_product(req, 201, p, VIEW_OWNER);
out:
    free(edit);
    free(p);
}

static void handle_update(http_req_t *req)
{
    auth_principal_t me;
    cJSON *body;
    json_check_t chk;
    const char *raw;
    char id[ID_UUID_LEN];
    product_edit_t *edit = NULL;
    product_t *p = NULL;
    const char *why = NULL;
    if (auth_require(req, SELLER_ROLES, &me) != 0 ||
        (raw = path_uuid(req, "id", "no such product")) == NULL || !json_body(req, &body))
        return;
    lower_id(raw, id);
    if ((edit = malloc(sizeof *edit)) == NULL || (p = product_new(req)) == NULL) {
        if (!http_replied(req))
            http_reply_err(req, ERR_INTERNAL, NULL);
        goto out;
    }
    json_check_init(&chk);
    if (!product_edit_parse(&chk, body, false, edit)) {
        http_reply_invalid(req, &chk);
        goto out;
    }
    json_check_free(&chk);
    event_ctx_t ctx = service_event_ctx(req);
    int rc = listing_edit(me.user_id, id, edit, &ctx, p, &why);
    if (rc == ERR_INVALID)
        reply_field(req, "category", "no such category");
    else if (rc == ERR_CONFLICT)
        reply_conflict(req, why);
    else if (rc != 0)
        reply_failure(req, rc, "no such product");
    else
        reply_product(req, 200, p, VIEW_OWNER);
out:
    free(edit);
    free(p);
}

/* ?status= of the owner lists: a status name, or absent. */
static const char *status_filter(http_req_t *req, json_check_t *chk, char *buf, size_t len)
{
    product_status_t s;
    const char *v = query(req, chk, "status", buf, len);
    if (v != NULL && !product_status_parse(v, &s)) {
        json_check_fail(chk, "status", "must be PENDING_APPROVAL, APPROVED, REJECTED or ARCHIVED");
        return NULL;
    }
    return v;
}

/* GET /seller/products and GET /admin/products. */
static void owner_list(http_req_t *req, const char *seller_id)
{
    json_check_t chk;
    char status_buf[32], limit_buf[16], cursor_buf[SEARCH_CURSOR_MAX + 1], key[64], cid[37];
    int limit;
    bool has_cursor;
    json_check_init(&chk);
    const char *status = status_filter(req, &chk, status_buf, sizeof status_buf);
    const char *limit_s = query(req, &chk, "limit", limit_buf, sizeof limit_buf);
    const char *cursor = query(req, &chk, "cursor", cursor_buf, sizeof cursor_buf);
    if (!json_check_ok(&chk) ||
        !search_page_parse(limit_s, cursor, seller_id != NULL ? SORT_NEWEST : SORT_SUBMITTED, &chk,
                           &limit, &has_cursor, key, cid)) {
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);
    cJSON *out;
    int rc = listing_owner_page(seller_id, status, limit, has_cursor, key, cid, &out);
    if (rc != 0)
        reply_failure(req, rc, NULL);
    else
        http_reply_json(req, 200, out);
}

static void handle_seller_list(http_req_t *req)
{
    auth_principal_t me;
    if (auth_require(req, SELLER_ROLES, &me) == 0)
        owner_list(req, me.user_id);
}

static void handle_archive(http_req_t *req)
{
    auth_principal_t me;
    const char *raw;
    char id[ID_UUID_LEN];
    product_t *p;
    if (auth_require(req, SELLER_ROLES, &me) != 0 ||
        (raw = path_uuid(req, "id", "no such product")) == NULL || (p = product_new(req)) == NULL)
        return;
    lower_id(raw, id);
    event_ctx_t ctx = service_event_ctx(req);
    int rc = listing_archive(me.user_id, id, &ctx, p);
    if (rc != 0)
        reply_failure(req, rc, "no such product");
    else
        reply_product(req, 200, p, VIEW_OWNER);
    free(p);
}

/* ---- images ------------------------------------------------------------------------- */

static void handle_image_upload(http_req_t *req)
{
    auth_principal_t me;
    const char *raw, *data, *why = NULL;
    char id[ID_UUID_LEN];
    size_t len;
    image_ref_t img;
    product_t *p;
    if (auth_require(req, SELLER_ROLES, &me) != 0 ||
        (raw = path_uuid(req, "id", "no such product")) == NULL)
        return;
    lower_id(raw, id);
    int rc = http_body(req, &data, &len);
    if (rc == ERR_TOO_LARGE) {
        char msg[80];
        snprintf(msg, sizeof msg, "an image may have at most %zu bytes", cfg.image_max_bytes);
        http_reply_error(req, 413, "PAYLOAD_TOO_LARGE", msg, NULL);
        return;
    }
    if (rc != 0) {
        http_reply_err(req, rc, "the request body could not be read");
        return;
    }
    if (len > cfg.image_max_bytes) {
        char msg[80];
        snprintf(msg, sizeof msg, "an image may have at most %zu bytes", cfg.image_max_bytes);
        http_reply_error(req, 413, "PAYLOAD_TOO_LARGE", msg, NULL);
        return;
    }
    /* The bytes decide what the file is; the header may only agree. */
    image_type_t type = image_sniff(data, len);
    if (!image_declared_type_ok(http_header(req, "Content-Type"), type)) {
        http_reply_error(req, 415, "UNSUPPORTED_MEDIA_TYPE",
                         type == IMAGE_UNKNOWN ? "the body must be a JPEG, PNG or WebP image"
                                               : "the Content-Type does not match the image sent",
                         NULL);
        return;
    }
    if ((p = product_new(req)) == NULL)
        return;
    event_ctx_t ctx = service_event_ctx(req);
    rc = listing_image_add(me.user_id, id, data, len, type, &ctx, &img, p, &why);
    if (rc == ERR_CONFLICT) {
        reply_conflict(req, why);
    } else if (rc != 0) {
        reply_failure(req, rc, "no such product");
    } else {
        cJSON *out = cJSON_CreateObject();
        cJSON *image = cJSON_AddObjectToObject(out, "image");
        cJSON *product = product_json(p, VIEW_OWNER);
        if (image == NULL || product == NULL ||
            cJSON_AddStringToObject(image, "id", img.id) == NULL ||
            cJSON_AddStringToObject(image, "url", img.url) == NULL ||
            cJSON_AddStringToObject(image, "content_type", image_content_type(type)) == NULL ||
            cJSON_AddNumberToObject(image, "bytes", (double)len) == NULL ||
            !cJSON_AddItemToObject(out, "product", product)) {
            cJSON_Delete(product);
            cJSON_Delete(out);
            http_reply_err(req, ERR_INTERNAL, NULL);
        } else {
            http_reply_json(req, 201, out);
        }
    }
    free(p);
}

static void handle_image_delete(http_req_t *req)
{
    auth_principal_t me;
    const char *raw, *raw_image, *why = NULL;
    char id[ID_UUID_LEN], image_id[ID_UUID_LEN];
    product_t *p;
    if (auth_require(req, SELLER_ROLES, &me) != 0 ||
        (raw = path_uuid(req, "id", "no such product")) == NULL ||
        (raw_image = path_uuid(req, "image_id", "no such image")) == NULL ||
        (p = product_new(req)) == NULL)
        return;
    lower_id(raw, id);
    lower_id(raw_image, image_id);
    event_ctx_t ctx = service_event_ctx(req);
    int rc = listing_image_remove(me.user_id, id, image_id, &ctx, p, &why);
    if (rc == ERR_CONFLICT)
        reply_conflict(req, why);
    else if (rc == ERR_NOT_FOUND)
        http_reply_err(req, ERR_NOT_FOUND, "no such product or image");
    else if (rc != 0)
        reply_failure(req, rc, NULL);
    else
        reply_product(req, 200, p, VIEW_OWNER);
    free(p);
}

static void handle_image_order(http_req_t *req)
{
    auth_principal_t me;
    cJSON *body;
    const char *raw, *why = NULL;
    char id[ID_UUID_LEN];
    const char *ids[PRODUCT_IMAGES_MAX];
    product_t *p = NULL;
    if (auth_require(req, SELLER_ROLES, &me) != 0 ||
        (raw = path_uuid(req, "id", "no such product")) == NULL || !json_body(req, &body))
        return;
    lower_id(raw, id);
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(body, "image_ids");
    int count = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : -1;
    bool ok = count >= 0 && count <= PRODUCT_IMAGES_MAX;
    for (int i = 0; ok && i < count; i++) {
        const cJSON *v = cJSON_GetArrayItem(arr, i);
        ok = cJSON_IsString(v) && id_is_uuid(v->valuestring);
        if (ok)
            ids[i] = v->valuestring;
    }
    if (!ok || cJSON_GetArraySize(body) != 1) {
        reply_field(req, ok ? "body" : "image_ids",
                    ok ? "must hold only image_ids" : "must be an array of image ids");
        return;
    }
    if ((p = product_new(req)) == NULL)
        return;
    event_ctx_t ctx = service_event_ctx(req);
    int rc = listing_image_reorder(me.user_id, id, ids, count, &ctx, p, &why);
    if (rc == ERR_INVALID)
        reply_field(req, "image_ids", "must list every image of the product exactly once");
    else if (rc == ERR_CONFLICT)
        reply_conflict(req, why);
    else if (rc != 0)
        reply_failure(req, rc, "no such product");
    else
        reply_product(req, 200, p, VIEW_OWNER);
    free(p);
}

/* GET /images/:name: a locally stored image. Names are random and files never change,
 * so caches may keep them for good. */
static void handle_image_file(http_req_t *req)
{
    const char *name = http_param(req, "name");
    image_type_t type = image_name_type(name);
    char *data = NULL;
    size_t len = 0;
    if (type == IMAGE_UNKNOWN) {
        http_reply_err(req, ERR_NOT_FOUND, "no such image");
        return;
    }
    int rc = storage_read(cfg.storage, name, &data, &len);
    if (rc == ERR_NOT_FOUND)
        http_reply_err(req, ERR_NOT_FOUND, "no such image");
    else if (rc != 0)
        http_reply_err(req, ERR_INTERNAL, NULL);
    else
        http_reply_raw(req, 200, image_content_type(type),
                       "Cache-Control: public, max-age=31536000, immutable\r\n"
                       "X-Content-Type-Options: nosniff\r\n",
                       data, len);
    free(data);
}

/* ---- public reads ------------------------------------------------------------------- */

static void handle_search(http_req_t *req)
{
    json_check_t chk;
    char q[SEARCH_Q_MAX * 2 + 1], category[CATEGORY_SLUG_MAX + 8], min[32], max[32], seller[48],
        currency[8], in_stock[8], sort[16], limit[16], cursor[SEARCH_CURSOR_MAX + 1];
    search_query_t *sq = malloc(sizeof *sq);
    if (sq == NULL) {
        http_reply_err(req, ERR_INTERNAL, NULL);
        return;
    }
    json_check_init(&chk);
    search_params_t in = {
        .q = query(req, &chk, "q", q, sizeof q),
        .category = query(req, &chk, "category", category, sizeof category),
        .min_price = query(req, &chk, "min_price", min, sizeof min),
        .max_price = query(req, &chk, "max_price", max, sizeof max),
        .seller = query(req, &chk, "seller", seller, sizeof seller),
        .currency = query(req, &chk, "currency", currency, sizeof currency),
        .in_stock = query(req, &chk, "in_stock", in_stock, sizeof in_stock),
        .sort = query(req, &chk, "sort", sort, sizeof sort),
        .limit = query(req, &chk, "limit", limit, sizeof limit),
        .cursor = query(req, &chk, "cursor", cursor, sizeof cursor),
    };
    if (!json_check_ok(&chk) || !search_parse(&in, &chk, sq)) {
        http_reply_invalid(req, &chk);
        free(sq);
        return;
    }
    json_check_free(&chk);
    cJSON *out;
    int rc = listing_search(sq, &out);
    free(sq);
    if (rc != 0)
        reply_failure(req, rc, NULL);
    else
        http_reply_json(req, 200, out);
}

static void handle_get(http_req_t *req)
{
    const char *raw;
    char id[ID_UUID_LEN];
    product_t *p;
    if ((raw = path_uuid(req, "id", "no such product")) == NULL || (p = product_new(req)) == NULL)
        return;
    lower_id(raw, id);
    int rc = listing_get(id, p);
    /* Not approved (yet, or any more) is not there, for the public. */
    if (rc == 0 && !product_is_public(p))
        rc = ERR_NOT_FOUND;
    if (rc != 0)
        reply_failure(req, rc, "no such product");
    else
        reply_product(req, 200, p, VIEW_PUBLIC);
    free(p);
}

static void handle_categories(http_req_t *req)
{
    PGconn *conn = db_conn();
    cJSON *out = NULL;
    if (conn == NULL) {
        http_reply_err(req, ERR_UNAVAILABLE, "the catalog's database is unavailable");
        return;
    }
    int rc = store_category_list(conn, &out);
    if (rc != 0)
        reply_failure(req, rc, NULL);
    else
        http_reply_json(req, 200, out);
}

/* ---- admin routes ------------------------------------------------------------------- */

static void review(http_req_t *req, bool approve)
{
    auth_principal_t me;
    const char *raw, *why = NULL, *reason = NULL;
    char id[ID_UUID_LEN];
    cJSON *body;
    if (auth_require(req, "admin", &me) != 0 ||
        (raw = path_uuid(req, "id", "no such product")) == NULL)
        return;
    lower_id(raw, id);
    if (!approve) {
        json_check_t chk;
        if (!json_body(req, &body))
            return;
        json_check_init(&chk);
        reason = json_req_string(&chk, body, "reason", 1, PRODUCT_REASON_MAX);
        if (reason != NULL && !product_text_ok(reason, true))
            json_check_fail(&chk, "reason", "must be printable text, not blank");
        if (!json_check_ok(&chk)) {
            http_reply_invalid(req, &chk);
            return;
        }
        json_check_free(&chk);
    }
    product_t *p = product_new(req);
    if (p == NULL)
        return;
    event_ctx_t ctx = service_event_ctx(req);
    int rc = listing_review(id, approve, reason, &ctx, p, &why);
    if (rc == ERR_CONFLICT)
        reply_conflict(req, why);
    else if (rc != 0)
        reply_failure(req, rc, "no such product");
    else
        reply_product(req, 200, p, VIEW_OWNER);
    free(p);
}

static void handle_approve(http_req_t *req)
{
    review(req, true);
}

static void handle_reject(http_req_t *req)
{
    review(req, false);
}

static void handle_admin_list(http_req_t *req)
{
    auth_principal_t me;
    if (auth_require(req, "admin", &me) == 0)
        owner_list(req, NULL);
}

typedef struct category_tx {
    const char *slug, *name, *parent;
    cJSON *out;
} category_tx_t;

static int category_fn(PGconn *conn, void *arg)
{
    category_tx_t *t = arg;
    cJSON_Delete(t->out);
    t->out = NULL;
    return store_category_insert(conn, t->slug, t->name, t->parent, &t->out);
}

static void handle_create_category(http_req_t *req)
{
    auth_principal_t me;
    cJSON *body;
    json_check_t chk;
    if (auth_require(req, "admin", &me) != 0 || !json_body(req, &body))
        return;
    json_check_init(&chk);
    const char *slug = json_req_string(&chk, body, "slug", 1, CATEGORY_SLUG_MAX);
    const char *name = json_req_string(&chk, body, "name", 1, CATEGORY_NAME_MAX);
    const char *parent = json_opt_string(&chk, body, "parent", 1, CATEGORY_SLUG_MAX);
    if (slug != NULL && !category_slug_valid(slug))
        json_check_fail(&chk, "slug",
                        "must be lower-case letters and digits in words joined by '-'");
    if (name != NULL && !product_text_ok(name, false))
        json_check_fail(&chk, "name", "must be printable text, not blank");
    if (parent != NULL && !category_slug_valid(parent))
        json_check_fail(&chk, "parent", "must be a category slug");
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);
    category_tx_t t = {.slug = slug, .name = name, .parent = parent};
    int rc = db_tx(category_fn, &t);
    if (rc == ERR_CONFLICT)
        http_reply_error(req, 409, "CATEGORY_EXISTS", "a category with this slug exists", NULL);
    else if (rc == ERR_NOT_FOUND)
        reply_field(req, "parent", "no such category");
    else if (rc == ERR_INVALID)
        reply_field(req, "parent", "categories may be at most 5 levels deep");
    else if (rc != 0)
        reply_failure(req, rc, NULL);
    else {
        http_reply_json(req, 201, t.out);
        t.out = NULL;
    }
    cJSON_Delete(t.out);
}

/* ---- internal routes ---------------------------------------------------------------- */

static void reply_internal(http_req_t *req, const char *const *ids, int count, bool single)
{
    PGconn *conn = db_conn();
    cJSON *items = NULL;
    if (conn == NULL) {
        http_reply_err(req, ERR_UNAVAILABLE, "the catalog's database is unavailable");
        return;
    }
    int rc = store_products_internal(conn, ids, count, &items);
    if (rc != 0) {
        reply_failure(req, rc, NULL);
        return;
    }
    if (single) {
        cJSON *item = cJSON_DetachItemFromArray(items, 0);
        cJSON_Delete(items);
        if (item == NULL)
            http_reply_err(req, ERR_NOT_FOUND, "no such product");
        else
            http_reply_json(req, 200, item);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    if (out == NULL || !cJSON_AddItemToObject(out, "items", items)) {
        cJSON_Delete(items);
        cJSON_Delete(out);
        http_reply_err(req, ERR_INTERNAL, NULL);
        return;
    }
    http_reply_json(req, 200, out);
}

static void handle_internal_product(http_req_t *req)
{
    const char *raw;
    char id[ID_UUID_LEN];
    if (auth_require_service(req) != 0 || (raw = path_uuid(req, "id", "no such product")) == NULL)
        return;
    lower_id(raw, id);
    const char *ids[] = {id};
    reply_internal(req, ids, 1, true);
}

static void handle_internal_batch(http_req_t *req)
{
    cJSON *body;
    char lowered[BATCH_MAX][ID_UUID_LEN];
    const char *ids[BATCH_MAX];
    if (auth_require_service(req) != 0 || !json_body(req, &body))
        return;
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(body, "ids");
    int count = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : -1;
    bool ok = count >= 0 && count <= BATCH_MAX;
    for (int i = 0; ok && i < count; i++) {
        const cJSON *v = cJSON_GetArrayItem(arr, i);
        ok = cJSON_IsString(v) && id_is_uuid(v->valuestring);
        if (ok) {
            lower_id(v->valuestring, lowered[i]);
            ids[i] = lowered[i];
        }
    }
    if (!ok) {
        reply_field(req, "ids", "must be an array of at most 100 product ids");
        return;
    }
    reply_internal(req, ids, count, false);
}

static const http_route_t routes[] = {
    {"POST", "/seller/products", handle_create},
    {"GET", "/seller/products", handle_seller_list},
    {"PUT", "/seller/products/:id", handle_update},
    {"PUT", "/seller/products/:id/archive", handle_archive},
    {"POST", "/seller/products/:id/images", handle_image_upload},
    {"PUT", "/seller/products/:id/images/order", handle_image_order},
    {"DELETE", "/seller/products/:id/images/:image_id", handle_image_delete},
    {"GET", "/products", handle_search},
    {"GET", "/products/:id", handle_get},
    {"GET", "/categories", handle_categories},
    {"GET", "/images/:name", handle_image_file},
    {"PUT", "/admin/products/:id/approve", handle_approve},
    {"PUT", "/admin/products/:id/reject", handle_reject},
    {"GET", "/admin/products", handle_admin_list},
    {"POST", "/admin/categories", handle_create_category},
    {"GET", "/internal/products/:id", handle_internal_product},
    {"POST", "/internal/products/batch", handle_internal_batch},
};

void routes_init(const routes_config_t *c)
{
    cfg = *c;
}

const http_route_t *routes_table(size_t *count)
{
    *count = sizeof routes / sizeof routes[0];
    return routes;
}
