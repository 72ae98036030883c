/* peers.h - the calls checkout makes to other services' /internal routes, each with the
 * service credential and a timeout (ORDER_PEER_TIMEOUT_MS per replica):
 *
 *     cart         GET  /internal/carts/:customer_id
 *     catalog      POST /internal/products/batch {ids}
 *     inventory    POST /internal/availability {skus}
 *     identity     GET  /internal/users/:id/addresses/:address_id
 *     fulfillment  POST /internal/shipping/quote {address, currency}
 *     inventory    POST /internal/reservations {order_id, lines, ttl_seconds}
 *     inventory    POST /internal/reservations/:order_id/release {reason}
 *
 * Peers come from <NAME>_URLS (common/peer.h). A peer that cannot answer, or answers
 * something the contract does not allow, is ERR_UNAVAILABLE (the client gets a 503).
 * Threads: any.
 */
#ifndef ORDER_PEERS_H
#define ORDER_PEERS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "order.h"

/* Reads the peers' configuration. 0 or ERR_INVALID (logged). */
int peers_init(long timeout_ms);

/* Frees what peers_init made. */
void peers_free(void);

/* True when FULFILLMENT_URLS (or _URL) names a replica: shipping is then quoted by
 * fulfillment; otherwise the fee is 0 after the address's format checks. */
bool peers_fulfillment_configured(void);

/* The customer's cart as the cart service renders it. 0 and *cart (caller deletes). */
int peers_cart(const char *customer_id, cJSON **cart);

/* The catalog's internal view of these products: 0 and *items, the answer's array
 * (caller deletes); unknown ids are simply absent. */
int peers_products(const char *const *ids, int count, cJSON **items);

/* Inventory's {sku, product_id, available} for these SKUs: 0 and *items (caller
 * deletes); unknown codes are absent. */
int peers_skus(const char *const *skus, int count, cJSON **items);

/* The address of the user: 0 and *address (caller deletes), or ERR_NOT_FOUND when
 * identity has no such address of that user. */
int peers_address(const char *user_id, const char *address_id, cJSON **address);

/* The shipping fee to the address in currency: 0 and *fee; ERR_CONFLICT with *refusal
 * (fulfillment's error object, caller deletes) when the address is not serviceable. */
int peers_quote(const order_address_t *address, const char *currency, int64_t *fee,
                cJSON **refusal);

/* Reserves the lines' SKUs for order_id, all or none: 0 and expires_at; ERR_CONFLICT
 * with *refusal (inventory's error object: OUT_OF_STOCK and its details; caller
 * deletes); ERR_NOT_FOUND with *refusal when a SKU is unknown. */
int peers_reserve(const char *order_id, const order_line_t *lines, int count, long ttl_seconds,
                  char expires_at[ORDER_TIME_LEN], cJSON **refusal);

/* Releases the reservation of order_id (reason "cancelled"). 0 also when there is none. */
int peers_release(const char *order_id);

#endif
