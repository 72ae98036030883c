/* routes.c - fulfillment's route table and thin handlers: parse, authorize, call
 * operations.c or store.c, render.
 *
 * Every handler authenticates the caller itself: public routes with the bearer token
 * (auth_require), /internal routes with the service credential (auth_require_service),
 * the courier callback with its HMAC signature (callback_sig.c). Bodies are read with
 * http_json_body, which answers malformed, oversized or non-JSON bodies itself, and every
 * field is validated before anything is written.
 */
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "callback_sig.h"
#include "common/auth.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/money.h"
#include "common/service.h"
#include "operations.h"
#include "shipment.h"
#include "store.h"
#include "zone.h"

#define LIST_LIMIT_DEFAULT 20
#define LIST_LIMIT_MAX     100
#define COURIER_ZONES_MAX  100

static char *g_callback_secret;
static long g_callback_tolerance = 300;

void routes_init(char *callback_secret, long tolerance_seconds)
{
    g_callback_secret = callback_secret;
    g_callback_tolerance = tolerance_seconds;
}

void routes_free(void)
{
    free(g_callback_secret);
    g_callback_secret = NULL;
}

/* ---- helpers ----------------------------------------------------------------------- */

/* A failure from operations or store. Input was validated, so a constraint failing is our
 * bug (500); a transaction that kept deadlocking is temporary (503). */
static void reply_failure(http_req_t *req, int rc)
{
    http_reply_failure(req, rc, "the database is unavailable");
}

/* limit (1-100, default 20) and cursor (opaque to clients: a positive number this list
 * returned) from the query. False after replying 400. */
static bool page_params(http_req_t *req, json_check_t *chk, int *limit, int64_t *cursor)
{
    *limit = LIST_LIMIT_DEFAULT;
    *cursor = 0;
    http_page_query(req, chk, LIST_LIMIT_MAX, limit, cursor);
    if (!json_check_ok(chk)) {
        http_reply_invalid(req, chk);
        return false;
    }
    return true;
}

static bool add_str_or_null(cJSON *o, const char *name, const char *v)
{
    return (v != NULL && v[0] != '\0' ? cJSON_AddStringToObject(o, name, v)
                                      : cJSON_AddNullToObject(o, name)) != NULL;
}

/* {id, name} of the shipment's courier, or null. */
static bool add_courier(cJSON *o, const shipment_row_t *r)
{
    if (r->courier_id[0] == '\0')
        return cJSON_AddNullToObject(o, "courier") != NULL;
    cJSON *c = cJSON_AddObjectToObject(o, "courier");
    return c != NULL && cJSON_AddStringToObject(c, "id", r->courier_id) != NULL &&
           cJSON_AddStringToObject(c, "name", r->courier_name) != NULL;
}

static bool add_copy(cJSON *o, const char *name, const cJSON *v)
{
    cJSON *dup = cJSON_Duplicate(v, true);
    if (dup == NULL || !cJSON_AddItemToObject(o, name, dup)) {
        cJSON_Delete(dup);
        return false;
    }
    return true;
}

