/* order_events.h - reading the order events fulfillment consumes, as plain functions (no
 * I/O): OrderConfirmed split into one group of lines per seller, and OrderCancelled's
 * order id. Pointers borrow from the event, which must outlive the result.
 */
#ifndef FULFILLMENT_ORDER_EVENTS_H
#define FULFILLMENT_ORDER_EVENTS_H

#include <cjson/cJSON.h>
#include <stdint.h>

#define ORDER_LINES_MAX 1000

typedef struct ship_line {
    const char *product_id;
    const char *seller_id;
    const char *sku;
    const char *title;
    int64_t quantity;
} ship_line_t;

/* The delivery address as the order carries it; absent parts are "". */
typedef struct order_address {
    const char *name, *phone, *line1, *line2, *city, *district, *postal_code, *country;
} order_address_t;

/* The lines of one seller: lines[start .. start+count) of the order. */
typedef struct seller_group {
    const char *seller_id;
    int start;
    int count;
} seller_group_t;

typedef struct order_confirmed {
    const char *order_id;
    const char *order_number;
    const char *customer_id;
    order_address_t address;
    ship_line_t *lines; /* sorted by seller id, then as the order listed them */
    int line_count;
    seller_group_t *groups; /* one per seller, in seller id order */
    int group_count;
} order_confirmed_t;

/* Reads OrderConfirmed's data. 0, or ERR_INVALID when a required field (orderId,
 * orderNumber, customerId, address.country, lines with productId, sellerId, sku,
 * quantity >= 1) is missing or malformed. Free with order_confirmed_free. */
int order_confirmed_parse(const cJSON *data, order_confirmed_t *out);

/* Frees what order_confirmed_parse allocated (not the borrowed strings). */
void order_confirmed_free(order_confirmed_t *o);

/* The lines of group g as stored on the shipment: [{product_id, sku, title, quantity}].
 * Caller frees; NULL when out of memory. */
cJSON *order_group_lines_json(const order_confirmed_t *o, int g);

/* The address as stored on the shipment: {name, phone, line1, line2, city, district,
 * postal_code, country}. Caller frees; NULL when out of memory. */
cJSON *order_address_json(const order_address_t *a);

/* OrderCancelled's data.orderId when it is a UUID, else NULL. */
const char *order_cancelled_order_id(const cJSON *data);

#endif
