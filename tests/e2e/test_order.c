/* test_order.c - checkout and orders through the gateway, against the identity,
 * catalog, inventory and cart of the running stack: cart -> checkout -> an order
 * PENDING_PAYMENT with its stock reserved, the cart emptied and OrderCreated published;
 * Idempotency-Key replays; refusals that leave no order and no reservation behind;
 * ownership, roles and bad input; cancelling; lists and their filters.
 *
 * Each test makes its own customers and products (journey_support.h), so tests share
 * nothing but the seller. The stack may or may not run fulfillment: j_zone_ensure(0)
 * makes shipping free either way.
 */
#include "journey_support.h"

#include <stdbool.h>

static j_user_t seller;

/* ---- helpers ------------------------------------------------------------------------ */

/* POSTs body to path as token with an Idempotency-Key (NULL: none); any status. */
static t_resp_t post_keyed(const char *path, const char *token, const char *body, const char *key)
{
    char url[512], header[320];
    snprintf(url, sizeof url, "%s%s", stack_get("GATEWAY_URL"), path);
    snprintf(header, sizeof header, "Idempotency-Key: %s", key != NULL ? key : "");
    const char *headers[] = {header, NULL};
    t_resp_t r;
    assert_int_equal(t_http("POST", url, token, body, key != NULL ? headers : NULL, &r), 0);
    return r;
}

static void expect_error(const t_resp_t *r, long status, const char *code)
{
    if (r->status != status || c_error_code(r) == NULL || strcmp(c_error_code(r), code) != 0)
        fail_msg("want %ld %s, got %ld: %s", status, code, r->status, r->body);
}

/* Orders of the customer in the orders schema. */
static long orders_of(const char *customer_id)
{
    return c_sql_long("SELECT count(*) FROM orders.orders WHERE customer_id = $1", customer_id);
}

/* Reservations still holding the SKU. */
static long held_reservations(const char *sku)
{
    return c_sql_long("SELECT count(*) FROM inventory.reservations r JOIN "
                      "inventory.reservation_lines l USING (order_id) WHERE l.sku = $1 AND "
                      "r.status = 'RESERVED'",
                      sku);
}

/* Asserts that nothing of a refused checkout was left behind. */
static void assert_nothing_left(const j_user_t *customer, const char *sku)
{
    long on_hand, reserved, available;
    assert_int_equal(orders_of(customer->id), 0);
    assert_int_equal(held_reservations(sku), 0);
    j_stock(sku, &on_hand, &reserved, &available);
    assert_int_equal(reserved, 0);
}

static const cJSON *error_details(const t_resp_t *r)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r->json, "error"),
                                            "details");
}

typedef struct topic_wait {
    const char *type;
    const char *subject;
} topic_wait_t;

static bool topic_has(void *arg)
{
    topic_wait_t *w = arg;
    return t_topic_count("order.events", w->type, w->subject) >= 1;
}

static bool cart_is_empty(void *arg)
{
    const j_user_t *u = arg;
    t_resp_t r;
    if (t_gw("GET", "/cart", u->token, NULL, &r) != 0)
        return false;
    bool empty = r.status == 200 &&
                 cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")) == 0;
    t_resp_free(&r);
    return empty;
}

typedef struct stock_wait {
    const char *sku;
    long reserved;
} stock_wait_t;

static bool stock_reserved_is(void *arg)
{
    stock_wait_t *w = arg;
    long on_hand, reserved, available;
    j_stock(w->sku, &on_hand, &reserved, &available);
    return reserved == w->reserved;
}

/* A customer with an address in J_COUNTRY. */
static j_user_t customer_with_address(char address[37])
{
    j_user_t u = j_user("customer");
    j_address(&u, J_COUNTRY, address);
    return u;
}

/* A buy-now order body for quantity of p. */
static void buy_now_body(char *buf, size_t len, const j_product_t *p, long quantity,
                         const char *address, const char *extra)
{
    snprintf(buf, len,
             "{\"items\":[{\"product_id\":\"%s\",\"sku\":\"%s\",\"quantity\":%ld}],"
             "\"address_id\":\"%s\",\"payment_method\":\"fake\"%s}",
             p->id, p->sku, quantity, address, extra != NULL ? extra : "");
}

/* ---- the journey -------------------------------------------------------------------- */

