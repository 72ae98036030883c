/* journey_support.h - the steps of the buying journey that the order, payment,
 * fulfillment and notification tests share: a stocked product of a seller, a customer
 * with an address, a delivery zone, a cart, a checkout, and waiting on an order's state.
 * Header-only (static inline), since every e2e test file is its own program. Every
 * step fails the calling test with the reply it got when the system answers otherwise.
 */
#ifndef TEST_JOURNEY_SUPPORT_H
#define TEST_JOURNEY_SUPPORT_H

#include "catalog_support.h"

#include <sys/random.h>

/* The country every journey ships to; j_zone_ensure() makes it serviceable. Addresses
 * in J_UNSERVED_COUNTRY lie outside every zone the tests create. */
#define J_COUNTRY          "NP"
#define J_UNSERVED_COUNTRY "IS"

typedef struct j_user {
    char *token;
    char id[37];
} j_user_t;

typedef struct j_product {
    char id[37];
    char sku[40];
    long price;
} j_product_t;

/* The cmocka group setup of a journey test that needs nothing but the stack's addresses. */
static inline int j_group_setup(void **state)
{
    (void)state;
    stack_load();
    return 0;
}

/* Sends a request through the gateway and fails the test unless the status is want
 * (0 accepts any). The caller frees the reply. */
static inline t_resp_t j_call(const char *method, const char *path, const char *token,
                              const char *body, long want)
{
    t_resp_t r;
    assert_int_equal(t_gw(method, path, token, body, &r), 0);
    if (want != 0 && r.status != want)
        fail_msg("%s %s: got %ld, want %ld: %s", method, path, r.status, want, r.body);
    return r;
}

/* 8 random hex digits, for unique SKUs and names. */
static inline void j_hex8(char out[9])
{
    unsigned char b[4];
    assert_int_equal(getrandom(b, sizeof b, 0), (ssize_t)sizeof b);
    snprintf(out, 9, "%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
}

/* The stack's admin, logged in once per test program. */
static inline const char *j_admin(void)
{
    static char *admin;
    if (admin == NULL)
        admin = c_admin_token();
    return admin;
}

/* A new user of role ("customer", "seller"). Free with j_user_free. */
static inline j_user_t j_user(const char *role)
{
    j_user_t u = {0};
    u.token = t_register_login(role, u.id);
    assert_non_null(u.token);
    return u;
}

static inline void j_user_free(j_user_t *u)
{
    free(u->token);
    u->token = NULL;
}

/* A category of this test program, made once. */
static inline const char *j_category(void)
{
    static char slug[40];
    if (slug[0] == '\0') {
        char hex[9];
        j_hex8(hex);
        snprintf(slug, sizeof slug, "journey-%s", hex);
        c_category(j_admin(), slug, "Journey", NULL);
    }
    return slug;
}

/* An approved product of seller at price (NPR minor units) with one SKU holding stock. */
static inline j_product_t j_product(const j_user_t *seller, const char *title, long price,
                                    long stock)
{
    j_product_t p = {.price = price};
    c_product(seller->token, title, "a product of the journey tests", price, j_category(), p.id);
    c_approve(j_admin(), p.id);
    char hex[9], path[128], body[128];
    j_hex8(hex);
    snprintf(p.sku, sizeof p.sku, "J-%s", hex);
    snprintf(path, sizeof path, "/seller/products/%s/inventory", p.id);
    snprintf(body, sizeof body, "{\"sku\":\"%s\",\"quantity\":%ld}", p.sku, stock);
    t_resp_t r = j_call("POST", path, seller->token, body, 201);
    t_resp_free(&r);
    return p;
}

/* Adds an address in country to the customer; its id in id[37]. */
static inline void j_address(const j_user_t *customer, const char *country, char id[37])
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"name\":\"Journey Buyer\",\"phone\":\"+977 1 5550100\",\"line1\":\"Thamel Marg "
             "12\",\"city\":\"Kathmandu\",\"district\":\"Kathmandu\",\"postal_code\":\"44600\","
             "\"country\":\"%s\"}",
             country);
    t_resp_t r = j_call("POST", "/user/addresses", customer->token, body, 201);
    snprintf(id, 37, "%s", c_str(r.json, "id"));
    t_resp_free(&r);
}

/* Makes J_COUNTRY serviceable (a zone covering the whole country, fee in NPR). Creating
 * it again is harmless: a zone of the same name answers 409, which is accepted. */
static inline void j_zone_ensure(long fee)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"name\":\"journey-%s\",\"country\":\"%s\",\"fee\":%ld,\"currency\":\"NPR\"}",
             J_COUNTRY, J_COUNTRY, fee);
    t_resp_t r = j_call("POST", "/admin/zones", j_admin(), body, 0);
    /* A stack built without fulfillment (FULFILLMENT_URLS absent from its environment)
     * has no zones: the gateway answers 503, and the order service charges no shipping. */
    bool no_fulfillment = getenv("FULFILLMENT_URLS") == NULL && r.status == 503;
    if (r.status != 201 && r.status != 409 && !no_fulfillment)
        fail_msg("POST /admin/zones: %ld %s", r.status, r.body);
    t_resp_free(&r);
}

/* Puts quantity of product p into the customer's cart. */
static inline void j_cart_add(const j_user_t *customer, const j_product_t *p, long quantity)
{
    char body[256];
    snprintf(body, sizeof body, "{\"product_id\":\"%s\",\"sku\":\"%s\",\"quantity\":%ld}", p->id,
             p->sku, quantity);
    t_resp_t r = j_call("POST", "/cart/items", customer->token, body, 201);
    t_resp_free(&r);
}

