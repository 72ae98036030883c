/* checkout.c - the checkout steps (see checkout.h).
 *
 * Nothing is written before the reservation: every check that can refuse (an empty
 * cart, an unavailable product, a foreign address, an unserviceable address, a changed
 * price) runs first, so a refusal leaves nothing behind. The order id is made before
 * reserving because inventory keys the reservation by it; from the reservation on,
 * every failure path releases it (inventory's sweep would release it at expiry anyway,
 * but stock should not sit held for a failed checkout).
 *
 * Each checkout logs how long each step took ("checkout timings"), which
 * bench/checkout.sh reads to show where the time goes.
 */
#include "checkout.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/idempotency.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/log.h"
#include "lifecycle.h"
#include "peers.h"
#include "render.h"

static long reservation_ttl = 900;

void checkout_init(long ttl)
{
    reservation_ttl = ttl;
}

enum step { STEP_ITEMS, STEP_PRICES, STEP_ADDRESS, STEP_QUOTE, STEP_RESERVE, STEP_STORE, STEPS };
static const char *const step_names[STEPS] = {"items", "prices",  "address",
                                              "quote", "reserve", "store"};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Fills *fail; takes details. Returns the code to return from checkout_run. */
static int refuse(checkout_failure_t *fail, int status, const char *code, cJSON *details,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int refuse(checkout_failure_t *fail, int status, const char *code, cJSON *details,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fail->message, sizeof fail->message, fmt, ap);
    va_end(ap);
    fail->status = status;
    fail->code = code;
    fail->details = details;
    return status == 503 ? ERR_UNAVAILABLE : status >= 500 ? ERR_INTERNAL : ERR_CONFLICT;
}

/* A failure of a peer or the database as a reply: 503 when temporary, else 500. */
static int refuse_rc(checkout_failure_t *fail, int rc, const char *what)
{
    if (rc == ERR_UNAVAILABLE || rc == ERR_RETRY)
        return refuse(fail, 503, "SERVICE_UNAVAILABLE", NULL, "%s is unavailable", what);
    return refuse(fail, 500, "INTERNAL", NULL, "internal error");
}

/* {name: value} */
static cJSON *detail_str(const char *name, const char *value)
{
    cJSON *d = cJSON_CreateObject();
    if (d != NULL && cJSON_AddStringToObject(d, name, value) == NULL) {
        cJSON_Delete(d);
        return NULL;
    }
    return d;
}

/* The totals as details of PRICE_CHANGED. */
static cJSON *totals_details(const order_totals_t *t, int64_t expected)
{
    cJSON *d = cJSON_CreateObject();
    bool ok = d != NULL && cJSON_AddStringToObject(d, "currency", t->currency) != NULL &&
              cJSON_AddNumberToObject(d, "subtotal", (double)t->subtotal) != NULL &&
              cJSON_AddNumberToObject(d, "shipping_fee", (double)t->shipping_fee) != NULL &&
              cJSON_AddNumberToObject(d, "discount", (double)t->discount) != NULL &&
              cJSON_AddNumberToObject(d, "tax", (double)t->tax) != NULL &&
              cJSON_AddNumberToObject(d, "final_price", (double)t->final_price) != NULL &&
              cJSON_AddNumberToObject(d, "expected_total", (double)expected) != NULL;
    if (!ok) {
        cJSON_Delete(d);
        return NULL;
    }
    return d;
}

/* The priced lines' refusal as a reply. from_cart says where the items came from. */
static int refuse_price(checkout_failure_t *fail, price_refusal_t r, const order_item_req_t *it,
                        int index, bool from_cart)
{
    char field[48];
    cJSON *d;
    switch (r) {
    case PRICE_PRODUCT_UNAVAILABLE:
        d = detail_str("product_id", it->product_id);
        return refuse(fail, 409, "PRODUCT_UNAVAILABLE", d,
                      "a product of the order is not for sale (unknown or not approved)");
    case PRICE_SKU_MISMATCH:
        /* The client named a SKU that is not the product's: bad input (400), named
         * like any invalid field. */
        snprintf(field, sizeof field, "%s[%d].sku", from_cart ? "cart.items" : "items", index);
        d = cJSON_CreateObject();
        if (d != NULL) {
            cJSON *fields = cJSON_AddObjectToObject(d, "fields");
            if (fields != NULL)
                cJSON_AddStringToObject(fields, field, "is not a SKU of this product");
        }
        return refuse(fail, 400, "VALIDATION_FAILED", d, "a SKU does not belong to its product");
    case PRICE_CURRENCY_MISMATCH:
        d = detail_str("product_id", it->product_id);
        return refuse(fail, 409, "CURRENCY_MISMATCH", d,
                      "the products are priced in different currencies");
    case PRICE_LIMIT_EXCEEDED:
        return refuse(fail, 409, "LIMIT_EXCEEDED", NULL, "the order's total is too large");
    case PRICE_OK:
        break;
    }
    return refuse(fail, 500, "INTERNAL", NULL, "internal error");
}

