/* payment_journey_support.h - steps the fake-provider and Stripe e2e tests share: a
 * journey up to a PENDING_PAYMENT order, initiating and reading payments, signing and
 * sending webhooks in the Stripe scheme ("t=..,v1=<hex HMAC-SHA256 of t.body>", which
 * the fake provider uses too), and waiting on payment events and stock. Header-only
 * (static inline), since every e2e test file is its own program. (payment_support.h
 * holds the Khalti / eSewa stub helpers.) */
#ifndef TEST_PAYMENT_JOURNEY_SUPPORT_H
#define TEST_PAYMENT_JOURNEY_SUPPORT_H

#include "journey_support.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

/* A stocked product of a new seller and a customer with a PENDING_PAYMENT order of
 * quantity units of it, to be paid with method. */
typedef struct p_journey {
    j_user_t seller, customer;
    j_product_t product;
    char order_id[37];
    long stock;
} p_journey_t;

static inline p_journey_t p_journey(const char *method, long price, long stock, long quantity)
{
    p_journey_t j = {.stock = stock};
    j.seller = j_user("seller");
    j.customer = j_user("customer");
    j.product = j_product(&j.seller, "Payment test product", price, stock);
    j_order(&j.customer, &j.product, quantity, method, j.order_id);
    return j;
}

static inline void p_journey_free(p_journey_t *j)
{
    j_user_free(&j->seller);
    j_user_free(&j->customer);
}

/* POST /payment/initiate {order_id, provider} as token, optionally with an
 * Idempotency-Key; fails unless the status is want (0: any). Caller frees. */
static inline t_resp_t p_initiate_raw(const char *token, const char *order_id, const char *provider,
                                      const char *idem_key, long want)
{
    char body[160], url[512], header[300];
    snprintf(body, sizeof body, "{\"order_id\":\"%s\",\"provider\":\"%s\"}", order_id, provider);
    snprintf(url, sizeof url, "%s/payment/initiate", stack_get("GATEWAY_URL"));
    snprintf(header, sizeof header, "Idempotency-Key: %s", idem_key != NULL ? idem_key : "");
    const char *headers[] = {header, NULL};
    t_resp_t r;
    assert_int_equal(t_http("POST", url, token, body, idem_key != NULL ? headers : NULL, &r), 0);
    if (want != 0 && r.status != want)
        fail_msg("POST /payment/initiate: got %ld, want %ld: %s", r.status, want, r.body);
    return r;
}

/* Initiates with provider and copies the payment id into payment_id[37]. */
static inline void p_initiate(const p_journey_t *j, const char *provider, char payment_id[37])
{
    t_resp_t r = p_initiate_raw(j->customer.token, j->order_id, provider, NULL, 201);
    const char *id = c_str(r.json, "payment_id");
    assert_non_null(id);
    assert_string_equal(c_str(r.json, "status"), "INITIATED");
    snprintf(payment_id, 37, "%s", id);
    t_resp_free(&r);
}

/* GET /payments/:id as token; the reply (any status) for the caller to free. */
static inline t_resp_t p_get(const char *token, const char *payment_id)
{
    char path[96];
    snprintf(path, sizeof path, "/payments/%s", payment_id);
    return j_call("GET", path, token, NULL, 0);
}

/* The payment's status as the admin reads it ("?" when unreadable). */
static inline void p_status(const char *payment_id, char out[32])
{
    t_resp_t r = p_get(j_admin(), payment_id);
    const char *s = r.status == 200 ? c_str(r.json, "status") : NULL;
    snprintf(out, 32, "%s", s != NULL ? s : "?");
    t_resp_free(&r);
}

typedef struct p_wait {
    const char *payment_id;
    const char *want;
    char last[32];
} p_wait_t;

static inline bool p_status_is(void *arg)
{
    p_wait_t *w = arg;
    p_status(w->payment_id, w->last);
    return strcmp(w->last, w->want) == 0;
}

/* Waits up to timeout_ms for the payment's status to become want. */
static inline void p_wait_status(const char *payment_id, const char *want, int timeout_ms)
{
    p_wait_t w = {.payment_id = payment_id, .want = want};
    if (!t_wait_until(p_status_is, &w, timeout_ms))
        fail_msg("payment %s: status %s after %d ms, want %s", payment_id, w.last, timeout_ms,
                 want);
}

