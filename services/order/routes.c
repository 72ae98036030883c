/* routes.c - the order service's route table and thin handlers: parse, authorize,
 * call checkout or the store, render.
 *
 * Who may do what: customers create orders (their own: the customer id comes from
 * the verified token, never the body), read and list their own orders and cancel them
 * while unpaid; admins read, list and cancel any order (also once CONFIRMED); sellers
 * have no order routes here (403). Another customer's order is simply not found (404),
 * so order ids cannot be probed.
 */
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkout.h"
#include "common/auth.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/idempotency.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/money.h"
#include "common/service.h"
#include "lifecycle.h"
#include "order.h"
#include "pricing.h"
#include "render.h"
#include "store.h"

#define IDEM_KEY_MAX   255
#define LIST_LIMIT_MAX 100
#define LIST_LIMIT_DEF 20

/* ---- replies ------------------------------------------------------------------------ */

/* A failure from the store: a transaction that kept conflicting or a database away is
 * temporary (503); anything else is our bug (500), since input was validated before. */
static void reply_failure(http_req_t *req, int rc)
{
    if (rc == ERR_RETRY)
        rc = ERR_UNAVAILABLE;
    if (rc != ERR_UNAVAILABLE && rc != ERR_NOT_FOUND)
        rc = ERR_INTERNAL;
    http_reply_err(req, rc, rc == ERR_NOT_FOUND ? "no such order" : NULL);
}

/* ---- POST /checkout, POST /orders --------------------------------------------------- */

/* A well-formed Idempotency-Key: 1..255 printable ASCII characters. */
static bool idem_key_valid(const char *key)
{
    size_t n = strlen(key);
    if (n < 1 || n > IDEM_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (key[i] < 0x21 || key[i] > 0x7e)
            return false;
    return true;
}

/* The fields both POSTs share: address_id, payment_method, expected_total?. */
static void parse_common(json_check_t *chk, const cJSON *body, checkout_req_t *c)
{
    c->address_id = json_req_string(chk, body, "address_id", 1, 64);
    if (c->address_id != NULL && !id_is_uuid(c->address_id))
        json_check_fail(chk, "address_id", "must be a UUID");
    c->payment_method = json_req_string(chk, body, "payment_method", 1, 16);
    if (c->payment_method != NULL && !order_payment_method_valid(c->payment_method))
        json_check_fail(chk, "payment_method", "must be one of fake, stripe, khalti, esewa");
    c->has_expected_total =
        json_opt_int(chk, body, "expected_total", 0, MONEY_MAX_MINOR, &c->expected_total) == 0;
}

/* Claims the Idempotency-Key (if sent) and runs the checkout; replies. scope_kind
 * keeps the two routes' keys apart. */
static void create_order(http_req_t *req, const auth_principal_t *me, checkout_req_t *c,
                         const char *scope_kind)
{
    const char *key = http_header(req, "Idempotency-Key");
    const char *data = NULL;
    size_t len = 0;
    char scope[64], actor[64];
    char *reply = NULL;
    checkout_failure_t fail;
    snprintf(scope, sizeof scope, "%s:%s", scope_kind, me->user_id);
    snprintf(actor, sizeof actor, "customer:%s", me->user_id);
    c->customer_id = me->user_id;
    c->actor = actor;
    if (key != NULL) {
        if (!idem_key_valid(key)) {
            http_reply_error(req, 400, "VALIDATION_FAILED",
                             "Idempotency-Key must be 1 to 255 printable ASCII characters", NULL);
            return;
        }
        PGconn *conn = service_db(req);
        idem_result_t ir;
        if (conn == NULL)
            return;
        if (http_body(req, &data, &len) != 0 || idem_begin(conn, scope, key, data, len, &ir) != 0) {
            http_reply_err(req, ERR_UNAVAILABLE, "the database is unavailable");
            return;
        }
        switch (ir.state) {
        case IDEM_REPLAY:
            http_reply_raw(req, ir.status, "application/json", "Idempotent-Replayed: true\r\n",
                           ir.body, strlen(ir.body));
            free(ir.body);
            return;
        case IDEM_MISMATCH:
            http_reply_err(req, ERR_IDEM_MISMATCH,
                           "this Idempotency-Key was used with another request body");
            return;
        case IDEM_IN_PROGRESS:
            http_reply_error(req, 409, "IDEMPOTENCY_KEY_IN_USE",
                             "a request with this Idempotency-Key is still being processed", NULL);
            return;
        case IDEM_NEW:
            break;
        }
        c->idem_scope = scope;
        c->idem_key = key;
        /* The peers' calls take a while: the connection goes back to the pool until the
         * order's transaction needs one. */
        db_release();
    }
    event_ctx_t ctx = service_event_ctx(req);
    int rc = checkout_run(c, &ctx, &reply, &fail);
    if (rc != 0) {
        PGconn *conn;
        /* Nothing was kept: a retry with the same key may run again. */
        if (key != NULL && (conn = db_conn()) != NULL && idem_abandon(conn, scope, key) != 0)
            log_warn("order: could not give up an Idempotency-Key; it frees itself later");
        http_reply_error(req, fail.status, fail.code, fail.message, fail.details);
        return;
    }
    http_reply_raw(req, 201, "application/json", NULL, reply, strlen(reply));
    free(reply);
}

static void handle_checkout(http_req_t *req)
{
    auth_principal_t me;
    cJSON *body;
    json_check_t chk;
    checkout_req_t c = {0};
    if (auth_require(req, "customer", &me) != 0 || http_json_body(req, &body) != 0)
        return;
    json_check_init(&chk);
    parse_common(&chk, body, &c);
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);
    create_order(req, &me, &c, "checkout");
}