/* A shipment as the admin and seller routes show it. */
static cJSON *shipment_json(const shipment_row_t *r)
{
    shipment_status_t next;
    bool has_next = shipment_next(r->status, &next);
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL && cJSON_AddStringToObject(o, "id", r->id) != NULL &&
              cJSON_AddStringToObject(o, "order_id", r->order_id) != NULL &&
              cJSON_AddStringToObject(o, "order_number", r->order_number) != NULL &&
              cJSON_AddStringToObject(o, "customer_id", r->customer_id) != NULL &&
              cJSON_AddStringToObject(o, "seller_id", r->seller_id) != NULL &&
              cJSON_AddStringToObject(o, "status", shipment_status_name(r->status)) != NULL &&
              add_str_or_null(o, "next_status", has_next ? shipment_status_name(next) : NULL) &&
              add_str_or_null(o, "zone_id", r->zone_id) && add_courier(o, r) &&
              add_str_or_null(o, "tracking_number", r->tracking_number) &&
              add_copy(o, "address", r->address) && add_copy(o, "lines", r->lines) &&
              cJSON_AddNumberToObject(o, "version", (double)r->version) != NULL &&
              cJSON_AddStringToObject(o, "created_at", r->created_at) != NULL &&
              cJSON_AddStringToObject(o, "updated_at", r->updated_at) != NULL;
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *shipment_list_json(const shipment_row_t *rows, int n, int64_t next)
{
    cJSON *items = cJSON_CreateArray();
    bool ok = items != NULL;
    for (int i = 0; ok && i < n; i++) {
        cJSON *s = shipment_json(&rows[i]);
        ok = s != NULL && cJSON_AddItemToArray(items, s);
        if (!ok)
            cJSON_Delete(s);
    }
    if (!ok) {
        cJSON_Delete(items);
        return NULL;
    }
    return json_page(items, next);
}

/* ---- internal: the shipping quote at checkout -------------------------------------- */

/* POST /internal/shipping/quote {address: {country, city?, district?, postal_code?},
 * currency?} -> {zone_id, zone_name, fee, currency}, or 422 ADDRESS_NOT_SERVICEABLE. */
static void handle_quote(http_req_t *req)
{
    cJSON *body;
    json_check_t chk;
    if (auth_require_service(req) != 0 || http_json_body(req, &body) != 0)
        return;
    json_check_init(&chk);
    const cJSON *addr = cJSON_GetObjectItemCaseSensitive(body, "address");
    ship_address_t a = {0};
    if (!cJSON_IsObject(addr)) {
        json_check_fail(&chk, "address", "must be an object with at least a country");
    } else {
        json_check_t sub;
        json_check_init(&sub);
        a.country = json_req_string(&sub, addr, "country", 2, 2);
        a.city = json_opt_string(&sub, addr, "city", 0, 200);
        a.district = json_opt_string(&sub, addr, "district", 0, 200);
        a.postal_code = json_opt_string(&sub, addr, "postal_code", 0, 32);
        if (!json_check_ok(&sub))
            json_check_fail(&chk, "address",
                            "country must be a 2-letter code; city, district and postal_code "
                            "strings");
        json_check_free(&sub);
    }
    const char *currency = json_opt_string(&chk, body, "currency", 3, 3);
    if (currency != NULL && !money_currency_valid(currency))
        json_check_fail(&chk, "currency", "must be an ISO 4217 code the store accepts");
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);

    PGconn *conn = service_db(req);
    if (conn == NULL)
        return;
    zone_set_t zones;
    int rc = store_zones_active(conn, &zones);
    if (rc != 0) {
        reply_failure(req, rc);
        return;
    }
    int i = zone_best(zones.zones, zones.count, &a, currency);
    if (i < 0) {
        cJSON *details = cJSON_CreateObject();
        cJSON_AddStringToObject(details, "country", a.country);
        if (currency != NULL)
            cJSON_AddStringToObject(details, "currency", currency);
        http_reply_error(req, 422, "ADDRESS_NOT_SERVICEABLE",
                         "no delivery zone covers this address", details);
    } else {
        const zone_def_t *z = &zones.zones[i];
        cJSON *out = cJSON_CreateObject();
        if (out != NULL && (cJSON_AddStringToObject(out, "zone_id", z->id) == NULL ||
                            cJSON_AddStringToObject(out, "zone_name", z->name) == NULL ||
                            cJSON_AddNumberToObject(out, "fee", (double)z->fee) == NULL ||
                            cJSON_AddStringToObject(out, "currency", z->currency) == NULL)) {
            cJSON_Delete(out);
            out = NULL;
        }
        http_reply_json_or_500(req, 200, out);
    }
    store_zone_set_free(&zones);
}

/* ---- admin: zones ------------------------------------------------------------------ */

static void reply_zone_exists(http_req_t *req, const char *name)
{
    cJSON *details = cJSON_CreateObject();
    cJSON_AddStringToObject(details, "name", name);
    http_reply_error(req, 409, "ZONE_EXISTS", "a zone with this name exists", details);
}

/* Reads and validates a zone body; false after replying. */
static bool zone_body(http_req_t *req, zone_input_t *z)
{
    cJSON *body;
    json_check_t chk;
    if (http_json_body(req, &body) != 0)
        return false;
    json_check_init(&chk);
    if (zone_input_parse(&chk, body, z) != 0) {
        http_reply_invalid(req, &chk);
        return false;
    }
    json_check_free(&chk);
    return true;
}

