/* fulfillment_support.h - what the fulfillment end-to-end tests (test_fulfillment*.c)
 * share: zones and couriers made by the admin, the internal quote called with the service
 * credential, addresses in a chosen place, paying an order with the fake provider,
 * waiting for an order's shipments, moving them, and signing a courier callback.
 * Header-only (static inline), since every e2e test file is its own program.
 */
#ifndef TEST_FULFILLMENT_SUPPORT_H
#define TEST_FULFILLMENT_SUPPORT_H

#include "journey_support.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

/* The first replica of fulfillment, for /internal calls that skip the gateway. */
static inline void f_base_url(char *out, size_t len)
{
    snprintf(out, len, "%s", stack_get("FULFILLMENT_URLS"));
    out[strcspn(out, ",")] = '\0';
}

/* POST /internal/shipping/quote with the service credential (token NULL: the right one,
 * "": none). The caller frees the reply. */
static inline t_resp_t f_quote(const char *body, const char *token)
{
    char url[512], header[160];
    f_base_url(url, sizeof url);
    strncat(url, "/internal/shipping/quote", sizeof url - strlen(url) - 1);
    snprintf(header, sizeof header, "X-Service-Token: %s",
             token != NULL ? token : stack_get("SERVICE_TOKEN"));
    const char *headers[] = {header, NULL};
    t_resp_t r;
    assert_int_equal(
        t_http("POST", url, NULL, body, token != NULL && token[0] == '\0' ? NULL : headers, &r), 0);
    return r;
}

/* Creates a zone from a JSON body as the admin; its id into id[37]. */
static inline void f_zone(const char *body, char id[37])
{
    t_resp_t r = j_call("POST", "/admin/zones", j_admin(), body, 201);
    snprintf(id, 37, "%s", c_str(r.json, "id"));
    t_resp_free(&r);
}

/* Creates an active courier as the admin, for the zone zone_id (NULL: every zone); its
 * id into id[37] and its tracking prefix into prefix[8] (when not NULL). */
static inline void f_courier(const char *name, const char *zone_id, long capacity, char id[37],
                             char prefix[8])
{
    char body[512];
    if (zone_id != NULL)
        snprintf(body, sizeof body,
                 "{\"name\":\"%s\",\"phone\":\"+977 1 4000000\",\"zones\":[\"%s\"],"
                 "\"capacity\":%ld}",
                 name, zone_id, capacity);
    else
        snprintf(body, sizeof body,
                 "{\"name\":\"%s\",\"phone\":\"+977 1 4000000\",\"capacity\":%ld}", name, capacity);
    t_resp_t r = j_call("POST", "/admin/couriers", j_admin(), body, 201);
    snprintf(id, 37, "%s", c_str(r.json, "id"));
    if (prefix != NULL)
        snprintf(prefix, 8, "%s", c_str(r.json, "tracking_prefix"));
    t_resp_free(&r);
}

/* Adds an address in country/city/district/postal to the customer; its id in id[37]. */
static inline void f_address(const j_user_t *customer, const char *country, const char *city,
                             const char *district, const char *postal, char id[37])
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"name\":\"Fulfillment Buyer\",\"phone\":\"+977 1 5550101\",\"line1\":\"Lakeside "
             "3\",\"city\":\"%s\",\"district\":\"%s\",\"postal_code\":\"%s\",\"country\":\"%s\"}",
             city, district, postal, country);
    t_resp_t r = j_call("POST", "/user/addresses", customer->token, body, 201);
    snprintf(id, 37, "%s", c_str(r.json, "id"));
    t_resp_free(&r);
}

/* Checks out the customer's cart to address_id with the fake provider; the order id into
 * order_id[37]. */
static inline void f_checkout(const j_user_t *customer, const char *address_id, char order_id[37])
{
    t_resp_t r = j_checkout_raw(customer, address_id, "fake", NULL);
    if (r.status != 201)
        fail_msg("checkout: %ld %s", r.status, r.body);
    snprintf(order_id, 37, "%s", c_str(r.json, "order_id"));
    t_resp_free(&r);
}

/* Pays the order with the fake provider (its hosted page's "pay" button) and waits until
 * the order is CONFIRMED. */
static inline void f_pay(const j_user_t *customer, const char *order_id)
{
    char payment_id[37], path[128];
    t_resp_t r = j_pay_initiate(customer, order_id, "fake", payment_id);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/payment/fake/%s?action=pay", payment_id);
    r = j_call("POST", path, NULL, NULL, 200);
    t_resp_free(&r);
    j_wait_order(customer->token, order_id, "order_status", "CONFIRMED", 30000);
}