static void test_order_checkout_from_cart(void **state)
{
    (void)state;
    char address[37], key[40], hex[9], body[256], order_id[37];
    long on_hand, reserved, available;
    j_zone_ensure(0);
    j_product_t p = j_product(&seller, "Ilam tea", 1200, 5);
    j_user_t u = customer_with_address(address);
    j_cart_add(&u, &p, 2);
    j_hex8(hex);
    snprintf(key, sizeof key, "checkout-%s", hex);

    t_resp_t r = j_checkout_raw(&u, address, "fake", key);
    if (r.status != 201)
        fail_msg("checkout: %ld %s", r.status, r.body);
    snprintf(order_id, sizeof order_id, "%s", c_str(r.json, "order_id"));
    assert_string_equal(c_str(r.json, "order_status"), "PENDING_PAYMENT");
    assert_string_equal(c_str(r.json, "payment_status"), "PENDING");
    assert_string_equal(c_str(r.json, "payment_method"), "fake");
    assert_string_equal(c_str(r.json, "customer_id"), u.id);
    assert_string_equal(c_str(r.json, "currency"), "NPR");
    assert_int_equal(strncmp(c_str(r.json, "order_number"), "ORD-", 4), 0);
    assert_int_equal(c_num(r.json, "subtotal"), 2400);
    assert_int_equal(c_num(r.json, "shipping_fee"), 0);
    assert_int_equal(c_num(r.json, "discount"), 0);
    assert_int_equal(c_num(r.json, "tax"), 0);
    assert_int_equal(c_num(r.json, "final_price"), 2400);
    assert_non_null(c_str(r.json, "reservation_expires_at"));
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    const cJSON *line = cJSON_GetArrayItem(items, 0);
    assert_string_equal(c_str(line, "sku"), p.sku);
    assert_string_equal(c_str(line, "title"), "Ilam tea");
    assert_string_equal(c_str(line, "seller_id"), seller.id);
    assert_int_equal(c_num(line, "unit_price"), 1200);
    assert_int_equal(c_num(line, "quantity"), 2);
    assert_int_equal(c_num(line, "line_total"), 2400);
    const cJSON *addr = cJSON_GetObjectItemCaseSensitive(r.json, "address");
    assert_string_equal(c_str(addr, "city"), "Kathmandu");
    assert_string_equal(c_str(addr, "country"), J_COUNTRY);
    const cJSON *history = cJSON_GetObjectItemCaseSensitive(r.json, "history");
    assert_int_equal(cJSON_GetArraySize(history), 1);
    assert_string_equal(c_str(cJSON_GetArrayItem(history, 0), "to"), "PENDING_PAYMENT");
    char *first_body = strdup(r.body);
    t_resp_free(&r);

    /* Stock is held for the order at once. */
    j_stock(p.sku, &on_hand, &reserved, &available);
    assert_int_equal(on_hand, 5);
    assert_int_equal(reserved, 2);
    assert_int_equal(available, 3);
    c_sql_is("SELECT status FROM inventory.reservations WHERE order_id = $1", order_id, "RESERVED");

    /* The cart empties on OrderCreated; the events are on the topic. */
    assert_true(t_wait_until(cart_is_empty, &u, 10000));
    topic_wait_t created = {"OrderCreated", order_id};
    topic_wait_t changed = {"OrderStatusChanged", order_id};
    assert_true(t_wait_until(topic_has, &created, 10000));
    assert_true(t_wait_until(topic_has, &changed, 10000));
    assert_int_equal(t_topic_count("order.events", "OrderCreated", order_id), 1);

    /* The customer's list shows it, and GET /orders/:id the same order. */
    r = j_call("GET", "/user/orders", u.token, NULL, 200);
    items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    assert_string_equal(c_str(cJSON_GetArrayItem(items, 0), "order_id"), order_id);
    assert_int_equal(c_num(cJSON_GetArrayItem(items, 0), "item_count"), 2);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r.json, "next_cursor")));
    t_resp_free(&r);
    char path[96];
    snprintf(path, sizeof path, "/orders/%s", order_id);
    r = j_call("GET", path, u.token, NULL, 200);
    assert_string_equal(c_str(r.json, "order_status"), "PENDING_PAYMENT");
    t_resp_free(&r);

    /* The same key and body replay the first answer, even with the cart now empty. */
    r = j_checkout_raw(&u, address, "fake", key);
    assert_int_equal(r.status, 201);
    assert_string_equal(c_str(r.json, "order_id"), order_id);
    assert_string_equal(r.body, first_body);
    t_resp_free(&r);
    free(first_body);
    /* The same key with another body is refused. */
    snprintf(body, sizeof body, "{\"address_id\":\"%s\",\"payment_method\":\"esewa\"}", address);
    r = post_keyed("/checkout", u.token, body, key);
    expect_error(&r, 422, "IDEMPOTENCY_KEY_REUSED");
    t_resp_free(&r);
    assert_int_equal(orders_of(u.id), 1);
    j_stock(p.sku, &on_hand, &reserved, &available);
    assert_int_equal(reserved, 2);
    j_user_free(&u);
}