/* POST /admin/zones {name, country, cities?, districts?, postal_code_pattern?, fee,
 * currency, active?} */
static void handle_zone_create(http_req_t *req)
{
    auth_principal_t me;
    zone_input_t z;
    PGconn *conn;
    if (auth_require(req, "admin", &me) != 0 || !zone_body(req, &z) ||
        (conn = service_db(req)) == NULL)
        return;
    cJSON *out = NULL;
    int rc = store_zone_insert(conn, &z, &out);
    if (rc == ERR_CONFLICT)
        reply_zone_exists(req, z.name);
    else if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json(req, 201, out);
}

/* PUT /admin/zones/:id: the whole zone, as POST takes it. */
static void handle_zone_update(http_req_t *req)
{
    auth_principal_t me;
    zone_input_t z;
    char id[37];
    PGconn *conn;
    if (auth_require(req, "admin", &me) != 0 ||
        http_path_uuid(req, "id", "no such zone", id) == NULL || !zone_body(req, &z) ||
        (conn = service_db(req)) == NULL)
        return;
    cJSON *out = NULL;
    int rc = store_zone_update(conn, id, &z, &out);
    if (rc == ERR_CONFLICT)
        reply_zone_exists(req, z.name);
    else if (rc == ERR_NOT_FOUND)
        http_reply_err(req, ERR_NOT_FOUND, "no such zone");
    else if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json(req, 200, out);
}

/* DELETE /admin/zones/:id -> 204. Shipments keep their rows (their zone is forgotten);
 * couriers lose the zone from their lists. */
static void handle_zone_delete(http_req_t *req)
{
    auth_principal_t me;
    char id[37];
    PGconn *conn;
    if (auth_require(req, "admin", &me) != 0 ||
        http_path_uuid(req, "id", "no such zone", id) == NULL || (conn = service_db(req)) == NULL)
        return;
    int rc = store_zone_delete(conn, id);
    if (rc == ERR_NOT_FOUND)
        http_reply_err(req, ERR_NOT_FOUND, "no such zone");
    else if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json(req, 204, NULL);
}

/* A store function that reads one page of an admin list (zones, couriers). */
typedef int (*admin_page_fn)(PGconn *conn, int64_t after, int limit, cJSON **items, int64_t *next);

/* An admin list, ?limit=&cursor=: one page from fetch as {items, next_cursor}. */
static void reply_admin_page(http_req_t *req, admin_page_fn fetch)
{
    auth_principal_t me;
    json_check_t chk;
    int limit;
    int64_t cursor;
    PGconn *conn;
    json_check_init(&chk);
    if (auth_require(req, "admin", &me) != 0 || !page_params(req, &chk, &limit, &cursor) ||
        (conn = service_db(req)) == NULL)
        return;
    cJSON *items = NULL;
    int64_t next = 0;
    int rc = fetch(conn, cursor, limit, &items, &next);
    if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json_or_500(req, 200, json_page(items, next));
}

/* GET /admin/zones?limit=&cursor= */
static void handle_zone_list(http_req_t *req)
{
    reply_admin_page(req, store_zones_page);
}

/* ---- admin: couriers --------------------------------------------------------------- */

/* A tracking prefix from the courier's name: its first three letters or digits, upper
 * case ("Pathao Express" -> "PAT"), "CR" when the name has fewer than two. */
static void default_prefix(const char *name, char out[8])
{
    int n = 0;
    for (const char *p = name; *p != '\0' && n < 3; p++) {
        char c = *p;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            out[n++] = c;
    }
    out[n] = '\0';
    if (n < 2)
        snprintf(out, 8, "CR");
}

static bool prefix_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 6)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}

/* Checks a courier's zone list: absent or null (every zone), or 1-100 ids of existing
 * zones. Records failures in chk; false when the database failed (after replying). */
