/* routes.c - the cart's route table and thin handlers: parse, authorize, read or
 * change the cart (store.c), evaluate (cart.c), render (render.c).
 *
 * Every public route is for customers only and acts on the caller's own cart: the
 * customer id comes from the verified token, never from the request, and a line id of
 * another customer's cart is simply not found (404). Reads price every line from the
 * read model; what it has not seen yet is fetched from the catalog and inventory first
 * (peers.c), and a peer that cannot answer then makes the request a 503.
 */
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cart.h"
#include "common/auth.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/service.h"
#include "peers.h"
#include "render.h"
#include "store.h"

static long max_quantity = CART_QUANTITY_MAX_DEFAULT;
static long max_lines = CART_LINES_MAX_DEFAULT;

void routes_init(long quantity, long lines)
{
    max_quantity = quantity;
    max_lines = lines;
}

/* ---- replies ------------------------------------------------------------------------ */

/* A failure from the store or a peer. Input was validated before, so a constraint
 * failing is our bug (500); a transaction that kept conflicting is temporary (503). */
static void reply_failure(http_req_t *req, int rc)
{
    http_reply_failure(req, rc, "a service the cart needs is unavailable");
}

/* {"field": name} for errors about one field. */
static cJSON *field_details(const char *name)
{
    cJSON *d = cJSON_CreateObject();
    if (d != NULL && cJSON_AddStringToObject(d, "field", name) == NULL) {
        cJSON_Delete(d);
        return NULL;
    }
    return d;
}

/* ---- the read model's fallback ------------------------------------------------------ */

/* Fetches from the peers what the read model lacks for these lines. Returns 1 when it
 * fetched something (the caller reads again), 0 when nothing was missing, or an error. */
static int fill_unknown(PGconn *conn, const cart_line_t *lines, int count)
{
    const char **ids = NULL, **skus = NULL;
    int nids = 0, nskus = 0, rc = 0;
    if (count == 0)
        return 0;
    ids = calloc((size_t)count, sizeof *ids);
    skus = calloc((size_t)count, sizeof *skus);
    if (ids == NULL || skus == NULL) {
        rc = ERR_INTERNAL;
        goto out;
    }
    for (int i = 0; i < count; i++) {
        /* Each SKU is on one line; a product may be on several (one per SKU). */
        if (!lines[i].product_known) {
            int j = 0;
            while (j < nids && strcmp(ids[j], lines[i].product_id) != 0)
                j++;
            if (j == nids)
                ids[nids++] = lines[i].product_id;
        }
        if (!lines[i].stock_known)
            skus[nskus++] = lines[i].sku;
    }
    if (nids > 0)
        rc = peers_fill_products(conn, ids, nids);
    if (rc == 0 && nskus > 0)
        rc = peers_fill_stock(conn, skus, nskus);
    if (rc == 0)
        rc = nids + nskus > 0 ? 1 : 0;
out:
    free(ids);
    free(skus);
    return rc;
}

/* Replies with the customer's whole cart. */
static void reply_cart(http_req_t *req, const char *customer_id)
{
    cart_read_t r;
    PGconn *conn = service_db(req);
    if (conn == NULL)
        return;
    int rc = store_cart_read(conn, customer_id, &r);
    if (rc == 0) {
        int filled = fill_unknown(conn, r.lines, r.count);
        if (filled == 1) {
            store_cart_read_free(&r);
            rc = store_cart_read(conn, customer_id, &r);
        } else if (filled < 0) {
            store_cart_read_free(&r);
            rc = filled;
        }
    }
    if (rc != 0) {
        reply_failure(req, rc);
        return;
    }
    cart_summary_t s;
    cart_evaluate(r.lines, r.count, r.currency, &s);
    http_reply_json_or_500(req, 200, render_cart(r.cart_id, customer_id, r.lines, r.count, &s));
    store_cart_read_free(&r);
}