static void test_order_buy_now_and_expected_total(void **state)
{
    (void)state;
    char address[37], body[512];
    j_zone_ensure(0);
    j_product_t p = j_product(&seller, "Singing bowl", 4500, 3);
    j_user_t u = customer_with_address(address);

    /* A stale expected total: 409 with the real totals, and nothing reserved. */
    buy_now_body(body, sizeof body, &p, 2, address, ",\"expected_total\":8000");
    t_resp_t r = j_call("POST", "/orders", u.token, body, 409);
    expect_error(&r, 409, "PRICE_CHANGED");
    const cJSON *d = error_details(&r);
    assert_int_equal(c_num(d, "subtotal"), 9000);
    assert_int_equal(c_num(d, "final_price"), 9000);
    assert_int_equal(c_num(d, "expected_total"), 8000);
    assert_string_equal(c_str(d, "currency"), "NPR");
    t_resp_free(&r);
    assert_nothing_left(&u, p.sku);

    buy_now_body(body, sizeof body, &p, 2, address, ",\"expected_total\":9000");
    r = j_call("POST", "/orders", u.token, body, 201);
    assert_int_equal(c_num(r.json, "final_price"), 9000);
    assert_string_equal(c_str(r.json, "order_status"), "PENDING_PAYMENT");
    t_resp_free(&r);
    assert_int_equal(orders_of(u.id), 1);
    long on_hand, reserved, available;
    j_stock(p.sku, &on_hand, &reserved, &available);
    assert_int_equal(reserved, 2);
    j_user_free(&u);
}

/* ---- refusals leave nothing behind -------------------------------------------------- */

static void test_order_empty_cart_refused(void **state)
{
    (void)state;
    char address[37];
    j_zone_ensure(0);
    j_user_t u = customer_with_address(address);
    t_resp_t r = j_checkout_raw(&u, address, "fake", NULL);
    expect_error(&r, 409, "CART_EMPTY");
    t_resp_free(&r);
    assert_int_equal(orders_of(u.id), 0);
    j_user_free(&u);
}

static void test_order_other_users_address_refused(void **state)
{
    (void)state;
    char mine[37], theirs[37];
    j_zone_ensure(0);
    j_product_t p = j_product(&seller, "Pashmina", 9900, 4);
    j_user_t u = customer_with_address(mine);
    j_user_t other = customer_with_address(theirs);
    j_cart_add(&u, &p, 1);
    t_resp_t r = j_checkout_raw(&u, theirs, "fake", NULL);
    expect_error(&r, 404, "NOT_FOUND");
    assert_string_equal(c_str(error_details(&r), "field"), "address_id");
    t_resp_free(&r);
    assert_nothing_left(&u, p.sku);
    /* An address id that exists nowhere is the same. */
    r = j_checkout_raw(&u, "6f1c1b7e-3a53-4d07-9a3e-2f5b0d6b8c11", "fake", NULL);
    expect_error(&r, 404, "NOT_FOUND");
    t_resp_free(&r);
    assert_nothing_left(&u, p.sku);
    j_user_free(&u);
    j_user_free(&other);
}

