/* routes.c - inventory's route table and thin handlers: parse, authorize, call
 * movements.c or store.c, render.
 *
 * Every handler authenticates the caller itself: public routes with the bearer token
 * (auth_require), /internal routes with the service credential (auth_require_service).
 * Bodies are read with http_json_body, which answers malformed, oversized or non-JSON
 * bodies itself, and every field is validated before anything is written.
 */
#include "routes.h"

#include <stdlib.h>
#include <string.h>

#include "catalog_client.h"
#include "common/auth.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/service.h"
#include "movements.h"
#include "reservation.h"
#include "sku.h"
#include "store.h"

#define LIST_LIMIT_DEFAULT 20
#define LIST_LIMIT_MAX     100
#define AVAILABILITY_MAX   100 /* SKUs per POST /internal/availability */

static long g_default_ttl = 900;

void routes_init(long default_ttl_seconds)
{
    g_default_ttl = default_ttl_seconds;
}

/* ---- helpers ----------------------------------------------------------------------- */

/* A failure from movements or store. A transaction that kept deadlocking is temporary,
 * so it is a 503 the client may retry; a constraint failing on validated input is our
 * bug, a 500. */
static void reply_failure(http_req_t *req, int rc)
{
    if (rc == ERR_RETRY)
        rc = ERR_UNAVAILABLE;
    if (rc == ERR_INVALID)
        rc = ERR_INTERNAL;
    http_reply_err(req, rc, NULL);
}

/* The :sku of the path when it is a valid code; otherwise it has replied 404 (a code
 * that cannot exist is simply not found). */
static const char *path_sku(http_req_t *req)
{
    const char *sku = http_param(req, "sku");
    if (!sku_code_valid(sku)) {
        http_reply_err(req, ERR_NOT_FOUND, "no such SKU");
        return NULL;
    }
    return sku;
}

static bool add_counts(cJSON *o, const sku_row_t *row)
{
    return cJSON_AddStringToObject(o, "sku", row->sku) != NULL &&
           cJSON_AddStringToObject(o, "product_id", row->product_id) != NULL &&
           cJSON_AddNumberToObject(o, "on_hand", (double)row->on_hand) != NULL &&
           cJSON_AddNumberToObject(o, "reserved", (double)row->reserved) != NULL &&
           cJSON_AddNumberToObject(o, "available", (double)(row->on_hand - row->reserved)) != NULL;
}

/* {sku, product_id, on_hand, reserved, available[, attributes][, updated_at]}. Takes
 * attributes (may be NULL). */
static cJSON *sku_json(const sku_row_t *row, cJSON *attributes, bool with_time)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL && add_counts(o, row);
    if (ok && attributes != NULL) {
        ok = cJSON_AddItemToObject(o, "attributes", attributes);
        if (ok)
            attributes = NULL;
    }
    ok = ok && (!with_time || cJSON_AddStringToObject(o, "updated_at", row->updated_at) != NULL);
    cJSON_Delete(attributes);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* {order_id, status, expires_at, release_reason, lines: [{sku, quantity}]} */