static bool courier_zones_check(http_req_t *req, PGconn *conn, json_check_t *chk,
                                const cJSON *zones)
{
    if (zones == NULL || cJSON_IsNull(zones))
        return true;
    int n = cJSON_IsArray(zones) ? cJSON_GetArraySize(zones) : -1;
    if (n < 1 || n > COURIER_ZONES_MAX) {
        json_check_fail(chk, "zones", "must be null (every zone) or 1 to 100 zone ids");
        return true;
    }
    const cJSON *z;
    cJSON_ArrayForEach(z, zones)
    {
        bool exists = false;
        if (!cJSON_IsString(z) || !id_is_uuid(z->valuestring)) {
            json_check_fail(chk, "zones", "must be null (every zone) or 1 to 100 zone ids");
            return true;
        }
        int rc = store_zone_exists(conn, z->valuestring, &exists);
        if (rc != 0) {
            json_check_free(chk);
            reply_failure(req, rc);
            return false;
        }
        if (!exists) {
            json_check_fail(chk, "zones", "names a zone that does not exist");
            return true;
        }
    }
    return true;
}

/* POST /admin/couriers {name, phone, zones?, capacity, tracking_prefix?, active?} */
static void handle_courier_create(http_req_t *req)
{
    auth_principal_t me;
    cJSON *body;
    json_check_t chk;
    PGconn *conn;
    if (auth_require(req, "admin", &me) != 0 || http_json_body(req, &body) != 0 ||
        (conn = service_db(req)) == NULL)
        return;
    json_check_init(&chk);
    courier_input_t c = {.active = true};
    c.name = json_req_string(&chk, body, "name", 1, 100);
    c.phone = json_req_string(&chk, body, "phone", 3, 40);
    json_req_int(&chk, body, "capacity", 1, 100000, &c.capacity);
    char prefix[8] = "";
    c.tracking_prefix = json_opt_string(&chk, body, "tracking_prefix", 2, 6);
    if (c.tracking_prefix != NULL && !prefix_valid(c.tracking_prefix))
        json_check_fail(&chk, "tracking_prefix", "must be 2 to 6 capital letters or digits");
    if (c.tracking_prefix == NULL && c.name != NULL) {
        default_prefix(c.name, prefix);
        c.tracking_prefix = prefix;
    }
    const cJSON *active = cJSON_GetObjectItemCaseSensitive(body, "active");
    if (active != NULL && !cJSON_IsNull(active)) {
        if (cJSON_IsBool(active))
            c.active = cJSON_IsTrue(active);
        else
            json_check_fail(&chk, "active", "must be true or false");
    }
    const cJSON *zones = cJSON_GetObjectItemCaseSensitive(body, "zones");
    if (!courier_zones_check(req, conn, &chk, zones))
        return;
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);
    char *zones_json = NULL;
    if (zones != NULL && !cJSON_IsNull(zones) &&
        (zones_json = cJSON_PrintUnformatted(zones)) == NULL) {
        http_reply_err(req, ERR_INTERNAL, NULL);
        return;
    }
    c.zones_json = zones_json;
    cJSON *out = NULL;
    int rc = store_courier_insert(conn, &c, &out);
    cJSON_free(zones_json);
    if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json(req, 201, out);
}

/* GET /admin/couriers?limit=&cursor= */
static void handle_courier_list(http_req_t *req)
{
    reply_admin_page(req, store_couriers_page);
}

/* ---- shipments --------------------------------------------------------------------- */

/* PUT /admin/shipments/:id/courier {courier_id} */
static void handle_assign(http_req_t *req)
{
    auth_principal_t me;
    cJSON *body;
    json_check_t chk;
    char id[37], courier[37];
    if (auth_require(req, "admin", &me) != 0 ||
        http_path_uuid(req, "id", "no such shipment", id) == NULL ||
        http_json_body(req, &body) != 0)
        return;
    json_check_init(&chk);
    const char *courier_id = json_req_string(&chk, body, "courier_id", 36, 36);
    if (courier_id != NULL && !id_is_uuid(courier_id))
        json_check_fail(&chk, "courier_id", "must be a UUID");
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);
    id_lower(courier_id, courier);

    event_ctx_t ctx = service_event_ctx(req);
    assign_outcome_t out;
    int rc = op_assign(id, courier, &ctx, &out);
    switch (out.refusal) {
    case ASSIGN_REFUSE_NO_SHIPMENT:
        http_reply_err(req, ERR_NOT_FOUND, "no such shipment");
        return;
    case ASSIGN_REFUSE_NO_COURIER:
        http_reply_err(req, ERR_NOT_FOUND, "no such courier");
        return;
    case ASSIGN_REFUSE_INACTIVE:
        http_reply_error(req, 409, "COURIER_INACTIVE", "this courier is not active", NULL);
        return;
    case ASSIGN_REFUSE_FULL:
        http_reply_error(req, 409, "COURIER_AT_CAPACITY",
                         "this courier holds as many open shipments as its capacity", NULL);
        return;
    case ASSIGN_REFUSE_TOO_LATE:
        http_reply_error(req, 409, "SHIPMENT_ALREADY_SHIPPED",
                         "the courier can change only before the shipment is SHIPPED", NULL);
        return;
    case ASSIGN_REFUSE_NONE:
        break;
    }
    if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json_or_500(req, 200, shipment_json(&out.row));
    store_shipment_row_free(&out.row);
}