static void handle_create_order(http_req_t *req)
{
    auth_principal_t me;
    cJSON *body;
    json_check_t chk;
    checkout_req_t c = {0};
    order_item_req_t *items = NULL;
    if (auth_require(req, "customer", &me) != 0 || http_json_body(req, &body) != 0)
        return;
    json_check_init(&chk);
    parse_common(&chk, body, &c);
    order_items_parse(&chk, body, &items, &c.count);
    if (!json_check_ok(&chk)) {
        free(items);
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);
    c.items = items;
    create_order(req, &me, &c, "orders");
    free(items);
}

/* ---- GET /orders/:id, GET /internal/orders/:id ------------------------------------- */

/* Replies with the order; owner_id (not NULL) must own it, else 404. */
static void reply_order(http_req_t *req, const char *id, const char *owner_id)
{
    order_record_t o;
    PGconn *conn = service_db(req);
    if (conn == NULL)
        return;
    int rc = store_order_get(conn, id, false, true, &o);
    if (rc == 0 && owner_id != NULL && strcmp(o.customer_id, owner_id) != 0)
        rc = ERR_NOT_FOUND;
    if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json_or_500(req, 200, render_order(&o));
    order_record_free(&o);
}

/* The order id of a customer's or an admin's request on /orders/:id..., read into buf, with
 * the caller in *me; NULL once the request was answered (not allowed, or a bad id). */
static const char *customer_order_id(http_req_t *req, auth_principal_t *me, char buf[37])
{
    if (auth_require(req, "customer,admin", me) != 0)
        return NULL;
    return http_path_uuid(req, "id", "no such order", buf);
}

static void handle_get_order(http_req_t *req)
{
    auth_principal_t me;
    char buf[37];
    const char *id = customer_order_id(req, &me, buf);
    if (id == NULL)
        return;
    reply_order(req, id, strcmp(me.role, "admin") == 0 ? NULL : me.user_id);
}

