/* cart.h - the rules of a cart, without I/O: what may be added, how lines merge, which
 * lines can still be bought and why not, and the totals.
 *
 * A cart belongs to one customer and holds lines, one per SKU, each with a quantity
 * of 1..max_quantity. It has one currency, the currency of the product on its first
 * line; a product priced in another currency cannot join it. Prices are never stored
 * in the cart: every render takes the product's current price from the read model
 * (see views.h), so totals are live.
 *
 * Totals count purchasable lines only. A line is not purchasable when its product is
 * no longer approved (or unknown), its currency no longer matches the cart's, its SKU
 * has nothing available, or its quantity exceeds what is available; such a line is
 * flagged with the reason and still shown, with its own line total, so the customer
 * can fix it.
 */
#ifndef CART_CART_H
#define CART_CART_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#define CART_QUANTITY_MAX_DEFAULT 99
#define CART_LINES_MAX_DEFAULT    50
#define CART_SKU_MAX              64
#define CART_ORDER_LINES_MAX      1000 /* lines of one OrderCreated the handler accepts */

/* A product's status as the catalog publishes it. */
typedef enum product_status {
    PRODUCT_STATUS_UNKNOWN = 0, /* not a status the cart knows: treated as unavailable */
    PRODUCT_PENDING_APPROVAL,
    PRODUCT_APPROVED,
    PRODUCT_REJECTED,
    PRODUCT_ARCHIVED,
} product_status_t;

/* The status named by s ("APPROVED", ...); PRODUCT_STATUS_UNKNOWN for NULL or anything
 * else. Pure. */
product_status_t cart_product_status(const char *s);

/* Whether a product of this status may be added: 0 when approved; ERR_NOT_FOUND when it
 * never was public (pending, rejected, unknown: its existence must not leak);
 * ERR_CONFLICT when it was public and is archived. Pure. */
int cart_product_addable(product_status_t status);

/* True when sku is 1..CART_SKU_MAX characters of [A-Za-z0-9._-] starting with a letter or
 * digit: the codes inventory issues. Pure. */
bool cart_sku_valid(const char *sku);

/* Whether a product in currency may join a cart that has line_count lines in
 * cart_currency (ignored when the cart is empty: the first line sets the currency).
 * 0, or ERR_CONFLICT. Pure. */
int cart_currency_accepts(const char *cart_currency, int line_count, const char *currency);

/* The quantity of a line after adding `add` units to the `in_cart` already there:
 * 0 and *out, or ERR_CONFLICT when it would exceed max. Pure. */
int cart_merge_quantity(int64_t in_cart, int64_t add, int64_t max, int64_t *out);

/* Why a line cannot be bought. */
typedef enum cart_flag {
    CART_LINE_OK = 0,
    CART_LINE_PRODUCT_UNAVAILABLE, /* archived, not approved, or unknown to the catalog */
    CART_LINE_CURRENCY_MISMATCH,   /* the product's currency changed after it was added */
    CART_LINE_OUT_OF_STOCK,        /* nothing available (or the SKU is unknown) */
    CART_LINE_INSUFFICIENT_STOCK,  /* fewer available than the quantity */
    CART_LINE_LIMIT_EXCEEDED,      /* the line or the subtotal would pass MONEY_MAX_MINOR */
} cart_flag_t;

/* The reason string of a flag ("OUT_OF_STOCK", ...); NULL for CART_LINE_OK. Pure. */
const char *cart_flag_reason(cart_flag_t flag);

/* One line of a cart with what the read model knows about it. Strings are borrowed
 * (from a query result or a parsed document) and must outlive the line. */
typedef struct cart_line {
    /* the cart's own data */
    const char *id;
    const char *product_id;
    const char *sku;
    int64_t quantity;
    /* the product (product_known false: the catalog has no such product) */
    bool product_known;
    const char *title;
    int64_t unit_price;
    const char *currency;
    const char *status;
    /* the SKU's stock (stock_known false: inventory has no such SKU) */
    bool stock_known;
    const char *sku_product_id; /* the product the SKU belongs to */
    int64_t available;
    /* set by cart_evaluate */
    cart_flag_t flag;
    bool has_line_total;
    int64_t line_total;
} cart_line_t;

/* The cart's figures after cart_evaluate. */
typedef struct cart_summary {
    const char *currency; /* the cart's currency; NULL when it has no lines */
    int64_t subtotal;     /* sum of the purchasable lines' totals, minor units */
    int64_t item_count;   /* units on purchasable lines */
    int line_count;       /* every line */
    int flagged_count;    /* lines that cannot be bought */
} cart_summary_t;

/* The flag of one line given the cart's currency. Pure. */
cart_flag_t cart_line_check(const cart_line_t *line, const char *cart_currency);

/* Flags every line, computes each line total and the summary. cart_currency is the
 * cart's stored currency (may be NULL). Pure. */
void cart_evaluate(cart_line_t *lines, int count, const char *cart_currency, cart_summary_t *out);

/* One line of an order: what left the cart. */
typedef struct cart_bought {
    char sku[CART_SKU_MAX + 1];
    int64_t quantity;
} cart_bought_t;

/* What an OrderCreated event's data says about the cart. */
typedef struct cart_order {
    char order_id[37];
    char customer_id[37];
    char cart_id[37];     /* "" when the event names no cart */
    cart_bought_t *lines; /* one per SKU (repeated SKUs summed); caller frees */
    int count;
} cart_order_t;

/* Parses OrderCreated data {orderId, customerId, lines:[{sku, quantity, ...}], cartId?}.
 * int64 quantities may be JSON numbers or decimal strings (proto3 JSON). 0 and *out,
 * ERR_INVALID when a required field is missing or malformed (nothing to free), or
 * ERR_INTERNAL on allocation failure. Pure. */
int cart_order_parse(const cJSON *data, cart_order_t *out);

/* Frees what cart_order_parse allocated. */
void cart_order_free(cart_order_t *order);

#endif