/* Replies with one line read by store_line_* (takes r), fetching unknowns first. */
static void reply_line(http_req_t *req, PGconn *conn, const char *customer_id, const char *line_id,
                       cart_read_t *r)
{
    int filled = fill_unknown(conn, r->lines, r->count);
    int rc = 0;
    if (filled == 1) {
        store_cart_read_free(r);
        rc = store_line_read(conn, customer_id, line_id, r);
    } else if (filled < 0) {
        rc = filled;
    }
    if (rc == 0 && r->count == 1) {
        cart_summary_t s;
        cart_evaluate(r->lines, 1, r->currency, &s);
        http_reply_json_or_500(req, 200, render_line(&r->lines[0]));
    } else if (rc == ERR_NOT_FOUND || (rc == 0 && r->count != 1)) {
        /* Deleted between the update and the re-read: gone, as far as the caller goes. */
        http_reply_err(req, ERR_NOT_FOUND, "no such cart item");
    } else {
        reply_failure(req, rc);
    }
    store_cart_read_free(r);
}

/* ---- GET /cart, DELETE /cart -------------------------------------------------------- */

static void handle_get_cart(http_req_t *req)
{
    auth_principal_t me;
    if (auth_require(req, "customer", &me) != 0)
        return;
    reply_cart(req, me.user_id);
}

static void handle_clear_cart(http_req_t *req)
{
    auth_principal_t me;
    if (auth_require(req, "customer", &me) != 0)
        return;
    PGconn *conn = service_db(req);
    if (conn == NULL)
        return;
    int rc = store_cart_clear(conn, me.user_id);
    if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json(req, 204, NULL);
}

/* ---- POST /cart/items --------------------------------------------------------------- */

/* What an add reads: the product and the SKU, first from the read model in one
 * statement (both), then, where the model's answer is negative, again after asking
 * the peer (product_res, stock_res). The views borrow from these results. */
typedef struct add_lookup {
    PGresult *both, *product_res, *stock_res;
    bool pfound, sfound;
    product_view_t product;
    stock_view_t stock;
} add_lookup_t;

static void add_lookup_free(add_lookup_t *l)
{
    PQclear(l->both);
    PQclear(l->product_res);
    PQclear(l->stock_res);
}

/* The product to add. When the model does not know it or does not show it approved,
 * the catalog is asked, since the model may just not have seen the latest event yet. A
 * catalog that cannot answer leaves the model's answer standing; with no answer at all
 * it is ERR_UNAVAILABLE. */
static int product_for_add(PGconn *conn, const char *product_id, const char *sku, add_lookup_t *l)
{
    int rc = store_add_lookup(conn, product_id, sku, &l->both, &l->pfound, &l->product, &l->sfound,
                              &l->stock);
    if (rc != 0 || (l->pfound && cart_product_status(l->product.status) == PRODUCT_APPROVED))
        return rc;
    rc = peers_fill_products(conn, &product_id, 1);
    if (rc != 0)
        return l->pfound ? 0 : rc;
    return store_product_get(conn, product_id, &l->product_res, &l->pfound, &l->product);
}

/* The SKU to add (after product_for_add), likewise confirmed with inventory when the
 * model does not know it or places it under another product. */
static int stock_for_add(PGconn *conn, const char *product_id, const char *sku, add_lookup_t *l)
{
    if (l->sfound && strcmp(l->stock.product_id, product_id) == 0)
        return 0;
    int rc = peers_fill_stock(conn, &sku, 1);
    if (rc != 0)
        return l->sfound ? 0 : rc;
    return store_stock_get(conn, sku, &l->stock_res, &l->sfound, &l->stock);
}

typedef enum add_outcome {
    ADD_OK = 0,
    ADD_CURRENCY_MISMATCH,
    ADD_QUANTITY_LIMIT,
    ADD_CART_FULL,
} add_outcome_t;

typedef struct add_args {
    /* in */
    const char *customer_id;
    const char *product_id;
    const char *sku;
    const char *currency; /* the product's */
    int64_t quantity;
    /* out */
    add_outcome_t outcome;
    bool merged;
    char line_id[37];
    int64_t line_quantity;
    cart_lock_t cart;
} add_args_t;

/* The add, in one transaction: the cart row is locked first, so adds to one cart
 * serialize and the currency, merge and line-count checks see every committed line. */