static void test_order_unapproved_product_refused(void **state)
{
    (void)state;
    char address[37], id[37], hex[9], sku[40], path[128], body[512];
    j_zone_ensure(0);
    j_user_t u = customer_with_address(address);
    /* Stocked but never approved: the cart would not take it, a "buy now" names it. */
    c_product(seller.token, "Unreviewed", "pending review", 500, j_category(), id);
    j_hex8(hex);
    snprintf(sku, sizeof sku, "J-%s", hex);
    snprintf(path, sizeof path, "/seller/products/%s/inventory", id);
    snprintf(body, sizeof body, "{\"sku\":\"%s\",\"quantity\":5}", sku);
    t_resp_t r = j_call("POST", path, seller.token, body, 201);
    t_resp_free(&r);
    snprintf(body, sizeof body,
             "{\"items\":[{\"product_id\":\"%s\",\"sku\":\"%s\",\"quantity\":1}],"
             "\"address_id\":\"%s\",\"payment_method\":\"khalti\"}",
             id, sku, address);
    r = j_call("POST", "/orders", u.token, body, 0);
    expect_error(&r, 409, "PRODUCT_UNAVAILABLE");
    assert_string_equal(c_str(error_details(&r), "product_id"), id);
    t_resp_free(&r);
    assert_nothing_left(&u, sku);
    j_user_free(&u);
}

static void test_order_sku_of_another_product_refused(void **state)
{
    (void)state;
    char address[37], body[512];
    j_zone_ensure(0);
    j_product_t a = j_product(&seller, "Prayer flags", 300, 5);
    j_product_t b = j_product(&seller, "Incense", 150, 5);
    j_user_t u = customer_with_address(address);
    snprintf(body, sizeof body,
             "{\"items\":[{\"product_id\":\"%s\",\"sku\":\"%s\",\"quantity\":1}],"
             "\"address_id\":\"%s\",\"payment_method\":\"fake\"}",
             a.id, b.sku, address);
    t_resp_t r = j_call("POST", "/orders", u.token, body, 0);
    expect_error(&r, 400, "VALIDATION_FAILED");
    assert_true(c_names_field(&r, "items[0].sku"));
    t_resp_free(&r);
    assert_nothing_left(&u, a.sku);
    assert_nothing_left(&u, b.sku);
    j_user_free(&u);
}

static void test_order_beyond_stock_refused(void **state)
{
    (void)state;
    char address[37];
    j_zone_ensure(0);
    j_product_t p = j_product(&seller, "Last rug", 25000, 2);
    j_product_t q = j_product(&seller, "Rug pad", 900, 10);
    j_user_t u = customer_with_address(address);
    /* Two lines: the one in stock must not stay reserved when the other fails. */
    j_cart_add(&u, &q, 1);
    j_cart_add(&u, &p, 3);
    t_resp_t r = j_checkout_raw(&u, address, "fake", NULL);
    expect_error(&r, 409, "OUT_OF_STOCK");
    assert_string_equal(c_str(error_details(&r), "sku"), p.sku);
    assert_int_equal(c_num(error_details(&r), "available"), 2);
    t_resp_free(&r);
    assert_nothing_left(&u, p.sku);
    assert_nothing_left(&u, q.sku);
    j_user_free(&u);
}

/* ---- ownership, roles, bad input ---------------------------------------------------- */

static void test_order_other_customers_order_is_404(void **state)
{
    (void)state;
    char order_id[37], path[96];
    j_product_t p = j_product(&seller, "Khukuri", 7000, 3);
    j_user_t owner = j_user("customer");
    j_user_t other = j_user("customer");
    j_order(&owner, &p, 1, "fake", order_id);
    snprintf(path, sizeof path, "/orders/%s", order_id);
    t_resp_t r = j_call("GET", path, other.token, NULL, 404);
    t_resp_free(&r);
    /* Cancelling it is just as unknown, and leaves it as it was. */
    snprintf(path, sizeof path, "/orders/%s/cancel", order_id);
    r = j_call("POST", path, other.token, NULL, 404);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/orders/%s", order_id);
    r = j_call("GET", path, j_admin(), NULL, 200);
    assert_string_equal(c_str(r.json, "customer_id"), owner.id);
    assert_string_equal(c_str(r.json, "order_status"), "PENDING_PAYMENT");
    t_resp_free(&r);
    r = j_call("GET", "/user/orders", other.token, NULL, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 0);
    t_resp_free(&r);
    /* An id that is not a UUID is not found either. */
    r = j_call("GET", "/orders/not-an-id", owner.token, NULL, 404);
    t_resp_free(&r);
    j_user_free(&owner);
    j_user_free(&other);
}

