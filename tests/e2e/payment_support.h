/* payment_support.h - steps the payment provider tests share: one seller per run and a
 * case per test (a customer's order, initiated with the provider), driving a provider
 * stub as the buyer (its test controls), following the URL the browser is sent back to
 * through the gateway, and checking what the payment service recorded and what followed
 * (order, stock, events). Header-only (static inline), like journey_support.h, which it
 * builds on. */
#ifndef TEST_PAYMENT_SUPPORT_H
#define TEST_PAYMENT_SUPPORT_H

#include "journey_support.h"

/* POSTs body to a stub's test control: stub_var names the stub's URL in stack.env
 * ("KHALTI_STUB_URL", ...). The reply, any status, for the caller to check and free. */
static inline t_resp_t pay_stub_post(const char *stub_var, const char *path, const char *body)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", stack_get(stub_var), path);
    t_resp_t r;
    assert_int_equal(t_http("POST", url, NULL, body, NULL, &r), 0);
    return r;
}

/* GETs a stub's test read-out (e.g. "/_test/payments/<pidx>"); fails unless 200. */
static inline t_resp_t pay_stub_get(const char *stub_var, const char *path)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", stack_get(stub_var), path);
    t_resp_t r;
    assert_int_equal(t_http("GET", url, NULL, NULL, NULL, &r), 0);
    if (r.status != 200)
        fail_msg("GET %s: %ld %s", url, r.status, r.body);
    return r;
}

/* The browser follows a return URL a provider sent it to. Such URLs are built on the
 * payment service's PUBLIC_BASE_URL, which in the test stack is the gateway. */
static inline t_resp_t pay_follow(const char *return_url)
{
    const char *gw = stack_get("GATEWAY_URL");
    if (strncmp(return_url, gw, strlen(gw)) != 0)
        fail_msg("return URL %s is not on the gateway %s", return_url, gw);
    t_resp_t r;
    assert_int_equal(t_http("GET", return_url, NULL, NULL, NULL, &r), 0);
    return r;
}

/* How many events of type the payment put in its outbox: exact, no waiting, so a test
 * can show that a replay added none. */
static inline long pay_outbox_count(const char *payment_id, const char *type)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM payments.outbox WHERE key = $1 AND type = '%s'",
             type);
    char *v = c_sql(sql, payment_id);
    long n = v != NULL ? atol(v) : -1;
    free(v);
    return n;
}

/* Fails unless GET /payments/:id, as its owner, says status want. */
static inline void pay_assert_status(const j_user_t *owner, const char *payment_id,
                                     const char *want)
{
    char path[128];
    snprintf(path, sizeof path, "/payments/%s", payment_id);
    t_resp_t r = j_call("GET", path, owner->token, NULL, 200);
    if (c_str(r.json, "status") == NULL || strcmp(c_str(r.json, "status"), want) != 0)
        fail_msg("payment %s: %s, want status %s", payment_id, r.body, want);
    t_resp_free(&r);
}

/* Fails unless the order, as its customer reads it, is in these two states now. */
static inline void pay_assert_order(const j_user_t *customer, const char *order_id,
                                    const char *order_status, const char *payment_status)
{
    char path[128];
    snprintf(path, sizeof path, "/orders/%s", order_id);
    t_resp_t r = j_call("GET", path, customer->token, NULL, 200);
    assert_string_equal(c_str(r.json, "order_status"), order_status);
    assert_string_equal(c_str(r.json, "payment_status"), payment_status);
    t_resp_free(&r);
}

static inline bool pay_sku_unreserved(void *sku)
{
    long on_hand, reserved, available;
    j_stock(sku, &on_hand, &reserved, &available);
    return reserved == 0;
}

/* Waits until the SKU holds no reservation (the order's was released or committed). */
static inline void pay_wait_unreserved(const char *sku, int timeout_ms)
{
    if (!t_wait_until(pay_sku_unreserved, (void *)sku, timeout_ms))
        fail_msg("SKU %s still holds a reservation after %d ms", sku, timeout_ms);
}

/* The seller whose products every case of a provider test buys: made once, by pay_setup. */
static j_user_t pay_seller;

/* cmocka group setup and teardown of a provider test: the stack and pay_seller. */
static inline int pay_setup(void **state)
{
    (void)state;
    stack_load();
    pay_seller = j_user("seller");
    return 0;
}

static inline int pay_teardown(void **state)
{
    (void)state;
    j_user_free(&pay_seller);
    return 0;
}

/* A customer who checked out units of a new product of pay_seller and started paying. */
typedef struct pay_case {
    j_user_t customer;
    j_product_t product;
    char order_id[37];
    char payment_id[37];
} pay_case_t;

/* Starts a case: quantity units of a new product (title, price, stock) ordered with
 * provider, and POST /payment/initiate's reply for it, for the caller to check and free.
 * pay_case_end frees the case. */
static inline t_resp_t pay_case_start(pay_case_t *c, const char *provider, const char *title,
                                      long price, long stock, long quantity)
{
    memset(c, 0, sizeof *c);
    c->customer = j_user("customer");
    c->product = j_product(&pay_seller, title, price, stock);
    j_order(&c->customer, &c->product, quantity, provider, c->order_id);
    return j_pay_initiate(&c->customer, c->order_id, provider, c->payment_id);
}

