/* stock.h - what the catalog keeps of inventory's events: per SKU, whether anything is
 * available, so that products.in_stock (the in_stock filter of GET /products) says
 * whether any SKU of the product can be bought. Pure. */
#ifndef CATALOG_STOCK_H
#define CATALOG_STOCK_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#define STOCK_SKU_MAX 64

typedef struct stock_update {
    char sku[STOCK_SKU_MAX + 1];
    char product_id[37];
    int64_t available;
    int64_t sequence; /* the SKU's version from the envelope; 0 when it carries none */
} stock_update_t;

/* Reads an OutOfStock or BackInStock envelope of inventory.events: data.sku (a
 * non-empty string of at most 64 bytes, equal to the subject), data.productId (a
 * UUID) and data.available (a whole number >= 0), and the envelope's sequence.
 * 0, or ERR_INVALID for an event that can never be applied (it goes to the DLQ). */
int stock_update_parse(const cJSON *event, stock_update_t *out);

#endif