static void test_order_roles(void **state)
{
    (void)state;
    char address[37], order_id[37], path[96], body[256];
    j_product_t p = j_product(&seller, "Thangka", 15000, 3);
    j_user_t owner = j_user("customer");
    j_order(&owner, &p, 1, "fake", order_id);
    j_user_t u = customer_with_address(address);
    snprintf(body, sizeof body, "{\"address_id\":\"%s\",\"payment_method\":\"fake\"}", address);
    snprintf(path, sizeof path, "/orders/%s", order_id);

    t_resp_t r = j_call("POST", "/checkout", seller.token, body, 403);
    t_resp_free(&r);
    r = j_call("POST", "/checkout", NULL, body, 401);
    t_resp_free(&r);
    r = j_call("POST", "/orders", seller.token, body, 403);
    t_resp_free(&r);
    r = j_call("POST", "/orders", j_admin(), body, 403);
    t_resp_free(&r);
    r = j_call("GET", path, seller.token, NULL, 403);
    t_resp_free(&r);
    r = j_call("GET", path, NULL, NULL, 401);
    t_resp_free(&r);
    r = j_call("GET", "/user/orders", seller.token, NULL, 403);
    t_resp_free(&r);
    r = j_call("GET", "/user/orders", NULL, NULL, 401);
    t_resp_free(&r);
    r = j_call("GET", "/admin/orders", owner.token, NULL, 403);
    t_resp_free(&r);
    r = j_call("GET", "/admin/orders", seller.token, NULL, 403);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/orders/%s/cancel", order_id);
    r = j_call("POST", path, seller.token, NULL, 403);
    t_resp_free(&r);
    r = j_call("POST", path, NULL, NULL, 401);
    t_resp_free(&r);
    /* The internal route is not published by the gateway. */
    snprintf(path, sizeof path, "/internal/orders/%s", order_id);
    r = j_call("GET", path, j_admin(), NULL, 404);
    t_resp_free(&r);
    assert_int_equal(orders_of(u.id), 0);
    j_user_free(&owner);
    j_user_free(&u);
}

static void test_order_bad_input_changes_nothing(void **state)
{
    (void)state;
    char address[37], body[512];
    j_zone_ensure(0);
    j_product_t p = j_product(&seller, "Dhaka topi", 800, 5);
    j_user_t u = customer_with_address(address);
    j_cart_add(&u, &p, 1);

    t_resp_t r = j_call("POST", "/checkout", u.token, "{\"address_id\":", 400);
    expect_error(&r, 400, "MALFORMED_JSON");
    t_resp_free(&r);
    r = j_call("POST", "/checkout", u.token, "[]", 400);
    t_resp_free(&r);
    r = j_call("POST", "/checkout", u.token, "{}", 400);
    expect_error(&r, 400, "VALIDATION_FAILED");
    assert_true(c_names_field(&r, "address_id"));
    assert_true(c_names_field(&r, "payment_method"));
    t_resp_free(&r);
    r = j_call("POST", "/checkout", u.token,
               "{\"address_id\":5,\"payment_method\":\"cash\",\"expected_total\":\"12\"}", 400);
    assert_true(c_names_field(&r, "address_id"));
    assert_true(c_names_field(&r, "payment_method"));
    assert_true(c_names_field(&r, "expected_total"));
    t_resp_free(&r);
    snprintf(body, sizeof body,
             "{\"address_id\":\"%s\",\"payment_method\":\"fake\",\"expected_total\":-1}", address);
    r = j_call("POST", "/checkout", u.token, body, 400);
    assert_true(c_names_field(&r, "expected_total"));
    t_resp_free(&r);
    snprintf(body, sizeof body, "{\"address_id\":\"not-a-uuid\",\"payment_method\":\"fake\"}");
    r = j_call("POST", "/checkout", u.token, body, 400);
    assert_true(c_names_field(&r, "address_id"));
    t_resp_free(&r);
    /* Items: each bad field named. */
    snprintf(body, sizeof body,
             "{\"items\":[{\"product_id\":\"%s\",\"sku\":\"%s\",\"quantity\":0},"
             "{\"product_id\":\"x\",\"sku\":\"\",\"quantity\":1.5}],"
             "\"address_id\":\"%s\",\"payment_method\":\"fake\"}",
             p.id, p.sku, address);
    r = j_call("POST", "/orders", u.token, body, 400);
    assert_true(c_names_field(&r, "items[0].quantity"));
    assert_true(c_names_field(&r, "items[1].product_id"));
    assert_true(c_names_field(&r, "items[1].sku"));
    assert_true(c_names_field(&r, "items[1].quantity"));
    t_resp_free(&r);
    snprintf(body, sizeof body, "{\"items\":[],\"address_id\":\"%s\",\"payment_method\":\"fake\"}",
             address);
    r = j_call("POST", "/orders", u.token, body, 400);
    assert_true(c_names_field(&r, "items"));
    t_resp_free(&r);
    /* A malformed Idempotency-Key. */
    snprintf(body, sizeof body, "{\"address_id\":\"%s\",\"payment_method\":\"fake\"}", address);
    r = post_keyed("/checkout", u.token, body, "has space");
    expect_error(&r, 400, "VALIDATION_FAILED");
    t_resp_free(&r);

    /* Nothing changed: no order, nothing reserved, the cart still full. */
    assert_nothing_left(&u, p.sku);
    assert_false(cart_is_empty(&u));
    j_user_free(&u);
}