/* "t=<t>,v1=<hex HMAC-SHA256(secret, t.body)>" into out[160]. */
static inline void p_sign(const char *secret, long t, const char *body, char out[160])
{
    char tt[24];
    snprintf(tt, sizeof tt, "%ld", t);
    size_t tl = strlen(tt), bl = strlen(body);
    unsigned char *msg = malloc(tl + 1 + bl);
    assert_non_null(msg);
    memcpy(msg, tt, tl);
    msg[tl] = '.';
    memcpy(msg + tl + 1, body, bl);
    unsigned char mac[32];
    unsigned int len = 0;
    assert_non_null(HMAC(EVP_sha256(), secret, (int)strlen(secret), msg, tl + 1 + bl, mac, &len));
    free(msg);
    int n = snprintf(out, 160, "t=%s,v1=", tt);
    for (int i = 0; i < 32; i++)
        n += snprintf(out + n, 160 - (size_t)n, "%02x", mac[i]);
}

/* POSTs body to the gateway's path with the signature header (NULL: none). Caller frees. */
static inline t_resp_t p_post_webhook(const char *path, const char *header_name,
                                      const char *signature, const char *body)
{
    char url[512], header[300];
    snprintf(url, sizeof url, "%s%s", stack_get("GATEWAY_URL"), path);
    snprintf(header, sizeof header, "%s: %s", header_name, signature != NULL ? signature : "");
    const char *headers[] = {header, NULL};
    t_resp_t r;
    assert_int_equal(t_http("POST", url, NULL, body, signature != NULL ? headers : NULL, &r), 0);
    return r;
}

/* The fake provider's webhook body (see services/payment/fake.c) into out[512]. */
static inline void p_fake_body(const char *event_id, const char *type, const char *payment_id,
                               long amount, const char *currency, char out[512])
{
    snprintf(out, 512,
             "{\"id\":\"%s\",\"type\":\"%s\",\"created\":%ld,\"data\":{\"payment_id\":\"%s\","
             "\"amount\":%ld,\"currency\":\"%s\"}}",
             event_id, type, (long)time(NULL), payment_id, amount, currency);
}

/* Sends a fake-provider webhook signed with secret at time t. Caller frees. */
static inline t_resp_t p_fake_webhook(const char *secret, long t, const char *body)
{
    char sig[160];
    p_sign(secret, t, body, sig);
    return p_post_webhook("/payment/webhook/fake", "X-Webhook-Signature", sig, body);
}

/* How many events of type the payment has on payment.events. */
static inline int p_events(const char *type, const char *payment_id)
{
    return t_topic_count("payment.events", type, payment_id);
}

typedef struct p_event_wait {
    const char *type, *payment_id;
    int want, last;
} p_event_wait_t;

static inline bool p_events_reached(void *arg)
{
    p_event_wait_t *w = arg;
    w->last = p_events(w->type, w->payment_id);
    return w->last >= w->want;
}

/* Waits until the payment has at least want events of type on payment.events. */
static inline void p_wait_events(const char *type, const char *payment_id, int want, int timeout_ms)
{
    p_event_wait_t w = {.type = type, .payment_id = payment_id, .want = want};
    if (!t_wait_until(p_events_reached, &w, timeout_ms))
        fail_msg("payment %s: %d %s event(s) after %d ms, want %d", payment_id, w.last, type,
                 timeout_ms, want);
}

/* The order's field (order_status, payment_status) as its customer reads it now. */
static inline void p_order_field(const char *token, const char *order_id, const char *field,
                                 char out[40])
{
    char path[96];
    snprintf(path, sizeof path, "/orders/%s", order_id);
    t_resp_t r = j_call("GET", path, token, NULL, 200);
    const char *v = c_str(r.json, field);
    snprintf(out, 40, "%s", v != NULL ? v : "?");
    t_resp_free(&r);
}

typedef struct p_stock_wait {
    const char *sku;
    long on_hand, reserved, last_on_hand, last_reserved;
} p_stock_wait_t;

static inline bool p_stock_reached(void *arg)
{
    p_stock_wait_t *w = arg;
    long available;
    j_stock(w->sku, &w->last_on_hand, &w->last_reserved, &available);
    return w->last_on_hand == w->on_hand && w->last_reserved == w->reserved;
}

/* Waits up to timeout_ms until the SKU holds on_hand units with reserved of them held. */
static inline void p_wait_stock(const char *sku, long on_hand, long reserved, int timeout_ms)
{
    p_stock_wait_t w = {.sku = sku, .on_hand = on_hand, .reserved = reserved};
    if (!t_wait_until(p_stock_reached, &w, timeout_ms))
        fail_msg("SKU %s: on_hand %ld reserved %ld after %d ms, want %ld and %ld", sku,
                 w.last_on_hand, w.last_reserved, timeout_ms, on_hand, reserved);
}

#endif
