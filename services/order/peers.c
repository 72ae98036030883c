/* peers.c - checkout's calls to the cart, catalog, identity, inventory and
 * fulfillment (see peers.h). A 4xx the contract does not foresee means the two
 * services disagree (credential, contract): for the customer that is the same as the
 * peer being away, so it is logged and becomes ERR_UNAVAILABLE. */
#include "peers.h"

#include <stdio.h>
#include <string.h>

#include "common/errors.h"
#include "common/json.h"
#include "common/log.h"
#include "common/peer.h"

static peer_t *cart, *catalog, *identity, *inventory, *fulfillment;
static long timeout_ms;

int peers_init(long timeout)
{
    timeout_ms = timeout;
    if (peer_from_env("CART", &cart) != 0 || peer_from_env("CATALOG", &catalog) != 0 ||
        peer_from_env("IDENTITY", &identity) != 0 || peer_from_env("INVENTORY", &inventory) != 0 ||
        peer_from_env("FULFILLMENT", &fulfillment) != 0) {
        peers_free();
        return ERR_INVALID;
    }
    return 0;
}

void peers_free(void)
{
    peer_free(cart);
    peer_free(catalog);
    peer_free(identity);
    peer_free(inventory);
    peer_free(fulfillment);
    cart = catalog = identity = inventory = fulfillment = NULL;
}

bool peers_fulfillment_configured(void)
{
    return peer_configured(fulfillment);
}

/* The error object of an error reply, detached (caller deletes); NULL when absent. */
static cJSON *take_error(cJSON *answer)
{
    return cJSON_DetachItemFromObjectCaseSensitive(answer, "error");
}

static int unexpected(const char *what, const char *path, long status)
{
    log_error("order: %s answered %ld to %s", what, status, path);
    return ERR_UNAVAILABLE;
}

int peers_cart(const char *customer_id, cJSON **out)
{
    char path[96];
    long status = 0;
    cJSON *answer = NULL;
    *out = NULL;
    snprintf(path, sizeof path, "/internal/carts/%s", customer_id);
    int rc = peer_call(cart, "GET", path, NULL, timeout_ms, &status, &answer);
    if (rc == 0 && (status != 200 || !cJSON_IsObject(answer)))
        rc = unexpected("the cart", "/internal/carts/:customer_id", status);
    if (rc == 0) {
        *out = answer;
        answer = NULL;
    }
    cJSON_Delete(answer);
    return rc;
}

/* POSTs {key: [values]} and returns the answer's "items" array (detached). */
static int batch(peer_t *peer, const char *what, const char *path, const char *key,
                 const char *const *values, int count, cJSON **items)
{
    long status = 0;
    cJSON *answer = NULL;
    cJSON *body = cJSON_CreateObject();
    cJSON *list = cJSON_CreateStringArray(values, count);
    *items = NULL;
    if (body == NULL || list == NULL || !cJSON_AddItemToObject(body, key, list)) {
        cJSON_Delete(list);
        cJSON_Delete(body);
        return ERR_INTERNAL;
    }
    int rc = peer_call(peer, "POST", path, body, timeout_ms, &status, &answer);
    cJSON_Delete(body);
    if (rc == 0) {
        cJSON *arr = cJSON_DetachItemFromObjectCaseSensitive(answer, "items");
        if (status != 200 || !cJSON_IsArray(arr)) {
            cJSON_Delete(arr);
            rc = unexpected(what, path, status);
        } else {
            *items = arr;
        }
    }
    cJSON_Delete(answer);
    return rc;
}

int peers_products(const char *const *ids, int count, cJSON **items)
{
    return batch(catalog, "the catalog", "/internal/products/batch", "ids", ids, count, items);
}

int peers_skus(const char *const *skus, int count, cJSON **items)
{
    return batch(inventory, "inventory", "/internal/availability", "skus", skus, count, items);
}

int peers_address(const char *user_id, const char *address_id, cJSON **out)
{
    char path[160];
    long status = 0;
    cJSON *answer = NULL;
    *out = NULL;
    snprintf(path, sizeof path, "/internal/users/%s/addresses/%s", user_id, address_id);
    int rc = peer_call(identity, "GET", path, NULL, timeout_ms, &status, &answer);
    if (rc == 0) {
        if (status == 404) {
            rc = ERR_NOT_FOUND;
        } else if (status != 200 || !cJSON_IsObject(answer)) {
            rc = unexpected("identity", "/internal/users/:id/addresses/:address_id", status);
        } else {
            *out = answer;
            answer = NULL;
        }
    }
    cJSON_Delete(answer);
    return rc;
}