/* ---- cancelling ------------------------------------------------------------------------ */

static void test_order_cancel_flows(void **state)
{
    (void)state;
    char order_id[37], other_id[37], path[128];
    j_product_t p = j_product(&seller, "Lokta paper", 600, 10);
    j_user_t u = j_user("customer");
    j_order(&u, &p, 2, "fake", order_id);

    /* The customer cancels while unpaid; inventory releases the stock on OrderCancelled. */
    snprintf(path, sizeof path, "/orders/%s/cancel", order_id);
    t_resp_t r = j_call("POST", path, u.token, NULL, 200);
    assert_string_equal(c_str(r.json, "order_status"), "CANCELLED");
    const cJSON *history = cJSON_GetObjectItemCaseSensitive(r.json, "history");
    assert_int_equal(cJSON_GetArraySize(history), 2);
    const cJSON *last = cJSON_GetArrayItem(history, 1);
    assert_string_equal(c_str(last, "from"), "PENDING_PAYMENT");
    assert_string_equal(c_str(last, "to"), "CANCELLED");
    assert_int_equal(strncmp(c_str(last, "actor"), "customer:", 9), 0);
    t_resp_free(&r);
    topic_wait_t cancelled = {"OrderCancelled", order_id};
    assert_true(t_wait_until(topic_has, &cancelled, 10000));
    stock_wait_t sw = {p.sku, 0};
    assert_true(t_wait_until(stock_reserved_is, &sw, 10000));
    c_sql_is("SELECT status || ' ' || release_reason FROM inventory.reservations WHERE "
             "order_id = $1",
             order_id, "RELEASED cancelled");
    /* Again: the same answer, nothing new. */
    r = j_call("POST", path, u.token, NULL, 200);
    assert_string_equal(c_str(r.json, "order_status"), "CANCELLED");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "history")), 2);
    t_resp_free(&r);
    assert_int_equal(t_topic_count("order.events", "OrderCancelled", order_id), 1);

    /* A confirmed order (set directly: payment is not part of this build's stack): the
     * customer may not cancel it, an admin may. */
    j_user_t v = j_user("customer");
    j_order(&v, &p, 1, "esewa", other_id);
    PGconn *db = t_db();
    const char *params[] = {other_id};
    char *ignored = t_sql_value(db,
                                "UPDATE orders.orders SET order_status = 'CONFIRMED', "
                                "payment_status = 'PAID' WHERE id = $1 RETURNING id",
                                1, params);
    free(ignored);
    PQfinish(db);
    snprintf(path, sizeof path, "/orders/%s/cancel", other_id);
    r = j_call("POST", path, v.token, NULL, 409);
    expect_error(&r, 409, "ORDER_NOT_CANCELLABLE");
    assert_string_equal(c_str(error_details(&r), "order_status"), "CONFIRMED");
    t_resp_free(&r);
    r = j_call("POST", path, j_admin(), NULL, 200);
    assert_string_equal(c_str(r.json, "order_status"), "CANCELLED");
    assert_string_equal(c_str(r.json, "payment_status"), "REFUND_PENDING");
    last = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "history"), 1);
    assert_string_equal(c_str(last, "from"), "CONFIRMED");
    assert_int_equal(strncmp(c_str(last, "actor"), "admin:", 6), 0);
    t_resp_free(&r);
    topic_wait_t admin_cancel = {"OrderCancelled", other_id};
    assert_true(t_wait_until(topic_has, &admin_cancel, 10000));
    j_user_free(&u);
    j_user_free(&v);
}

