/* orders.h - what the payment service asks the order service: GET /internal/orders/:id
 * (service credential), read into the few fields a payment needs. */
#ifndef PAYMENT_ORDERS_H
#define PAYMENT_ORDERS_H

#include <cjson/cJSON.h>
#include <stdint.h>

typedef struct order_info {
    char order_id[37];
    char order_number[40];
    char customer_id[37];
    char order_status[32];   /* PENDING_PAYMENT, CONFIRMED, ..., CANCELLED */
    char payment_status[32]; /* PENDING, PAID, FAILED, REFUND_PENDING, REFUNDED */
    char currency[4];
    int64_t total; /* final_price, minor units */
} order_info_t;

/* Reads the order JSON of the order service's contract. 0 or ERR_INVALID. Pure. */
int order_info_parse(const cJSON *order, order_info_t *out);

/* Reads ORDER_URLS; timeout_ms per call. 0 or ERR_INVALID (logged). */
int orders_init(long timeout_ms);

/* Fetches an order: 0 with *out, ERR_NOT_FOUND, or ERR_UNAVAILABLE (the order service
 * is down or answered something unreadable). */
int orders_get(const char *order_id, order_info_t *out);

/* Frees what orders_init made. */
void orders_free(void);

#endif