static void handle_internal_order(http_req_t *req)
{
    char buf[37];
    const char *id;
    if (auth_require_service(req) != 0 ||
        (id = http_path_uuid(req, "id", "no such order", buf)) == NULL)
        return;
    reply_order(req, id, NULL);
}

/* ---- POST /orders/:id/cancel -------------------------------------------------------- */

typedef struct cancel_args {
    const char *id;
    const auth_principal_t *me;
    const event_ctx_t *ctx;
    order_record_t order;   /* out */
    order_status_t refused; /* out: the status that could not be cancelled */
} cancel_args_t;

static int cancel_tx(PGconn *conn, void *arg)
{
    cancel_args_t *a = arg;
    bool admin = strcmp(a->me->role, "admin") == 0;
    char actor[64];
    order_record_free(&a->order);
    int rc = store_order_get(conn, a->id, true, true, &a->order);
    if (rc != 0)
        return rc;
    if (!admin && strcmp(a->order.customer_id, a->me->user_id) != 0)
        return ERR_NOT_FOUND;
    /* Cancelling a cancelled order again changes nothing: the same answer, so a
     * retried request is harmless. */
    if (a->order.status == ORDER_CANCELLED)
        return 0;
    if (order_cancel_allowed(a->order.status, admin) != 0) {
        a->refused = a->order.status;
        return ERR_CONFLICT;
    }
    snprintf(actor, sizeof actor, "%s:%s", admin ? "admin" : "customer", a->me->user_id);
    return lifecycle_move(conn, &a->order, ORDER_CANCELLED, actor, admin ? "admin" : "customer",
                          a->ctx);
}

static void handle_cancel(http_req_t *req)
{
    auth_principal_t me;
    char buf[37];
    const char *id = customer_order_id(req, &me, buf);
    if (id == NULL)
        return;
    event_ctx_t ctx = service_event_ctx(req);
    cancel_args_t a = {.id = id, .me = &me, .ctx = &ctx, .refused = ORDER_STATUS_INVALID};
    int rc = db_tx(cancel_tx, &a);
    if (rc == ERR_CONFLICT && a.refused != ORDER_STATUS_INVALID) {
        cJSON *d = cJSON_CreateObject();
        if (d != NULL)
            cJSON_AddStringToObject(d, "order_status", order_status_name(a.refused));
        http_reply_error(req, 409, "ORDER_NOT_CANCELLABLE",
                         strcmp(me.role, "admin") == 0
                             ? "the order can no longer be cancelled"
                             : "the order can no longer be cancelled by the customer",
                         d);
    } else if (rc != 0) {
        reply_failure(req, rc);
    } else {
        http_reply_json_or_500(req, 200, render_order(&a.order));
    }
    order_record_free(&a.order);
}

/* ---- GET /user/orders, GET /admin/orders -------------------------------------------- */

/* Reads limit and cursor into f; on failure it has replied 400. */
static bool parse_page(http_req_t *req, store_list_filter_t *f, char cursor[80])
{
    char limit[16];
    json_check_t chk;
    json_check_init(&chk);
    f->limit = LIST_LIMIT_DEF;
    if (http_query(req, "limit", limit, sizeof limit)) {
        char *end;
        long v = strtol(limit, &end, 10);
        if (*limit == '\0' || *end != '\0' || v < 1 || v > LIST_LIMIT_MAX)
            json_check_fail(&chk, "limit", "must be an integer from 1 to 100");
        else
            f->limit = (int)v;
    }
    if (http_query(req, "cursor", cursor, 80)) {
        if (order_cursor_parse(cursor, &f->cursor_us, f->cursor_id) != 0)
            json_check_fail(&chk, "cursor", "is not a cursor this list gave out");
        else
            f->has_cursor = true;
    } else if (http_query_string(req) != NULL && strstr(http_query_string(req), "cursor=")) {
        json_check_fail(&chk, "cursor", "is not a cursor this list gave out");
    }
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return false;
    }
    json_check_free(&chk);
    return true;
}