/* ---- the order follows inventory's events ----------------------------------------------- */

/* Runs one statement as the superuser (param $1). */
static void sql_do(const char *sql, const char *param)
{
    PGconn *db = t_db();
    const char *params[] = {param};
    char *ignored = t_sql_value(db, sql, 1, params);
    free(ignored);
    PQfinish(db);
}

static void test_order_reservation_expiry_cancels(void **state)
{
    (void)state;
    char order_id[37], path[96];
    j_product_t p = j_product(&seller, "Short hold", 400, 3);
    j_user_t u = j_user("customer");
    j_order(&u, &p, 1, "fake", order_id);
    /* Let the reservation lapse: inventory's sweep releases it ("expired"), and the
     * order, unpaid, is cancelled on StockReleased. */
    sql_do("UPDATE inventory.reservations SET expires_at = now() - interval '1 second' "
           "WHERE order_id = $1 RETURNING order_id",
           order_id);
    j_wait_order(u.token, order_id, "order_status", "CANCELLED", 15000);
    topic_wait_t cancelled = {"OrderCancelled", order_id};
    assert_true(t_wait_until(topic_has, &cancelled, 10000));
    c_sql_is("SELECT cancel_reason FROM orders.orders WHERE id = $1", order_id,
             "reservation_expired");
    snprintf(path, sizeof path, "/orders/%s", order_id);
    t_resp_t r = j_call("GET", path, u.token, NULL, 200);
    const cJSON *last = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "history"), 1);
    assert_string_equal(c_str(last, "actor"), "inventory.events:StockReleased");
    t_resp_free(&r);
    j_user_free(&u);
}

/* Commits the order's reservation as the payment flow would (inventory's internal route). */
static void commit_reservation(const char *order_id)
{
    char *base = strdup(stack_get("INVENTORY_URLS"));
    char url[512], header[128];
    base[strcspn(base, ",")] = '\0';
    snprintf(url, sizeof url, "%s/internal/reservations/%s/commit", base, order_id);
    snprintf(header, sizeof header, "X-Service-Token: %s", stack_get("SERVICE_TOKEN"));
    const char *headers[] = {header, NULL};
    t_resp_t r;
    assert_int_equal(t_http("POST", url, NULL, "{}", headers, &r), 0);
    if (r.status != 200)
        fail_msg("commit: %ld %s", r.status, r.body);
    t_resp_free(&r);
    free(base);
}

static void test_order_confirmed_when_paid_and_committed(void **state)
{
    (void)state;
    char order_id[37];
    j_product_t p = j_product(&seller, "Paid tea", 700, 4);
    j_user_t u = j_user("customer");
    j_order(&u, &p, 2, "fake", order_id);
    /* Paid (set directly: this build's stack has no payment service), then inventory
     * commits: StockCommitted confirms the order. */
    sql_do("UPDATE orders.orders SET payment_status = 'PAID' WHERE id = $1 RETURNING id", order_id);
    commit_reservation(order_id);
    j_wait_order(u.token, order_id, "order_status", "CONFIRMED", 15000);
    topic_wait_t confirmed = {"OrderConfirmed", order_id};
    assert_true(t_wait_until(topic_has, &confirmed, 10000));
    c_sql_is("SELECT stock_committed::text FROM orders.orders WHERE id = $1", order_id, "true");
    /* StockCommitted comes once per line; however many, one confirmation. */
    assert_int_equal(t_topic_count("order.events", "OrderConfirmed", order_id), 1);
    long on_hand, reserved, available;
    j_stock(p.sku, &on_hand, &reserved, &available);
    assert_int_equal(on_hand, 2);
    assert_int_equal(reserved, 0);
    j_user_free(&u);
}

/* ---- lists ----------------------------------------------------------------------------- */