/* The distinct product ids and the SKUs of the items, for the two batch calls. */
static int id_lists(const order_item_req_t *items, int count, const char ***ids, int *nids,
                    const char ***skus)
{
    *ids = calloc((size_t)count, sizeof **ids);
    *skus = calloc((size_t)count, sizeof **skus);
    *nids = 0;
    if (*ids == NULL || *skus == NULL)
        return ERR_INTERNAL;
    for (int i = 0; i < count; i++) {
        int j = 0;
        while (j < *nids && strcmp((*ids)[j], items[i].product_id) != 0)
            j++;
        if (j == *nids)
            (*ids)[(*nids)++] = items[i].product_id;
        (*skus)[i] = items[i].sku;
    }
    return 0;
}

typedef struct create_args {
    order_record_t *order;
    const checkout_req_t *req;
    const event_ctx_t *ctx;
    char *reply; /* out */
} create_args_t;

/* The order's transaction. db_tx may run it again, so it starts from a clean slate. */
static int create_tx(PGconn *conn, void *arg)
{
    create_args_t *a = arg;
    order_record_t *o = a->order;
    free(o->history);
    o->history = NULL;
    o->history_count = 0;
    free(a->reply);
    a->reply = NULL;
    int rc = lifecycle_create(conn, o, a->req->actor, a->ctx);
    if (rc != 0)
        return rc;
    cJSON *body = render_order(o);
    a->reply = body != NULL ? json_print(body) : NULL;
    cJSON_Delete(body);
    if (a->reply == NULL)
        return ERR_INTERNAL;
    /* The stored reply commits with the order: a replay can never see one without the
     * other. */
    if (a->req->idem_key != NULL)
        rc = idem_finish(conn, a->req->idem_scope, a->req->idem_key, 201, a->reply);
    return rc;
}

