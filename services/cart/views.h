/* views.h - the cart's read model of other contexts, parsed without I/O: a product as
 * the catalog describes it (price, currency, status, version) and a SKU's available
 * count as inventory describes it.
 *
 * Both arrive two ways, and both parse into the same views: from events
 * (catalog.events data in proto3 JSON, lowerCamelCase, int64 as a number or a string;
 * inventory.events data plus the envelope's sequence) and from the peers' /internal
 * answers (snake_case), which are the synchronous fallback for what the read model
 * has not seen yet. Strings are borrowed from the parsed document.
 */
#ifndef CART_VIEWS_H
#define CART_VIEWS_H

#include <cjson/cJSON.h>
#include <stdint.h>

#define VIEW_TITLE_MAX 1000 /* bytes; longer titles are refused as malformed */

typedef struct product_view {
    const char *id;
    const char *title;
    int64_t price;        /* minor units */
    const char *currency; /* ISO 4217 */
    const char *status;   /* PENDING_APPROVAL, APPROVED, REJECTED, ARCHIVED */
    int64_t version;      /* the product's version: newer replaces older, never back */
} product_view_t;

typedef struct stock_view {
    const char *sku;
    const char *product_id;
    int64_t available;
    int64_t sequence; /* the SKU's version; 0 from the fallback (any event replaces it) */
} stock_view_t;

/* A product from a catalog event envelope: data's productId, title, price, currency,
 * status and version (the envelope's sequence when data has no version). 0, or
 * ERR_INVALID when a field is missing or malformed. Pure. */
int product_view_from_event(const cJSON *event, product_view_t *out);

/* A product from one item of catalog's /internal/products answer: id, title, price,
 * currency, status, version. 0 or ERR_INVALID. Pure. */
int product_view_from_api(const cJSON *item, product_view_t *out);

/* A SKU's stock from an inventory event envelope: data's sku, productId, available, and
 * the envelope's sequence. 0 or ERR_INVALID. Pure. */
int stock_view_from_event(const cJSON *event, stock_view_t *out);

/* A SKU's stock from one item of inventory's /internal/availability answer: sku,
 * product_id, available (sequence 0). 0 or ERR_INVALID. Pure. */
int stock_view_from_api(const cJSON *item, stock_view_t *out);

#endif