static void test_order_lists_paginate_and_filter(void **state)
{
    (void)state;
    char address[37], body[512], ids[3][37], path[256];
    j_zone_ensure(0);
    j_product_t p = j_product(&seller, "Yak cheese", 350, 20);
    j_user_t u = customer_with_address(address);
    for (int i = 0; i < 3; i++) {
        buy_now_body(body, sizeof body, &p, i + 1, address, NULL);
        t_resp_t r = j_call("POST", "/orders", u.token, body, 201);
        snprintf(ids[i], sizeof ids[i], "%s", c_str(r.json, "order_id"));
        t_resp_free(&r);
    }
    /* Newest first, two per page. */
    t_resp_t r = j_call("GET", "/user/orders?limit=2", u.token, NULL, 200);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 2);
    assert_string_equal(c_str(cJSON_GetArrayItem(items, 0), "order_id"), ids[2]);
    assert_string_equal(c_str(cJSON_GetArrayItem(items, 1), "order_id"), ids[1]);
    const char *cursor = c_str(r.json, "next_cursor");
    assert_non_null(cursor);
    snprintf(path, sizeof path, "/user/orders?limit=2&cursor=%s", cursor);
    t_resp_free(&r);
    r = j_call("GET", path, u.token, NULL, 200);
    items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    assert_string_equal(c_str(cJSON_GetArrayItem(items, 0), "order_id"), ids[0]);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r.json, "next_cursor")));
    t_resp_free(&r);
    r = j_call("GET", "/user/orders?limit=0", u.token, NULL, 400);
    assert_true(c_names_field(&r, "limit"));
    t_resp_free(&r);
    r = j_call("GET", "/user/orders?cursor=garbage", u.token, NULL, 400);
    assert_true(c_names_field(&r, "cursor"));
    t_resp_free(&r);

    /* The admin's list: by customer, status and creation time. */
    snprintf(path, sizeof path, "/admin/orders?customer_id=%s&status=PENDING_PAYMENT", u.id);
    r = j_call("GET", path, j_admin(), NULL, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 3);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/admin/orders?customer_id=%s&status=CANCELLED", u.id);
    r = j_call("GET", path, j_admin(), NULL, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 0);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/admin/orders?customer_id=%s&from=2000-01-01&to=2999-01-01", u.id);
    r = j_call("GET", path, j_admin(), NULL, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 3);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/admin/orders?customer_id=%s&from=2999-01-01T00:00:00Z", u.id);
    r = j_call("GET", path, j_admin(), NULL, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 0);
    t_resp_free(&r);
    r = j_call("GET", "/admin/orders?status=LOST", j_admin(), NULL, 400);
    assert_true(c_names_field(&r, "status"));
    t_resp_free(&r);
    r = j_call("GET", "/admin/orders?from=yesterday&to=2026-13-45", j_admin(), NULL, 400);
    assert_true(c_names_field(&r, "from"));
    t_resp_free(&r);
    r = j_call("GET", "/admin/orders?to=2026-13-45", j_admin(), NULL, 400);
    t_resp_free(&r);
    r = j_call("GET", "/admin/orders?limit=100", j_admin(), NULL, 200);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")) >= 3);
    t_resp_free(&r);
    j_user_free(&u);
}

static int group_setup(void **state)
{
    (void)state;
    stack_load();
    seller = j_user("seller");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    j_user_free(&seller);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_checkout_from_cart),
        cmocka_unit_test(test_order_buy_now_and_expected_total),
        cmocka_unit_test(test_order_empty_cart_refused),
        cmocka_unit_test(test_order_other_users_address_refused),
        cmocka_unit_test(test_order_unapproved_product_refused),
        cmocka_unit_test(test_order_sku_of_another_product_refused),
        cmocka_unit_test(test_order_beyond_stock_refused),
        cmocka_unit_test(test_order_other_customers_order_is_404),
        cmocka_unit_test(test_order_roles),
        cmocka_unit_test(test_order_bad_input_changes_nothing),
        cmocka_unit_test(test_order_cancel_flows),
        cmocka_unit_test(test_order_reservation_expiry_cancels),
        cmocka_unit_test(test_order_confirmed_when_paid_and_committed),
        cmocka_unit_test(test_order_lists_paginate_and_filter),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