static int add_tx(PGconn *conn, void *arg)
{
    add_args_t *a = arg;
    char new_cart_id[ID_UUID_LEN];
    bool found = false;
    int64_t in_cart = 0;
    id_uuid(new_cart_id);
    a->outcome = ADD_OK;
    a->merged = false;
    int line_count = 0;
    int rc = store_cart_lock(conn, a->customer_id, new_cart_id, &a->cart);
    if (rc == 0)
        rc = store_cart_lines_of(conn, a->cart.cart_id, a->sku, &line_count, &found, a->line_id,
                                 &in_cart);
    if (rc != 0)
        return rc;
    if (cart_currency_accepts(a->cart.currency, line_count, a->currency) != 0) {
        a->outcome = ADD_CURRENCY_MISMATCH;
        return ERR_CONFLICT;
    }
    if (cart_merge_quantity(found ? in_cart : 0, a->quantity, max_quantity, &a->line_quantity) !=
        0) {
        a->line_quantity = in_cart;
        a->outcome = ADD_QUANTITY_LIMIT;
        return ERR_CONFLICT;
    }
    if (found) {
        a->merged = true;
        rc = store_line_update_quantity(conn, a->line_id, a->line_quantity);
    } else if (line_count >= max_lines) {
        a->outcome = ADD_CART_FULL;
        return ERR_CONFLICT;
    } else {
        id_uuid(a->line_id);
        rc = store_line_insert(conn, a->line_id, a->cart.cart_id, a->product_id, a->sku,
                               a->line_quantity);
    }
    if (rc != 0 || strcmp(a->cart.currency, a->currency) == 0)
        return rc;
    /* The first line sets the cart's currency; later lines match it (checked above). */
    return store_cart_touch(conn, a->cart.cart_id, a->currency);
}

static void reply_add_conflict(http_req_t *req, const add_args_t *a)
{
    cJSON *d = cJSON_CreateObject();
    switch (a->outcome) {
    case ADD_CURRENCY_MISMATCH:
        if (d != NULL) {
            cJSON_AddStringToObject(d, "cart_currency", a->cart.currency);
            cJSON_AddStringToObject(d, "product_currency", a->currency);
        }
        http_reply_error(req, 409, "CURRENCY_MISMATCH",
                         "the cart holds products priced in another currency", d);
        return;
    case ADD_QUANTITY_LIMIT:
        if (d != NULL) {
            cJSON_AddNumberToObject(d, "max_quantity", (double)max_quantity);
            cJSON_AddNumberToObject(d, "in_cart", (double)a->line_quantity);
        }
        http_reply_error(req, 409, "QUANTITY_LIMIT",
                         "the line would hold more than the most one line may hold", d);
        return;
    case ADD_CART_FULL:
        if (d != NULL)
            cJSON_AddNumberToObject(d, "max_lines", (double)max_lines);
        http_reply_error(req, 409, "CART_FULL", "the cart holds as many lines as it may", d);
        return;
    case ADD_OK:
        break;
    }
    cJSON_Delete(d);
    http_reply_err(req, ERR_INTERNAL, NULL);
}

static void handle_add_item(http_req_t *req)
{
    auth_principal_t me;
    cJSON *body;
    json_check_t chk;
    int64_t quantity = 0;
    add_lookup_t l = {0};
    if (auth_require(req, "customer", &me) != 0 || http_json_body(req, &body) != 0)
        return;

    json_check_init(&chk);
    const char *product_id = json_req_string(&chk, body, "product_id", 1, 64);
    const char *sku = json_req_string(&chk, body, "sku", 1, 256);
    json_req_int(&chk, body, "quantity", 1, max_quantity, &quantity);
    if (product_id != NULL && !id_is_uuid(product_id))
        json_check_fail(&chk, "product_id", "must be a UUID");
    if (sku != NULL && !cart_sku_valid(sku))
        json_check_fail(&chk, "sku",
                        "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a "
                        "letter or digit");
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);

    PGconn *conn = service_db(req);
    if (conn == NULL)
        return;
    int rc = product_for_add(conn, product_id, sku, &l);
    if (rc != 0) {
        reply_failure(req, rc);
        goto out;
    }
    rc = l.pfound ? cart_product_addable(cart_product_status(l.product.status)) : ERR_NOT_FOUND;
    if (rc == ERR_NOT_FOUND) {
        http_reply_error(req, 404, "NOT_FOUND", "no such product", field_details("product_id"));
        goto out;
    }
    if (rc == ERR_CONFLICT) {
        http_reply_error(req, 409, "PRODUCT_UNAVAILABLE", "the product is no longer sold",
                         field_details("product_id"));
        goto out;
    }
    rc = stock_for_add(conn, product_id, sku, &l);
    if (rc != 0) {
        reply_failure(req, rc);
        goto out;
    }
    if (!l.sfound || strcmp(l.stock.product_id, product_id) != 0) {
        http_reply_error(req, 404, "NOT_FOUND", "the product has no such SKU",
                         field_details("sku"));
        goto out;
    }

    add_args_t a = {.customer_id = me.user_id,
                    .product_id = product_id,
                    .sku = sku,
                    .currency = l.product.currency,
                    .quantity = quantity};
    rc = db_tx(add_tx, &a);
    if (rc == ERR_CONFLICT && a.outcome != ADD_OK) {
        reply_add_conflict(req, &a);
        goto out;
    }
    if (rc != 0) {
        reply_failure(req, rc);
        goto out;
    }

    /* The line as it now stands, priced from what was just read. */
    cart_line_t line = {.id = a.line_id,
                        .product_id = product_id,
                        .sku = sku,
                        .quantity = a.line_quantity,
                        .product_known = true,
                        .title = l.product.title,
                        .unit_price = l.product.price,
                        .currency = l.product.currency,
                        .status = l.product.status,
                        .stock_known = true,
                        .sku_product_id = l.stock.product_id,
                        .available = l.stock.available};
    cart_summary_t s;
    cart_evaluate(&line, 1, l.product.currency, &s);
    http_reply_json_or_500(req, a.merged ? 200 : 201, render_line(&line));