/* The status of a PATCH body: one of the steps of the path. Cancelling is the order's
 * business (OrderCancelled cancels its shipments), so it is not taken here. */
static bool status_body(http_req_t *req, shipment_status_t *to)
{
    cJSON *body;
    json_check_t chk;
    if (http_json_body(req, &body) != 0)
        return false;
    json_check_init(&chk);
    const char *s = json_req_string(&chk, body, "status", 1, 32);
    if (s != NULL && (!shipment_status_parse(s, to) || *to == SHIP_CANCELLED))
        json_check_fail(&chk, "status",
                        "must be PACKING, SHIPPED, OUT_FOR_DELIVERY or DELIVERED (a shipment is "
                        "cancelled by cancelling its order)");
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return false;
    }
    json_check_free(&chk);
    return true;
}

/* Answers a status move: the shipment, or why it cannot move (409 with the current status
 * and the one step allowed from it). */
static void reply_move(http_req_t *req, int rc, shipment_status_t to, move_outcome_t *out)
{
    if (rc == ERR_NOT_FOUND) {
        http_reply_err(req, ERR_NOT_FOUND, "no such shipment");
    } else if (rc == ERR_FORBIDDEN) {
        http_reply_error(req, 403, "FORBIDDEN", "this shipment belongs to another seller", NULL);
    } else if (rc == ERR_CONFLICT) {
        shipment_status_t next;
        bool has_next = shipment_next(out->row.status, &next);
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "status", shipment_status_name(out->row.status));
        cJSON_AddStringToObject(d, "requested", shipment_status_name(to));
        if (has_next)
            cJSON_AddStringToObject(d, "allowed_next", shipment_status_name(next));
        else
            cJSON_AddNullToObject(d, "allowed_next");
        if (out->needs_courier)
            http_reply_error(req, 409, "COURIER_REQUIRED",
                             "assign a courier before the shipment leaves", d);
        else
            http_reply_error(req, 409, "INVALID_TRANSITION",
                             out->verdict == SHIP_MOVE_FINAL
                                 ? "the shipment is in a final status"
                                 : "a shipment moves forward one step at a time",
                             d);
    } else if (rc != 0) {
        reply_failure(req, rc);
    } else {
        http_reply_json_or_500(req, 200, shipment_json(&out->row));
    }
    store_shipment_row_free(&out->row);
}

/* PATCH /admin/shipments/:id/status and PATCH /seller/shipments/:id/status {status}: a
 * seller only its own shipments, an admin any. */
static void handle_move(http_req_t *req)
{
    auth_principal_t me;
    char id[37];
    shipment_status_t to;
    bool seller_route = strncmp(http_path(req), "/seller/", 8) == 0;
    if (auth_require(req, seller_route ? "seller,admin" : "admin", &me) != 0 ||
        http_path_uuid(req, "id", "no such shipment", id) == NULL || !status_body(req, &to))
        return;
    bool admin = strcmp(me.role, "admin") == 0;
    move_actor_t actor = {
        .kind = admin ? "admin" : "seller",
        .id = me.user_id,
        .seller_id = admin ? NULL : me.user_id,
    };
    event_ctx_t ctx = service_event_ctx(req);
    move_outcome_t out;
    int rc = op_move(id, false, to, &actor, &ctx, &out);
    reply_move(req, rc, to, &out);
}

/* GET /admin/shipments?status=&limit=&cursor= and GET /seller/shipments?...: newest
 * first; a seller sees only its own. */