/* POST /checkout with the address and payment method; the reply (any status) for the
 * caller to check and free. idem_key may be NULL. */
static inline t_resp_t j_checkout_raw(const j_user_t *customer, const char *address_id,
                                      const char *method, const char *idem_key)
{
    char body[256], url[512], header[300];
    snprintf(body, sizeof body, "{\"address_id\":\"%s\",\"payment_method\":\"%s\"}", address_id,
             method);
    if (idem_key == NULL)
        return j_call("POST", "/checkout", customer->token, body, 0);
    /* t_gw sends no custom headers; t_http does, through the gateway's URL. */
    snprintf(url, sizeof url, "%s/checkout", stack_get("GATEWAY_URL"));
    snprintf(header, sizeof header, "Idempotency-Key: %s", idem_key);
    const char *headers[] = {header, NULL};
    t_resp_t r;
    assert_int_equal(t_http("POST", url, customer->token, body, headers, &r), 0);
    return r;
}

/* A customer with an address in J_COUNTRY who checked out quantity of p: the order's id
 * in order_id[37]. Makes the zone first. */
static inline void j_order(const j_user_t *customer, const j_product_t *p, long quantity,
                           const char *method, char order_id[37])
{
    char address[37];
    j_zone_ensure(0);
    j_address(customer, J_COUNTRY, address);
    j_cart_add(customer, p, quantity);
    t_resp_t r = j_checkout_raw(customer, address, method, NULL);
    if (r.status != 201)
        fail_msg("checkout: %ld %s", r.status, r.body);
    snprintf(order_id, 37, "%s", c_str(r.json, "order_id"));
    t_resp_free(&r);
}

typedef struct j_order_wait {
    const char *token;
    const char *order_id;
    const char *field; /* "order_status" or "payment_status" */
    const char *want;
    char last[40];
} j_order_wait_t;

static inline bool j_order_field_is(void *arg)
{
    j_order_wait_t *w = arg;
    char path[128];
    snprintf(path, sizeof path, "/orders/%s", w->order_id);
    t_resp_t r;
    if (t_gw("GET", path, w->token, NULL, &r) != 0)
        return false;
    const char *v = r.status == 200 ? c_str(r.json, w->field) : NULL;
    snprintf(w->last, sizeof w->last, "%s", v != NULL ? v : "?");
    bool ok = v != NULL && strcmp(v, w->want) == 0;
    t_resp_free(&r);
    return ok;
}

/* Waits up to timeout_ms for the order's field (as its customer or an admin reads it)
 * to become want; fails the test with the last value seen otherwise. */
static inline void j_wait_order(const char *token, const char *order_id, const char *field,
                                const char *want, int timeout_ms)
{
    j_order_wait_t w = {.token = token, .order_id = order_id, .field = field, .want = want};
    if (!t_wait_until(j_order_field_is, &w, timeout_ms))
        fail_msg("order %s: %s is %s after %d ms, want %s", order_id, field, w.last, timeout_ms,
                 want);
}

/* The SKU's counts as inventory holds them (on_hand, reserved, available); -1 when the
 * SKU is unknown. */
static inline void j_stock(const char *sku, long *on_hand, long *reserved, long *available)
{
    char *v = c_sql("SELECT on_hand || ' ' || reserved FROM inventory.skus WHERE sku = $1", sku);
    long oh = -1, res = -1;
    if (v != NULL)
        sscanf(v, "%ld %ld", &oh, &res);
    free(v);
    *on_hand = oh;
    *reserved = res;
    *available = oh >= 0 ? oh - res : -1;
}

/* POST /payment/initiate {order_id, provider} as the customer; fails the test unless it
 * answers 201. The payment's id goes to payment_id[37]; the reply (redirect_url, form)
 * is the caller's to read and free. (Added for the Khalti and eSewa tests.) */
static inline t_resp_t j_pay_initiate(const j_user_t *customer, const char *order_id,
                                      const char *provider, char payment_id[37])
{
    char body[160];
    snprintf(body, sizeof body, "{\"order_id\":\"%s\",\"provider\":\"%s\"}", order_id, provider);
    t_resp_t r = j_call("POST", "/payment/initiate", customer->token, body, 201);
    const char *id = c_str(r.json, "payment_id");
    assert_non_null(id);
    snprintf(payment_id, 37, "%s", id);
    return r;
}

typedef struct j_event_wait {
    const char *topic, *type, *subject;
    int want, last;
} j_event_wait_t;

static inline bool j_event_count_is(void *arg)
{
    j_event_wait_t *w = arg;
    w->last = t_topic_count(w->topic, w->type, w->subject);
    return w->last == w->want;
}

/* Waits up to timeout_ms until topic holds exactly want events of type about subject;
 * fails the test with the last count seen otherwise. */
static inline void j_wait_events(const char *topic, const char *type, const char *subject, int want,
                                 int timeout_ms)
{
    j_event_wait_t w = {.topic = topic, .type = type, .subject = subject, .want = want};
    if (!t_wait_until(j_event_count_is, &w, timeout_ms))
        fail_msg("%s: %d %s about %s after %d ms, want %d", topic, w.last, type, subject,
                 timeout_ms, want);
}

#endif