typedef struct f_tracking_wait {
    const char *token, *order_id;
    int want;
    t_resp_t last;
} f_tracking_wait_t;

static inline bool f_tracking_has(void *arg)
{
    f_tracking_wait_t *w = arg;
    char path[128];
    snprintf(path, sizeof path, "/orders/%s/tracking", w->order_id);
    t_resp_free(&w->last);
    if (t_gw("GET", path, w->token, NULL, &w->last) != 0 || w->last.status != 200)
        return false;
    return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(w->last.json, "shipments")) ==
           w->want;
}

/* Waits up to 20 s until GET /orders/:id/tracking (as token) shows want shipments; returns
 * that reply (caller frees). */
static inline t_resp_t f_wait_tracking(const char *token, const char *order_id, int want)
{
    f_tracking_wait_t w = {.token = token, .order_id = order_id, .want = want};
    if (!t_wait_until(f_tracking_has, &w, 20000))
        fail_msg("order %s: tracking shows no %d shipments after 20 s: %ld %s", order_id, want,
                 w.last.status, w.last.body ? w.last.body : "");
    return w.last;
}

/* The shipment of the tracking reply whose seller is seller_id (NULL: the first). */
static inline const cJSON *f_shipment_of(const t_resp_t *tracking, const char *seller_id)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(tracking->json, "shipments"))
    {
        if (seller_id == NULL || strcmp(c_str(s, "seller_id"), seller_id) == 0)
            return s;
    }
    fail_msg("no shipment of seller %s", seller_id ? seller_id : "(any)");
    return NULL;
}

/* Copies the id of seller_id's shipment in the tracking reply into id[37]. */
static inline void f_shipment_id(const t_resp_t *tracking, const char *seller_id, char id[37])
{
    snprintf(id, 37, "%s", c_str(f_shipment_of(tracking, seller_id), "shipment_id"));
}

/* Waits until the order of customer has a shipment from each of two sellers and copies
 * their ids into ship_a[37] and ship_b[37]. */
static inline void f_two_shipments(const j_user_t *customer, const char *order_id,
                                   const j_user_t *seller_a, const j_user_t *seller_b,
                                   char ship_a[37], char ship_b[37])
{
    t_resp_t t = f_wait_tracking(customer->token, order_id, 2);
    f_shipment_id(&t, seller_a->id, ship_a);
    f_shipment_id(&t, seller_b->id, ship_b);
    t_resp_free(&t);
}

/* PATCH <prefix>/shipments/:id/status {status} as token ("/seller" or "/admin"), expecting
 * want. The caller frees the reply. */
static inline t_resp_t f_move(const char *token, const char *prefix, const char *shipment_id,
                              const char *status, long want)
{
    char path[160], body[64];
    snprintf(path, sizeof path, "%s/shipments/%s/status", prefix, shipment_id);
    snprintf(body, sizeof body, "{\"status\":\"%s\"}", status);
    return j_call("PATCH", path, token, body, want);
}

/* POST /couriers/callback through the gateway with body, signed at timestamp ts with
 * secret (NULL: the stack's COURIER_CALLBACK_SECRET); the caller frees the reply. */
static inline t_resp_t f_callback(const char *body, long long ts, const char *secret)
{
    char stamp[24], msg[1024], sig[65], url[512], h_ts[64], h_sig[128];
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (secret == NULL)
        secret = stack_get("COURIER_CALLBACK_SECRET");
    snprintf(stamp, sizeof stamp, "%lld", ts);
    snprintf(msg, sizeof msg, "%s.%s", stamp, body);
    assert_non_null(HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg,
                         strlen(msg), mac, &mac_len));
    for (unsigned int i = 0; i < mac_len; i++)
        snprintf(sig + 2 * i, 3, "%02x", mac[i]);
    snprintf(url, sizeof url, "%s/couriers/callback", stack_get("GATEWAY_URL"));
    snprintf(h_ts, sizeof h_ts, "X-Courier-Timestamp: %s", stamp);
    snprintf(h_sig, sizeof h_sig, "X-Courier-Signature: %s", sig);
    const char *headers[] = {h_ts, h_sig, NULL};
    t_resp_t r;
    assert_int_equal(t_http("POST", url, NULL, body, headers, &r), 0);
    return r;
}

/* The "error.details" object of a reply. */
static inline const cJSON *f_details(const t_resp_t *r)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r->json, "error"),
                                            "details");
}

#endif
