/* render.h - JSON of orders, for the API and for the events, from an order_record_t.
 * Pure: no I/O. Money goes out as JSON numbers of minor units (MONEY_MAX_MINOR is far
 * inside the 2^53 a double holds exactly), which proto3 JSON accepts for int64.
 * Every function returns a new object (caller deletes) or NULL on allocation failure. */
#ifndef ORDER_RENDER_H
#define ORDER_RENDER_H

#include <cjson/cJSON.h>

#include "order.h"

/* The order as GET /orders/:id shows it: {order_id, order_number, customer_id,
 * order_status, payment_status, payment_method, currency, subtotal, shipping_fee,
 * discount, tax, final_price, items, address, reservation_expires_at, created_at,
 * updated_at, history}. */
cJSON *render_order(const order_record_t *o);

/* One entry of a list: the order without items, address and history, plus item_count. */
cJSON *render_order_summary(const order_record_t *o);

/* OrderCreated data (store.order.v1.OrderCreated). */
cJSON *render_event_created(const order_record_t *o);

/* OrderConfirmed data: paid and its stock committed, at confirmed_at. */
cJSON *render_event_confirmed(const order_record_t *o, const char *confirmed_at);

/* OrderCancelled data: reason (customer, admin, payment_failed, reservation_expired),
 * the status it left and when. o->payment_status is the status after cancelling. */
cJSON *render_event_cancelled(const order_record_t *o, const char *reason, order_status_t previous,
                              const char *cancelled_at);

/* OrderStatusChanged data; from ORDER_STATUS_INVALID (creation) leaves "from" out. */
cJSON *render_event_status_changed(const order_record_t *o, order_status_t from, order_status_t to,
                                   const char *actor, const char *changed_at);

#endif