static void reply_list(http_req_t *req, const store_list_filter_t *f)
{
    order_record_t *rows = NULL;
    int count = 0;
    char next[64];
    PGconn *conn = service_db(req);
    if (conn == NULL)
        return;
    int rc = store_orders_list(conn, f, &rows, &count, next);
    if (rc == ERR_INVALID) {
        json_check_t chk;
        json_check_init(&chk);
        json_check_fail(&chk, "from", "from and to must be dates or RFC 3339 times");
        http_reply_invalid(req, &chk);
        return;
    }
    if (rc != 0) {
        reply_failure(req, rc);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON *items = out != NULL ? cJSON_AddArrayToObject(out, "items") : NULL;
    bool ok = items != NULL;
    for (int i = 0; i < count; i++) {
        cJSON *e = ok ? render_order_summary(&rows[i]) : NULL;
        if (e == NULL || !cJSON_AddItemToArray(items, e)) {
            cJSON_Delete(e);
            ok = false;
        }
        order_record_free(&rows[i]);
    }
    free(rows);
    if (ok)
        ok = (next[0] != '\0' ? cJSON_AddStringToObject(out, "next_cursor", next)
                              : cJSON_AddNullToObject(out, "next_cursor")) != NULL;
    if (!ok) {
        cJSON_Delete(out);
        out = NULL;
    }
    http_reply_json_or_500(req, 200, out);
}

static void handle_user_orders(http_req_t *req)
{
    auth_principal_t me;
    char cursor[80];
    store_list_filter_t f = {0};
    if (auth_require(req, "customer", &me) != 0 || !parse_page(req, &f, cursor))
        return;
    f.customer_id = me.user_id;
    reply_list(req, &f);
}

static bool status_valid(const char *s)
{
    return order_status_parse(s) != ORDER_STATUS_INVALID;
}

/* An optional filter of the admin list: when the query has parameter name (read into
 * buf), *out points at it if valid() accepts it, else chk records problem for name. */
static void query_filter(http_req_t *req, json_check_t *chk, const char *name, char *buf,
                         size_t size, bool (*valid)(const char *), const char *problem,
                         const char **out)
{
    if (!http_query(req, name, buf, size))
        return;
    if (valid(buf))
        *out = buf;
    else
        json_check_fail(chk, name, problem);
}

static void handle_admin_orders(http_req_t *req)
{
    auth_principal_t me;
    char cursor[80], status[32], from[48], to[48], customer[48];
    store_list_filter_t f = {0};
    json_check_t chk;
    if (auth_require(req, "admin", &me) != 0 || !parse_page(req, &f, cursor))
        return;
    json_check_init(&chk);
    query_filter(req, &chk, "status", status, sizeof status, status_valid,
                 "must be an order status", &f.status);
    query_filter(req, &chk, "from", from, sizeof from, order_time_filter_valid,
                 "must be a date (YYYY-MM-DD) or an RFC 3339 time", &f.from);
    query_filter(req, &chk, "to", to, sizeof to, order_time_filter_valid,
                 "must be a date (YYYY-MM-DD) or an RFC 3339 time", &f.to);
    query_filter(req, &chk, "customer_id", customer, sizeof customer, id_is_uuid, "must be a UUID",
                 &f.customer_id);
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);
    reply_list(req, &f);
}

static const http_route_t routes[] = {
    {"POST", "/checkout", handle_checkout},
    {"POST", "/orders", handle_create_order},
    {"GET", "/orders/:id", handle_get_order},
    {"GET", "/user/orders", handle_user_orders},
    {"POST", "/orders/:id/cancel", handle_cancel},
    {"GET", "/admin/orders", handle_admin_orders},
    {"GET", "/internal/orders/:id", handle_internal_order},
};

const http_route_t *routes_table(size_t *count)
{
    *count = sizeof routes / sizeof routes[0];
    return routes;
}