out:
    add_lookup_free(&l);
}

/* ---- PATCH /cart/items/:id, DELETE /cart/items/:id ---------------------------------- */

static void handle_update_item(http_req_t *req)
{
    auth_principal_t me;
    cJSON *body;
    json_check_t chk;
    int64_t quantity = 0;
    const char *line_id;
    char line_buf[ID_UUID_LEN];
    if (auth_require(req, "customer", &me) != 0 ||
        (line_id = http_path_uuid(req, "id", "no such cart item", line_buf)) == NULL ||
        http_json_body(req, &body) != 0)
        return;
    json_check_init(&chk);
    json_req_int(&chk, body, "quantity", 1, max_quantity, &quantity);
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);

    PGconn *conn = service_db(req);
    if (conn == NULL)
        return;
    cart_read_t r;
    int rc = store_line_set_quantity(conn, me.user_id, line_id, quantity, &r);
    if (rc == ERR_NOT_FOUND) {
        http_reply_err(req, ERR_NOT_FOUND, "no such cart item");
        return;
    }
    if (rc != 0) {
        reply_failure(req, rc);
        return;
    }
    reply_line(req, conn, me.user_id, line_id, &r);
}

static void handle_delete_item(http_req_t *req)
{
    auth_principal_t me;
    const char *line_id;
    char line_buf[ID_UUID_LEN];
    if (auth_require(req, "customer", &me) != 0 ||
        (line_id = http_path_uuid(req, "id", "no such cart item", line_buf)) == NULL)
        return;
    PGconn *conn = service_db(req);
    if (conn == NULL)
        return;
    int rc = store_line_delete(conn, me.user_id, line_id);
    if (rc == ERR_NOT_FOUND)
        http_reply_err(req, ERR_NOT_FOUND, "no such cart item");
    else if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json(req, 204, NULL);
}

/* ---- internal ----------------------------------------------------------------------- */

/* The cart as GET /cart renders it, for checkout (the order service). */
static void handle_internal_cart(http_req_t *req)
{
    const char *customer_id;
    char customer_buf[ID_UUID_LEN];
    if (auth_require_service(req) != 0 ||
        (customer_id = http_path_uuid(req, "customer_id", "no such customer", customer_buf)) ==
            NULL)
        return;
    reply_cart(req, customer_id);
}

static const http_route_t routes[] = {
    {"GET", "/cart", handle_get_cart},
    {"DELETE", "/cart", handle_clear_cart},
    {"POST", "/cart/items", handle_add_item},
    {"PATCH", "/cart/items/:id", handle_update_item},
    {"DELETE", "/cart/items/:id", handle_delete_item},
    {"GET", "/internal/carts/:customer_id", handle_internal_cart},
};

const http_route_t *routes_table(size_t *count)
{
    *count = sizeof routes / sizeof routes[0];
    return routes;
}
