/* payment_support.h - steps the payment provider tests share: driving a provider stub
 * as the buyer (its test controls), following the URL the browser is sent back to
 * through the gateway, and reading what the payment service recorded. Header-only
 * (static inline), like journey_support.h, which it builds on. */
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

#endif
