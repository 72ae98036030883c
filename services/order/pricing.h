/* pricing.h - what checkout decides without I/O: the items asked for (from the body of
 * POST /orders or from the cart), each priced from the catalog's answer and matched to
 * its SKU from inventory's, the totals, the client's expected total, and the shipping
 * address copied from identity.
 *
 * The catalog is authoritative: a price the client or the cart shows is never used.
 * Every line must be an APPROVED product, every SKU must belong to its line's product,
 * and every product must be priced in one currency (an order has one currency).
 */
#ifndef ORDER_PRICING_H
#define ORDER_PRICING_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/json.h"
#include "order.h"

#define ORDER_LINES_MAX    100   /* lines per order: the catalog's and inventory's batch limit */
#define ORDER_QUANTITY_MAX 10000 /* units per line: what inventory reserves per line */

/* One item asked for. */
typedef struct order_item_req {
    char product_id[37];
    char sku[ORDER_SKU_MAX + 1];
    int64_t quantity;
} order_item_req_t;

/* True when sku is 1..64 of [A-Za-z0-9._-] starting with a letter or digit. Pure. */
bool order_sku_valid(const char *sku);

/* Parses body.items of POST /orders: 1..ORDER_LINES_MAX objects {product_id (UUID),
 * sku, quantity (1..ORDER_QUANTITY_MAX)}, each SKU at most once. Failures go into chk
 * under "items" or "items[i].field". Returns 0 and *out (caller frees) / *count, or
 * ERR_INVALID (nothing to free). Pure. */
int order_items_parse(json_check_t *chk, const cJSON *body, order_item_req_t **out, int *count);

/* Reads the items of the cart service's answer {id, items: [{product_id, sku, quantity,
 * ...}]} and its id into cart_id[37] ("" when null). Returns 0 and *out (caller frees;
 * *count may be 0 for an empty cart), ERR_INVALID when the answer is malformed or holds
 * more than ORDER_LINES_MAX lines, ERR_INTERNAL on allocation failure. Pure. */
int order_items_from_cart(const cJSON *cart, order_item_req_t **out, int *count, char cart_id[37]);

/* Why a set of items cannot be priced. */
typedef enum price_refusal {
    PRICE_OK = 0,
    PRICE_PRODUCT_UNAVAILABLE, /* unknown to the catalog, or not APPROVED */
    PRICE_SKU_MISMATCH,        /* inventory knows no such SKU, or it is another product's */
    PRICE_CURRENCY_MISMATCH,   /* the products are priced in more than one currency */
    PRICE_LIMIT_EXCEEDED,      /* a line or the subtotal passes MONEY_MAX_MINOR */
} price_refusal_t;

/* Prices items: products is the catalog's "items" array ({id, seller_id, title, price,
 * currency, status}), skus inventory's ({sku, product_id}). Fills lines[count] (the
 * caller's array) and totals (subtotal; shipping, discount and tax 0; final = subtotal).
 * Returns 0, or ERR_CONFLICT with *refusal and *index (the item at fault). Pure. */
int order_price_lines(const order_item_req_t *items, int count, const cJSON *products,
                      const cJSON *skus, order_line_t *lines, order_totals_t *totals,
                      price_refusal_t *refusal, int *index);

/* The stable error code of a refusal ("PRODUCT_UNAVAILABLE", ...). Pure. */
const char *order_price_refusal_code(price_refusal_t r);

/* Adds the shipping fee and recomputes final_price = subtotal + shipping_fee - discount +
 * tax. 0, or ERR_INVALID when a figure is negative or the total leaves
 * [0, MONEY_MAX_MINOR]. Pure. */
int order_totals_finish(order_totals_t *t, int64_t shipping_fee);

/* Parses identity's address answer {name, phone, line1, line2?, city, district,
 * postal_code, country} into out and checks what delivery needs: every required field
 * present within identity's limits, country two capital letters, postal code of
 * letters, digits, spaces and dashes. 0, or ERR_INVALID with *field naming the first
 * field at fault. Pure. */
int order_address_parse(const cJSON *answer, order_address_t *out, const char **field);

#endif