static void handle_shipment_list(http_req_t *req)
{
    auth_principal_t me;
    json_check_t chk;
    int limit;
    int64_t cursor;
    char status[32];
    shipment_status_t st;
    bool seller_route = strncmp(http_path(req), "/seller/", 8) == 0;
    if (auth_require(req, seller_route ? "seller,admin" : "admin", &me) != 0)
        return;
    json_check_init(&chk);
    bool has_status = http_query(req, "status", status, sizeof status);
    if (has_status && !shipment_status_parse(status, &st))
        json_check_fail(&chk, "status", "is not a shipment status");
    PGconn *conn;
    if (!page_params(req, &chk, &limit, &cursor) || (conn = service_db(req)) == NULL)
        return;
    const char *seller = strcmp(me.role, "admin") == 0 ? NULL : me.user_id;
    shipment_row_t *rows = NULL;
    int n = 0;
    int64_t next = 0;
    int rc = store_shipments_page(conn, seller, has_status ? status : NULL, cursor, limit, &rows,
                                  &n, &next);
    if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json_or_500(req, 200, shipment_list_json(rows, n, next));
    store_shipment_rows_free(rows, n);
}

/* ---- customer: tracking ------------------------------------------------------------ */

/* An actor as the customer sees it: who moved the parcel ("seller", "courier", ...),
 * without the person's id. */
static const char *actor_kind(const char *actor, char buf[16])
{
    size_t n = strcspn(actor, ":");
    snprintf(buf, 16, "%.*s", (int)(n < 15 ? n : 15), actor);
    return buf;
}