int checkout_run(const checkout_req_t *req, const event_ctx_t *ctx, char **reply,
                 checkout_failure_t *fail)
{
    double t[STEPS] = {0}, t0 = now_ms(), mark = t0;
    order_item_req_t *cart_items = NULL;
    const order_item_req_t *items = req->items;
    int count = req->count;
    const char **ids = NULL, **skus = NULL;
    int nids = 0;
    cJSON *cart = NULL, *products = NULL, *stock = NULL, *address = NULL, *refusal = NULL;
    bool reserved = false;
    order_record_t o;
    int rc;
    memset(&o, 0, sizeof o);
    memset(fail, 0, sizeof *fail);
    *reply = NULL;

    /* 1. The items: explicit, or the cart's. */
    if (items == NULL) {
        rc = peers_cart(req->customer_id, &cart);
        if (rc == 0 && order_items_from_cart(cart, &cart_items, &count, o.cart_id) != 0)
            rc = ERR_UNAVAILABLE; /* the cart answered outside its contract */
        if (rc != 0) {
            rc = refuse_rc(fail, rc, "the cart");
            goto out;
        }
        if (count == 0) {
            rc = refuse(fail, 409, "CART_EMPTY", NULL, "the cart is empty");
            goto out;
        }
        items = cart_items;
    }
    t[STEP_ITEMS] = now_ms() - mark;
    mark = now_ms();

    /* 2. Prices from the catalog, SKUs from inventory: one batch call each. */
    o.lines = calloc((size_t)count, sizeof *o.lines);
    if (o.lines == NULL || id_lists(items, count, &ids, &nids, &skus) != 0) {
        rc = refuse_rc(fail, ERR_INTERNAL, "");
        goto out;
    }
    o.line_count = count;
    rc = peers_products(ids, nids, &products);
    if (rc != 0) {
        rc = refuse_rc(fail, rc, "the catalog");
        goto out;
    }
    rc = peers_skus(skus, count, &stock);
    if (rc != 0) {
        rc = refuse_rc(fail, rc, "inventory");
        goto out;
    }
    price_refusal_t why;
    int at;
    if (order_price_lines(items, count, products, stock, o.lines, &o.totals, &why, &at) != 0) {
        rc = refuse_price(fail, why, &items[at], at, req->items == NULL);
        goto out;
    }
    t[STEP_PRICES] = now_ms() - mark;
    mark = now_ms();

    /* 3. The address, one of the customer's own, copied into the order. */
    rc = peers_address(req->customer_id, req->address_id, &address);
    if (rc == ERR_NOT_FOUND) {
        rc = refuse(fail, 404, "NOT_FOUND", detail_str("field", "address_id"),
                    "no such address among the customer's addresses");
        goto out;
    }
    if (rc != 0) {
        rc = refuse_rc(fail, rc, "identity");
        goto out;
    }
    const char *bad_field = NULL;
    if (order_address_parse(address, &o.address, &bad_field) != 0) {
        rc = refuse(fail, 422, "ADDRESS_NOT_SERVICEABLE", detail_str("field", bad_field),
                    "the address cannot be delivered to: %s is missing or malformed", bad_field);
        goto out;
    }
    t[STEP_ADDRESS] = now_ms() - mark;
    mark = now_ms();

    /* 4. Shipping: fulfillment's zones decide; without fulfillment the fee is 0. */
    int64_t fee = 0;
    if (peers_fulfillment_configured()) {
        rc = peers_quote(&o.address, o.totals.currency, &fee, &refusal);
        if (rc == ERR_CONFLICT) {
            const cJSON *m = cJSON_GetObjectItemCaseSensitive(refusal, "message");
            cJSON *d = cJSON_DetachItemFromObjectCaseSensitive(refusal, "details");
            rc = refuse(fail, 422, "ADDRESS_NOT_SERVICEABLE", d, "%s",
                        cJSON_IsString(m) ? m->valuestring : "the address is not serviceable");
            goto out;
        }
        if (rc != 0) {
            rc = refuse_rc(fail, rc, "fulfillment");
            goto out;
        }
    }
    if (order_totals_finish(&o.totals, fee) != 0) {
        rc = refuse(fail, 409, "LIMIT_EXCEEDED", NULL, "the order's total is too large");
        goto out;
    }
    if (req->has_expected_total && req->expected_total != o.totals.final_price) {
        rc = refuse(fail, 409, "PRICE_CHANGED", totals_details(&o.totals, req->expected_total),
                    "the total is now %lld, not %lld", (long long)o.totals.final_price,
                    (long long)req->expected_total);
        goto out;
    }
    t[STEP_QUOTE] = now_ms() - mark;
    mark = now_ms();

    /* 5. Stock, all lines or none, keyed by the new order's id. */
    id_uuid(o.id);
    snprintf(o.customer_id, sizeof o.customer_id, "%s", req->customer_id);
    snprintf(o.payment_method, sizeof o.payment_method, "%s", req->payment_method);
    o.status = ORDER_PENDING_PAYMENT;
    o.payment_status = PAYMENT_PENDING;
    cJSON_Delete(refusal);
    refusal = NULL;
    rc = peers_reserve(o.id, o.lines, o.line_count, reservation_ttl, o.reservation_expires_at,
                       &refusal);
    if (rc == ERR_CONFLICT || rc == ERR_NOT_FOUND) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(refusal, "code");
        cJSON *d = cJSON_DetachItemFromObjectCaseSensitive(refusal, "details");
        bool oos =
            rc == ERR_CONFLICT && cJSON_IsString(c) && strcmp(c->valuestring, "OUT_OF_STOCK") == 0;
        if (oos) {
            rc = refuse(fail, 409, "OUT_OF_STOCK", d, "not enough stock for a line of the order");
        } else {
            cJSON_Delete(d);
            log_error("order: inventory refused the reservation of %s: %s", o.id,
                      cJSON_IsString(c) ? c->valuestring : "?");
            rc = refuse_rc(fail, ERR_UNAVAILABLE, "inventory");
        }
        goto out;
    }
    /* Any other failure may have reserved (an answer lost after inventory committed). */
    reserved = true;
    if (rc != 0) {
        rc = refuse_rc(fail, rc, "inventory");
        goto out;
    }
    t[STEP_RESERVE] = now_ms() - mark;
    mark = now_ms();

    /* 6. The order, its history and events, and the idempotent reply: one transaction. */
    create_args_t a = {.order = &o, .req = req, .ctx = ctx};
    rc = db_tx(create_tx, &a);
    if (rc != 0) {
        free(a.reply);
        rc = refuse_rc(fail, rc, "the database");
        goto out;
    }
    reserved = false; /* the order owns the reservation now */
    *reply = a.reply;
    t[STEP_STORE] = now_ms() - mark;
    log_info("checkout timings order=%s lines=%d total_ms=%.2f %s=%.2f %s=%.2f %s=%.2f %s=%.2f "
             "%s=%.2f %s=%.2f",
             o.id, o.line_count, now_ms() - t0, step_names[0], t[0], step_names[1], t[1],
             step_names[2], t[2], step_names[3], t[3], step_names[4], t[4], step_names[5], t[5]);
out:
    if (reserved && peers_release(o.id) != 0)
        log_warn("order: could not release the reservation of failed order %s; it expires", o.id);
    free(ids);
    free(skus);
    free(cart_items);
    cJSON_Delete(cart);
    cJSON_Delete(products);
    cJSON_Delete(stock);
    cJSON_Delete(address);
    cJSON_Delete(refusal);
    order_record_free(&o);
    return rc;
}