int peers_quote(const order_address_t *a, const char *currency, int64_t *fee, cJSON **refusal)
{
    const char *path = "/internal/shipping/quote";
    long status = 0;
    cJSON *answer = NULL;
    cJSON *body = cJSON_CreateObject();
    cJSON *addr = cJSON_CreateObject();
    *refusal = NULL;
    bool ok = body != NULL && addr != NULL && cJSON_AddItemToObject(body, "address", addr);
    if (!ok)
        cJSON_Delete(addr);
    ok = ok && cJSON_AddStringToObject(addr, "country", a->country) != NULL &&
         cJSON_AddStringToObject(addr, "city", a->city) != NULL &&
         cJSON_AddStringToObject(addr, "district", a->district) != NULL &&
         cJSON_AddStringToObject(addr, "postal_code", a->postal_code) != NULL &&
         cJSON_AddStringToObject(body, "currency", currency) != NULL;
    if (!ok) {
        cJSON_Delete(body);
        return ERR_INTERNAL;
    }
    int rc = peer_call(fulfillment, "POST", path, body, timeout_ms, &status, &answer);
    cJSON_Delete(body);
    if (rc == 0) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(answer, "fee");
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(answer, "currency");
        if (status == 422) {
            *refusal = take_error(answer);
            rc = ERR_CONFLICT;
        } else if (status != 200 || f == NULL || json_int64(f, fee) != 0 || *fee < 0 ||
                   !cJSON_IsString(c) || strcmp(c->valuestring, currency) != 0) {
            rc = unexpected("fulfillment", path, status);
        }
    }
    cJSON_Delete(answer);
    return rc;
}

int peers_reserve(const char *order_id, const order_line_t *lines, int count, long ttl_seconds,
                  char expires_at[ORDER_TIME_LEN], cJSON **refusal)
{
    const char *path = "/internal/reservations";
    long status = 0;
    cJSON *answer = NULL;
    cJSON *body = cJSON_CreateObject();
    cJSON *arr = NULL;
    *refusal = NULL;
    bool ok = body != NULL && cJSON_AddStringToObject(body, "order_id", order_id) != NULL &&
              cJSON_AddNumberToObject(body, "ttl_seconds", (double)ttl_seconds) != NULL &&
              (arr = cJSON_AddArrayToObject(body, "lines")) != NULL;
    for (int i = 0; ok && i < count; i++) {
        cJSON *l = cJSON_CreateObject();
        ok = l != NULL && cJSON_AddItemToArray(arr, l) &&
             cJSON_AddStringToObject(l, "sku", lines[i].sku) != NULL &&
             cJSON_AddNumberToObject(l, "quantity", (double)lines[i].quantity) != NULL;
    }
    if (!ok) {
        cJSON_Delete(body);
        return ERR_INTERNAL;
    }
    int rc = peer_call(inventory, "POST", path, body, timeout_ms, &status, &answer);
    cJSON_Delete(body);
    if (rc == 0) {
        const cJSON *exp = cJSON_GetObjectItemCaseSensitive(answer, "expires_at");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(answer, "status");
        if (status == 409 || status == 404) {
            *refusal = take_error(answer);
            rc = status == 409 ? ERR_CONFLICT : ERR_NOT_FOUND;
        } else if ((status != 201 && status != 200) || !cJSON_IsString(exp) ||
                   strlen(exp->valuestring) >= ORDER_TIME_LEN || !cJSON_IsString(st) ||
                   strcmp(st->valuestring, "RESERVED") != 0) {
            /* 200 with another status: this order id already had a reservation that was
             * released or committed, which a fresh order id can never have. */
            rc = unexpected("inventory", path, status);
        } else {
            snprintf(expires_at, ORDER_TIME_LEN, "%s", exp->valuestring);
        }
    }
    cJSON_Delete(answer);
    return rc;
}

int peers_release(const char *order_id)
{
    char path[96];
    long status = 0;
    cJSON *answer = NULL;
    cJSON *body = cJSON_CreateObject();
    if (body == NULL || cJSON_AddStringToObject(body, "reason", "cancelled") == NULL) {
        cJSON_Delete(body);
        return ERR_INTERNAL;
    }
    snprintf(path, sizeof path, "/internal/reservations/%s/release", order_id);
    int rc = peer_call(inventory, "POST", path, body, timeout_ms, &status, &answer);
    cJSON_Delete(body);
    /* 404: the reservation was never made (the reserve call failed before it). */
    if (rc == 0 && status != 200 && status != 404)
        rc = unexpected("inventory", "/internal/reservations/:order_id/release", status);
    cJSON_Delete(answer);
    return rc;
}