static cJSON *reservation_json(const reservation_row_t *r)
{
    const char *reason = reservation_reason_name(r->reason);
    cJSON *o = cJSON_CreateObject();
    cJSON *lines = NULL;
    bool ok = o != NULL && cJSON_AddStringToObject(o, "order_id", r->order_id) != NULL &&
              cJSON_AddStringToObject(o, "status", reservation_status_name(r->status)) != NULL &&
              cJSON_AddStringToObject(o, "expires_at", r->expires_at) != NULL &&
              (reason != NULL ? cJSON_AddStringToObject(o, "release_reason", reason)
                              : cJSON_AddNullToObject(o, "release_reason")) != NULL &&
              (lines = cJSON_AddArrayToObject(o, "lines")) != NULL;
    for (int i = 0; ok && i < r->line_count; i++) {
        cJSON *l = cJSON_CreateObject();
        ok = l != NULL && cJSON_AddItemToArray(lines, l) &&
             cJSON_AddStringToObject(l, "sku", r->lines[i].sku) != NULL &&
             cJSON_AddNumberToObject(l, "quantity", (double)r->lines[i].quantity) != NULL;
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Reads the SKU of the path for a seller or admin: 404 when it does not exist, 403
 * when it belongs to another seller. On failure it has replied. */
static bool sku_for_caller(http_req_t *req, const auth_principal_t *me, const char *sku,
                           sku_row_t *row, cJSON **attributes)
{
    PGconn *conn = db_conn();
    if (conn == NULL) {
        http_reply_err(req, ERR_UNAVAILABLE, "the database is unavailable");
        return false;
    }
    int rc = store_sku_get(conn, sku, false, row, attributes);
    if (rc == ERR_NOT_FOUND) {
        http_reply_err(req, ERR_NOT_FOUND, "no such SKU");
        return false;
    }
    if (rc != 0) {
        reply_failure(req, rc);
        return false;
    }
    if (strcmp(me->role, "admin") != 0 && strcmp(row->seller_id, me->user_id) != 0) {
        if (attributes != NULL) {
            cJSON_Delete(*attributes);
            *attributes = NULL;
        }
        http_reply_error(req, 403, "FORBIDDEN", "this SKU belongs to another seller", NULL);
        return false;
    }
    return true;
}

/* ---- seller and admin routes ------------------------------------------------------- */

/* POST /seller/products/:id/inventory {sku, quantity, attributes?}: only the product's
 * seller, as the catalog says. A product still awaiting approval (or rejected and being
 * fixed) may be stocked; an archived one may not. */
static void handle_create_sku(http_req_t *req)
{
    auth_principal_t me;
    cJSON *body;
    json_check_t chk;
    const char *product_id;
    char id_buf[37];
    int64_t quantity = 0;
    if (auth_require(req, "seller", &me) != 0 ||
        (product_id = http_path_uuid(req, "id", "no such product", id_buf)) == NULL ||
        http_json_body(req, &body) != 0)
        return;

    json_check_init(&chk);
    const char *sku = json_req_string(&chk, body, "sku", 1, SKU_CODE_MAX);
    if (sku != NULL && !sku_code_valid(sku))
        json_check_fail(&chk, "sku",
                        "must be letters, digits, '.', '_' or '-', starting with "
                        "a letter or digit");
    json_req_int(&chk, body, "quantity", 0, SKU_COUNT_MAX, &quantity);
    const cJSON *attributes = cJSON_GetObjectItemCaseSensitive(body, "attributes");
    const char *problem = sku_attributes_problem(attributes);
    if (problem != NULL)
        json_check_fail(&chk, "attributes", problem);
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);

    catalog_product_t product;
    int rc = catalog_product_get(product_id, &product);
    if (rc == ERR_NOT_FOUND) {
        http_reply_err(req, ERR_NOT_FOUND, "no such product");
        return;
    }
    if (rc != 0) {
        http_reply_err(req, ERR_UNAVAILABLE, "the catalog is unavailable; try again shortly");
        return;
    }
    if (strcmp(product.seller_id, me.user_id) != 0) {
        http_reply_error(req, 403, "FORBIDDEN", "this product belongs to another seller", NULL);
        return;
    }
    if (strcmp(product.status, "ARCHIVED") == 0) {
        http_reply_error(req, 409, "PRODUCT_ARCHIVED", "an archived product cannot be stocked",
                         NULL);
        return;
    }

    event_ctx_t ctx = service_event_ctx(req);
    sku_row_t row;
    rc = movement_create_sku(sku, product_id, product.seller_id, attributes, quantity, me.user_id,
                             &ctx, &row);
    if (rc == ERR_CONFLICT) {
        cJSON *details = cJSON_CreateObject();
        cJSON_AddStringToObject(details, "sku", sku);
        http_reply_error(req, 409, "SKU_EXISTS", "a SKU with this code already exists", details);
        return;
    }
    if (rc != 0) {
        reply_failure(req, rc);
        return;
    }
    cJSON *attrs =
        cJSON_IsObject(attributes) ? cJSON_Duplicate(attributes, true) : cJSON_CreateObject();
    http_reply_json_or_500(req, 201, attrs != NULL ? sku_json(&row, attrs, true) : NULL);
}

/* PATCH /inventory/:sku {delta} or {on_hand}: the product's seller or an admin. */
static void handle_adjust(http_req_t *req)
{
    auth_principal_t me;
    cJSON *body;
    json_check_t chk;
    const char *sku;
    if (auth_require(req, "seller,admin", &me) != 0 || (sku = path_sku(req)) == NULL ||
        http_json_body(req, &body) != 0)
        return;

    json_check_init(&chk);
    int64_t delta = 0, on_hand = 0;
    int has_delta = json_opt_int(&chk, body, "delta", -SKU_COUNT_MAX, SKU_COUNT_MAX, &delta);
    int has_set = json_opt_int(&chk, body, "on_hand", 0, SKU_COUNT_MAX, &on_hand);
    if (has_delta == 0 && has_set == 0) {
        json_check_fail(&chk, "delta", "give either delta or on_hand, not both");
        json_check_fail(&chk, "on_hand", "give either delta or on_hand, not both");
    } else if (has_delta == 1 && has_set == 1) {
        json_check_fail(&chk, "delta", "one of delta or on_hand is required");
    } else if (has_delta == 0 && delta == 0) {
        json_check_fail(&chk, "delta", "must not be 0");
    }
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);

    bool set = has_set == 0;
    event_ctx_t ctx = service_event_ctx(req);
    adjust_outcome_t out;
    int rc = movement_adjust(sku, me.user_id, strcmp(me.role, "admin") == 0, set,
                             set ? on_hand : delta, &ctx, &out);
    if (rc == ERR_NOT_FOUND) {
        http_reply_err(req, ERR_NOT_FOUND, "no such SKU");
        return;
    }
    if (rc == ERR_FORBIDDEN) {
        http_reply_error(req, 403, "FORBIDDEN", "this SKU belongs to another seller", NULL);
        return;
    }
    if (rc == ERR_CONFLICT) {
        cJSON *details = cJSON_CreateObject();
        if (details != NULL && !add_counts(details, &out.row)) {
            cJSON_Delete(details);
            details = NULL;
        }
        if (out.result == SKU_ADJUST_ABOVE_MAX)
            http_reply_error(req, 409, "STOCK_LIMIT", "on_hand would exceed 1000000000", details);
        else
            http_reply_error(req, 409, "BELOW_RESERVED",
                             "on_hand cannot go below the units reserved for orders", details);
        return;
    }
    if (rc != 0) {
        reply_failure(req, rc);
        return;
    }
    http_reply_json_or_500(req, 200, sku_json(&out.row, NULL, true));
}