/* One shipment of the tracking answer with its own history. */
static cJSON *tracking_entry(const shipment_row_t *r, const cJSON *history, bool full_actor)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *h = NULL;
    bool ok = o != NULL && cJSON_AddStringToObject(o, "shipment_id", r->id) != NULL &&
              cJSON_AddStringToObject(o, "seller_id", r->seller_id) != NULL &&
              cJSON_AddStringToObject(o, "status", shipment_status_name(r->status)) != NULL &&
              add_courier(o, r) && add_str_or_null(o, "tracking_number", r->tracking_number) &&
              add_copy(o, "lines", r->lines) && (h = cJSON_AddArrayToObject(o, "history")) != NULL;
    const cJSON *e;
    cJSON_ArrayForEach(e, history)
    {
        const cJSON *sid = cJSON_GetObjectItemCaseSensitive(e, "shipment_id");
        if (!ok)
            break;
        if (!cJSON_IsString(sid) || strcmp(sid->valuestring, r->id) != 0)
            continue;
        const cJSON *from = cJSON_GetObjectItemCaseSensitive(e, "from");
        const cJSON *to = cJSON_GetObjectItemCaseSensitive(e, "to");
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(e, "at");
        const cJSON *actor = cJSON_GetObjectItemCaseSensitive(e, "actor");
        char kind[16];
        cJSON *step = cJSON_CreateObject();
        ok = step != NULL && cJSON_AddItemToArray(h, step) &&
             add_str_or_null(step, "from", cJSON_IsString(from) ? from->valuestring : NULL) &&
             add_str_or_null(step, "to", cJSON_IsString(to) ? to->valuestring : NULL) &&
             add_str_or_null(step, "at", cJSON_IsString(at) ? at->valuestring : NULL) &&
             cJSON_IsString(actor) &&
             cJSON_AddStringToObject(step, "actor",
                                     full_actor ? actor->valuestring
                                                : actor_kind(actor->valuestring, kind)) != NULL;
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* GET /orders/:id/tracking: the order's customer or an admin; anyone else, and an order
 * without shipments yet, is 404 (an order's existence is not revealed to strangers). */
static void handle_tracking(http_req_t *req)
{
    auth_principal_t me;
    char id[37];
    PGconn *conn;
    if (auth_require(req, NULL, &me) != 0 ||
        http_path_uuid(req, "id", "no such order", id) == NULL || (conn = service_db(req)) == NULL)
        return;
    shipment_row_t *rows = NULL;
    int n = 0;
    cJSON *history = NULL;
    int rc = store_order_tracking(conn, id, &rows, &n, &history);
    if (rc != 0) {
        reply_failure(req, rc);
        return;
    }
    bool admin = strcmp(me.role, "admin") == 0;
    if (n == 0 || (!admin && strcmp(rows[0].customer_id, me.user_id) != 0)) {
        http_reply_err(req, ERR_NOT_FOUND, "no shipment of this order");
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = NULL;
    bool ok = o != NULL && cJSON_AddStringToObject(o, "order_id", id) != NULL &&
              cJSON_AddStringToObject(o, "order_number", rows[0].order_number) != NULL &&
              (arr = cJSON_AddArrayToObject(o, "shipments")) != NULL;
    for (int i = 0; ok && i < n; i++) {
        cJSON *e = tracking_entry(&rows[i], history, admin);
        ok = e != NULL && cJSON_AddItemToArray(arr, e);
        if (!ok)
            cJSON_Delete(e);
    }
    if (!ok) {
        cJSON_Delete(o);
        o = NULL;
    }
    http_reply_json_or_500(req, 200, o);
out:
    cJSON_Delete(history);
    store_shipment_rows_free(rows, n);
}

/* ---- couriers' signed callback ----------------------------------------------------- */

/* POST /couriers/callback {tracking_number, status}, signed (callback_sig.h). Moves the
 * shipment with that tracking number one step, as "courier:<its courier id>". The same
 * status again (a callback delivered twice) answers 200 unchanged. */
static void handle_callback(http_req_t *req)
{
    const char *raw;
    size_t len;
    int rc = http_body(req, &raw, &len);
    if (rc != 0) {
        http_reply_err(req, rc, NULL);
        return;
    }
    courier_sig_result_t sig =
        courier_sig_check(g_callback_secret, http_header(req, "X-Courier-Timestamp"),
                          http_header(req, "X-Courier-Signature"), raw, len, (long long)time(NULL),
                          g_callback_tolerance);
    if (sig != COURIER_SIG_OK) {
        http_reply_error(req, 401, "UNAUTHORIZED",
                         sig == COURIER_SIG_STALE ? "the callback's timestamp is too old or new"
                                                  : "the callback's signature is missing or wrong",
                         NULL);
        return;
    }
    cJSON *body = cJSON_ParseWithLength(raw, len);
    json_check_t chk;
    shipment_status_t to = SHIP_CONFIRMED;
    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        http_reply_err(req, ERR_MALFORMED, "the body must be a JSON object");
        return;
    }
    json_check_init(&chk);
    const char *tracking = json_req_string(&chk, body, "tracking_number", 4, 39);
    const char *s = json_req_string(&chk, body, "status", 1, 32);
    if (s != NULL && (!shipment_status_parse(s, &to) || to == SHIP_CANCELLED))
        json_check_fail(&chk, "status", "must be PACKING, SHIPPED, OUT_FOR_DELIVERY or DELIVERED");
    if (!json_check_ok(&chk)) {
        cJSON_Delete(body);
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);
    /* The actor is the courier the shipment is assigned to (id NULL: op_move takes it
     * from the shipment): the shared secret vouches for the caller, the tracking number,
     * made anew on every assignment, for which courier it is. */
    move_actor_t actor = {.kind = "courier", .id = NULL, .same_is_ok = true};
    event_ctx_t ctx = service_event_ctx(req);
    move_outcome_t out;
    rc = op_move(tracking, true, to, &actor, &ctx, &out);
    cJSON_Delete(body);
    if (rc == 0 && out.unchanged)
        log_info("courier callback: shipment %s already %s", out.row.id, shipment_status_name(to));
    reply_move(req, rc, to, &out);
}

static const http_route_t routes[] = {
    {"POST", "/internal/shipping/quote", handle_quote},
    {"POST", "/admin/zones", handle_zone_create},
    {"GET", "/admin/zones", handle_zone_list},
    {"PUT", "/admin/zones/:id", handle_zone_update},
    {"DELETE", "/admin/zones/:id", handle_zone_delete},
    {"POST", "/admin/couriers", handle_courier_create},
    {"GET", "/admin/couriers", handle_courier_list},
    {"GET", "/admin/shipments", handle_shipment_list},
    {"PUT", "/admin/shipments/:id/courier", handle_assign},
    {"PATCH", "/admin/shipments/:id/status", handle_move},
    {"GET", "/seller/shipments", handle_shipment_list},
    {"PATCH", "/seller/shipments/:id/status", handle_move},
    {"GET", "/orders/:id/tracking", handle_tracking},
    {"POST", "/couriers/callback", handle_callback},
};

const http_route_t *routes_table(size_t *count)
{
    *count = sizeof routes / sizeof routes[0];
    return routes;
}