static inline void pay_case_end(pay_case_t *c)
{
    j_user_free(&c->customer);
}

/* The buyer acts on the stub's payment page (POST /_test/complete with body); the URL the
 * browser is sent back to goes into back[size] ("" when the buyer does not come back). */
static inline void pay_stub_complete(const char *stub_var, const char *body, char *back,
                                     size_t size)
{
    t_resp_t r = pay_stub_post(stub_var, "/_test/complete", body);
    if (r.status != 200)
        fail_msg("stub /_test/complete: %ld %s", r.status, r.body);
    const char *u = c_str(r.json, "redirect_url");
    snprintf(back, size, "%s", u != NULL ? u : "");
    t_resp_free(&r);
}

/* Follows a return URL, which must answer 200 and, unless want_status is NULL, say that
 * status; the reply for the caller to free. */
static inline t_resp_t pay_return(const char *url, const char *want_status)
{
    t_resp_t r = pay_follow(url);
    if (r.status != 200)
        fail_msg("return %s: %ld %s", url, r.status, r.body);
    if (want_status != NULL)
        assert_string_equal(c_str(r.json, "status"), want_status);
    return r;
}

/* pay_return, when the reply is not needed further. */
static inline void pay_return_ok(const char *url, const char *want_status)
{
    t_resp_t r = pay_return(url, want_status);
    t_resp_free(&r);
}

/* Fails unless following url is refused with HTTP status want. */
static inline void pay_return_refused(const char *url, long want)
{
    t_resp_t r = pay_follow(url);
    assert_int_equal(r.status, want);
    t_resp_free(&r);
}

/* Fails unless the SKU's stock is on_hand and reserved now (a negative want: not checked). */
static inline void pay_assert_stock(const char *sku, long on_hand, long reserved)
{
    long have_on_hand, have_reserved, available;
    j_stock(sku, &have_on_hand, &have_reserved, &available);
    if (on_hand >= 0)
        assert_int_equal(have_on_hand, on_hand);
    if (reserved >= 0)
        assert_int_equal(have_reserved, reserved);
}

/* After a successful return: the order becomes PAID and CONFIRMED, its quantity units leave
 * stock (the reservation was committed), PaymentSucceeded is published once, and the
 * provider's transaction id is kept (refunds need it). */
static inline void pay_assert_confirmed(const pay_case_t *c, long stock, long quantity, int wait_ms)
{
    j_wait_order(c->customer.token, c->order_id, "payment_status", "PAID", wait_ms);
    j_wait_order(c->customer.token, c->order_id, "order_status", "CONFIRMED", wait_ms);
    pay_assert_stock(c->product.sku, stock - quantity, 0);
    j_wait_events("payment.events", "PaymentSucceeded", c->payment_id, 1, wait_ms);
    char *txn = c_sql("SELECT provider_txn FROM payments.payments WHERE id = $1", c->payment_id);
    assert_non_null(txn);
    assert_true(strlen(txn) > 0);
    free(txn);
}

/* After the buyer cancelled: the order is CANCELLED with payment FAILED, PaymentFailed is
 * published, and the reservation went back (nothing left the shelf). */
static inline void pay_assert_cancelled(const pay_case_t *c, long stock, int wait_ms)
{
    j_wait_order(c->customer.token, c->order_id, "order_status", "CANCELLED", wait_ms);
    j_wait_order(c->customer.token, c->order_id, "payment_status", "FAILED", wait_ms);
    j_wait_events("payment.events", "PaymentFailed", c->payment_id, 1, wait_ms);
    pay_wait_unreserved(c->product.sku, wait_ms);
    pay_assert_stock(c->product.sku, stock, -1);
}

/* The same successful return followed five times: the first applies, the others are
 * duplicates (each saying want_status, unless NULL), one PaymentSucceeded in the outbox
 * and on the topic, and the order CONFIRMED. */
static inline void pay_assert_five_returns_one_success(const pay_case_t *c, const char *back,
                                                       const char *want_status, int wait_ms)
{
    for (int i = 0; i < 5; i++) {
        t_resp_t r = pay_return(back, want_status);
        assert_string_equal(c_str(r.json, "result"), i == 0 ? "applied" : "duplicate");
        t_resp_free(&r);
    }
    assert_int_equal(pay_outbox_count(c->payment_id, "PaymentSucceeded"), 1);
    j_wait_events("payment.events", "PaymentSucceeded", c->payment_id, 1, wait_ms);
    j_wait_order(c->customer.token, c->order_id, "order_status", "CONFIRMED", wait_ms);
}

/* POST /admin/payments/:id/refund as token with body (NULL: none); the reply, any status,
 * for the caller to check and free. */
static inline t_resp_t pay_refund(const char *token, const char *payment_id, const char *body)
{
    char path[128];
    snprintf(path, sizeof path, "/admin/payments/%s/refund", payment_id);
    return j_call("POST", path, token, body, 0);
}

#endif