/* GET /inventory/:sku: counts for the product's seller and admins. */
static void handle_get_sku(http_req_t *req)
{
    auth_principal_t me;
    const char *sku;
    sku_row_t row;
    cJSON *attributes = NULL;
    if (auth_require(req, "seller,admin", &me) != 0 || (sku = path_sku(req)) == NULL ||
        !sku_for_caller(req, &me, sku, &row, &attributes))
        return;
    http_reply_json_or_500(req, 200, sku_json(&row, attributes, true));
}

/* GET /inventory/:sku/ledger?limit=&cursor=: the SKU's movements, newest first. The
 * cursor is opaque to clients (it is the id below which the next page starts). */
static void handle_ledger(http_req_t *req)
{
    auth_principal_t me;
    const char *sku;
    sku_row_t row;
    json_check_t chk;
    int limit = LIST_LIMIT_DEFAULT;
    int64_t before = 0;
    if (auth_require(req, "seller,admin", &me) != 0 || (sku = path_sku(req)) == NULL)
        return;

    json_check_init(&chk);
    http_page_query(req, &chk, LIST_LIMIT_MAX, &limit, &before);
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);
    if (!sku_for_caller(req, &me, sku, &row, NULL))
        return;

    cJSON *items = NULL;
    int64_t next = 0;
    int rc = store_ledger_page(db_conn(), sku, before, limit, &items, &next);
    if (rc != 0) {
        reply_failure(req, rc);
        return;
    }
    http_reply_json_or_500(req, 200, json_page(items, next));
}

/* GET /products/:id/availability: public; in stock or not, per SKU, never the counts. A
 * product without SKUs (or unknown here) is simply not in stock. */
static void handle_availability(http_req_t *req)
{
    char id_buf[37];
    const char *product_id = http_path_uuid(req, "id", "no such product", id_buf);
    if (product_id == NULL)
        return;
    PGconn *conn = db_conn();
    if (conn == NULL) {
        http_reply_err(req, ERR_UNAVAILABLE, "the database is unavailable");
        return;
    }
    cJSON *out = NULL;
    int rc = store_product_availability(conn, product_id, &out);
    if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json(req, 200, out);
}

/* ---- internal routes (service token) ---------------------------------------------- */

/* POST /internal/reservations {order_id, lines: [{sku, quantity}], ttl_seconds?} */
static void handle_reserve(http_req_t *req)
{
    cJSON *body;
    json_check_t chk;
    res_line_t *lines = NULL;
    int count = 0;
    int64_t ttl = g_default_ttl;
    if (auth_require_service(req) != 0 || http_json_body(req, &body) != 0)
        return;

    json_check_init(&chk);
    const char *order_id = json_req_string(&chk, body, "order_id", 36, 36);
    if (order_id != NULL && !id_is_uuid(order_id))
        json_check_fail(&chk, "order_id", "must be a UUID");
    reservation_lines_parse(&chk, body, &lines, &count);
    json_opt_int(&chk, body, "ttl_seconds", RESERVATION_TTL_MIN, RESERVATION_TTL_MAX, &ttl);
    if (!json_check_ok(&chk)) {
        free(lines);
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);

    char order_lower[37];
    id_lower(order_id, order_lower);
    event_ctx_t ctx = service_event_ctx(req);
    reserve_outcome_t out;
    int rc = movement_reserve(order_lower, lines, count, (long)ttl, &ctx, &out);
    free(lines);
    cJSON *details = NULL;
    switch (out.refusal) {
    case RESERVE_OUT_OF_STOCK:
        details = cJSON_CreateObject();
        cJSON_AddStringToObject(details, "sku", out.failed_sku);
        cJSON_AddNumberToObject(details, "available", (double)out.failed_available);
        http_reply_error(req, 409, "OUT_OF_STOCK", "not enough stock for a line of the order",
                         details);
        goto out;
    case RESERVE_UNKNOWN_SKU:
        details = cJSON_CreateObject();
        cJSON_AddStringToObject(details, "sku", out.failed_sku);
        http_reply_error(req, 404, "NOT_FOUND", "no such SKU", details);
        goto out;
    case RESERVE_LINES_DIFFER:
        details = cJSON_CreateObject();
        cJSON_AddStringToObject(details, "order_id", order_lower);
        http_reply_error(req, 409, "CONFLICT",
                         "this order already holds a reservation of other lines", details);
        goto out;
    case RESERVE_REFUSAL_NONE:
        break;
    }
    if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json_or_500(req, out.created ? 201 : 200, reservation_json(&out.res));
out:
    reservation_row_free(&out.res);
}

/* The :order_id of the path, lowercased into buf, or a 404 reply. */
static const char *path_order(http_req_t *req, char buf[37])
{
    return http_path_uuid(req, "order_id", "no reservation for this order", buf);
}

/* GET /internal/reservations/:order_id */
static void handle_reservation_get(http_req_t *req)
{
    char buf[37];
    const char *order_id;
    reservation_row_t res = {0};
    if (auth_require_service(req) != 0 || (order_id = path_order(req, buf)) == NULL)
        return;
    PGconn *conn = db_conn();
    int rc = conn != NULL ? store_reservation_get(conn, order_id, false, &res) : ERR_UNAVAILABLE;
    if (rc == ERR_NOT_FOUND)
        http_reply_err(req, ERR_NOT_FOUND, "no reservation for this order");
    else if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json_or_500(req, 200, reservation_json(&res));
    reservation_row_free(&res);
}

static void reply_finish(http_req_t *req, int rc, finish_outcome_t *out)
{
    if (rc == ERR_NOT_FOUND) {
        http_reply_err(req, ERR_NOT_FOUND, "no reservation for this order");
    } else if (rc == ERR_CONFLICT && out->verdict == RES_REFUSE) {
        http_reply_error(req, 409, "RESERVATION_RELEASED",
                         "the reservation was released; its stock is no longer held",
                         reservation_json(&out->res));
    } else if (rc != 0) {
        reply_failure(req, rc);
    } else {
        http_reply_json_or_500(req, 200, reservation_json(&out->res));
    }
    reservation_row_free(&out->res);
}

/* POST /internal/reservations/:order_id/commit (the payment succeeded) */
static void handle_commit(http_req_t *req)
{
    char buf[37];
    const char *order_id;
    if (auth_require_service(req) != 0 || (order_id = path_order(req, buf)) == NULL)
        return;
    event_ctx_t ctx = service_event_ctx(req);
    finish_outcome_t out;
    int rc = movement_commit(order_id, &ctx, &out);
    reply_finish(req, rc, &out);
}

/* POST /internal/reservations/:order_id/release {reason: cancelled | payment_failed}.
 * "expired" is the sweep's own reason, never a caller's. */
static void handle_release(http_req_t *req)
{
    char buf[37];
    const char *order_id;
    cJSON *body;
    json_check_t chk;
    res_reason_t reason = RES_REASON_NONE;
    if (auth_require_service(req) != 0 || (order_id = path_order(req, buf)) == NULL ||
        http_json_body(req, &body) != 0)
        return;
    json_check_init(&chk);
    const char *r = json_req_string(&chk, body, "reason", 1, 32);
    if (r != NULL && (!reservation_reason_parse(r, &reason) || reason == RES_REASON_EXPIRED))
        json_check_fail(&chk, "reason", "must be \"cancelled\" or \"payment_failed\"");
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);
    event_ctx_t ctx = service_event_ctx(req);
    finish_outcome_t out;
    int rc = movement_release(order_id, reason, &ctx, &out);
    reply_finish(req, rc, &out);
}

/* GET /internal/skus/:sku -> {sku, product_id, on_hand, reserved, available} */
static void handle_internal_sku(http_req_t *req)
{
    const char *sku;
    sku_row_t row;
    if (auth_require_service(req) != 0 || (sku = path_sku(req)) == NULL)
        return;
    PGconn *conn = db_conn();
    int rc = conn != NULL ? store_sku_get(conn, sku, false, &row, NULL) : ERR_UNAVAILABLE;
    if (rc == ERR_NOT_FOUND)
        http_reply_err(req, ERR_NOT_FOUND, "no such SKU");
    else if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json_or_500(req, 200, sku_json(&row, NULL, false));
}

/* POST /internal/availability {"skus": [...]} -> {"items": [{sku, product_id, available}]}
 * for the codes that exist (the cart shows what can still be bought). */
static void handle_internal_availability(http_req_t *req)
{
    cJSON *body;
    json_check_t chk;
    const char *codes[AVAILABILITY_MAX];
    int n = 0;
    if (auth_require_service(req) != 0 || http_json_body(req, &body) != 0)
        return;
    json_check_init(&chk);
    const cJSON *skus = cJSON_GetObjectItemCaseSensitive(body, "skus");
    int size = cJSON_IsArray(skus) ? cJSON_GetArraySize(skus) : -1;
    if (size < 1 || size > AVAILABILITY_MAX) {
        json_check_fail(&chk, "skus", "must be an array of 1 to 100 SKU codes");
    } else {
        const cJSON *s;
        cJSON_ArrayForEach(s, skus)
        {
            if (!cJSON_IsString(s) || !sku_code_valid(s->valuestring)) {
                json_check_fail(&chk, "skus", "must be an array of 1 to 100 SKU codes");
                break;
            }
            codes[n++] = s->valuestring;
        }
    }
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);
    PGconn *conn = db_conn();
    cJSON *out = NULL;
    int rc = conn != NULL ? store_skus_available(conn, codes, n, &out) : ERR_UNAVAILABLE;
    if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json(req, 200, out);
}

static const http_route_t routes[] = {
    {"POST", "/seller/products/:id/inventory", handle_create_sku},
    {"PATCH", "/inventory/:sku", handle_adjust},
    {"GET", "/inventory/:sku", handle_get_sku},
    {"GET", "/inventory/:sku/ledger", handle_ledger},
    {"GET", "/products/:id/availability", handle_availability},
    {"POST", "/internal/reservations", handle_reserve},
    {"GET", "/internal/reservations/:order_id", handle_reservation_get},
    {"POST", "/internal/reservations/:order_id/commit", handle_commit},
    {"POST", "/internal/reservations/:order_id/release", handle_release},
    {"GET", "/internal/skus/:sku", handle_internal_sku},
    {"POST", "/internal/availability", handle_internal_availability},
};

const http_route_t *routes_table(size_t *count)
{
    *count = sizeof routes / sizeof routes[0];
    return routes;
}
