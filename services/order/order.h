/* order.h - the order's rules without I/O: its two statuses, the one function that
 * decides which status changes are legal, who may cancel, the payment methods, and how
 * an order's status follows its shipments.
 *
 * order_status (see order.c for the transition table):
 *
 *     PENDING_PAYMENT -> CONFIRMED -> PACKING -> SHIPPED -> OUT_FOR_DELIVERY -> DELIVERED
 *     PENDING_PAYMENT -> CANCELLED,  CONFIRMED -> CANCELLED
 *
 * payment_status is not a state machine of its own here: it records what the payment
 * service said (PENDING, PAID, FAILED, REFUND_PENDING, REFUNDED), and the consumers
 * (consumers.c) decide how an order moves on it.
 */
#ifndef ORDER_ORDER_H
#define ORDER_ORDER_H

#include <stdbool.h>
#include <stdint.h>

typedef enum order_status {
    ORDER_STATUS_INVALID = -1,
    ORDER_PENDING_PAYMENT = 0,
    ORDER_CONFIRMED,
    ORDER_PACKING,
    ORDER_SHIPPED,
    ORDER_OUT_FOR_DELIVERY,
    ORDER_DELIVERED,
    ORDER_CANCELLED,
    ORDER_STATUS_COUNT,
} order_status_t;

typedef enum payment_status {
    PAYMENT_STATUS_INVALID = -1,
    PAYMENT_PENDING = 0,
    PAYMENT_PAID,
    PAYMENT_FAILED,
    PAYMENT_REFUND_PENDING,
    PAYMENT_REFUNDED,
    PAYMENT_STATUS_COUNT,
} payment_status_t;

/* The name of a status ("PENDING_PAYMENT", ...); NULL for anything out of range. Pure. */
const char *order_status_name(order_status_t s);

/* The status named by s; ORDER_STATUS_INVALID for NULL or an unknown name. Pure. */
order_status_t order_status_parse(const char *s);

/* The name of a payment status; NULL out of range. Pure. */
const char *payment_status_name(payment_status_t s);

/* The payment status named by s; PAYMENT_STATUS_INVALID when unknown. Pure. */
payment_status_t payment_status_parse(const char *s);

/* Whether an order may move from `from` to `to`: 0, or ERR_CONFLICT for every pair the
 * table does not list (including staying where it is and anything out of range). The
 * only place that decides a transition. Pure. */
int order_transition(order_status_t from, order_status_t to);

/* True when no transition leaves s (DELIVERED, CANCELLED). Pure. */
bool order_status_final(order_status_t s);

/* Whether the caller may cancel an order in status s: a customer (its owner) only
 * before payment, an admin also once confirmed. 0, or ERR_CONFLICT. Pure. */
int order_cancel_allowed(order_status_t s, bool admin);

/* True when method is one of the payment methods the store offers (fake, stripe,
 * khalti, esewa). Pure. */
bool order_payment_method_valid(const char *method);

/* The order status a shipment status stands for: CONFIRMED, PACKING, SHIPPED,
 * OUT_FOR_DELIVERY, DELIVERED map to themselves; anything else (a cancelled shipment,
 * an unknown name) is ORDER_STATUS_INVALID and does not count. Pure. */
order_status_t order_status_of_shipment(const char *shipment_status);

/* The status an order's shipments put it in: the least advanced of them (an order is
 * only SHIPPED once every seller's parcel is). statuses[] are shipment status names;
 * ones that do not count are skipped. ORDER_STATUS_INVALID when none counts. Pure. */
order_status_t order_status_from_shipments(const char *const *statuses, int count);

/* The next status on the way from `from` forward to `target` along the fulfillment
 * chain (CONFIRMED -> ... -> DELIVERED), so an order that missed an event still passes
 * through every status; ORDER_STATUS_INVALID when target is not ahead of from. Pure. */
order_status_t order_next_toward(order_status_t from, order_status_t target);

/* ---- the aggregate as the store reads it and the renderers show it ------------------ */

#define ORDER_SKU_MAX         64
#define ORDER_TITLE_MAX       200 /* the catalog's limit, bytes */
#define ORDER_ADDR_FIELD_MAX  100 /* identity's limits, bytes */
#define ORDER_ADDR_LINE_MAX   200
#define ORDER_ADDR_POSTAL_MAX 20
#define ORDER_ADDR_PHONE_MAX  32
#define ORDER_TIME_LEN        32 /* "2026-01-02T03:04:05.678Z" and a NUL, with room */

/* The address the order ships to, copied from identity at checkout. */
typedef struct order_address {
    char name[ORDER_ADDR_FIELD_MAX + 1];
    char phone[ORDER_ADDR_PHONE_MAX + 1];
    char line1[ORDER_ADDR_LINE_MAX + 1];
    char line2[ORDER_ADDR_LINE_MAX + 1]; /* "" when the address has none */
    char city[ORDER_ADDR_FIELD_MAX + 1];
    char district[ORDER_ADDR_FIELD_MAX + 1];
    char postal_code[ORDER_ADDR_POSTAL_MAX + 1];
    char country[3];
} order_address_t;

/* One line as bought: the catalog's title and price at checkout, never updated. */
typedef struct order_line {
    char product_id[37];
    char seller_id[37];
    char sku[ORDER_SKU_MAX + 1];
    char title[ORDER_TITLE_MAX + 1];
    int64_t unit_price;
    int64_t quantity;
    int64_t line_total;
} order_line_t;

/* final_price = subtotal + shipping_fee - discount + tax, all in currency's minor units. */
typedef struct order_totals {
    char currency[4];
    int64_t subtotal;
    int64_t shipping_fee;
    int64_t discount;
    int64_t tax;
    int64_t final_price;
} order_totals_t;

/* One change of order_status. from is "" for the order's creation. */
typedef struct order_history {
    char from[20];
    char to[20];
    char actor[96];
    char at[ORDER_TIME_LEN];
} order_history_t;

/* A whole order. lines and history are owned (order_record_free). */
typedef struct order_record {
    char id[37];
    char number[24];
    char customer_id[37];
    char cart_id[37]; /* "" when not from a cart */
    order_status_t status;
    payment_status_t payment_status;
    char payment_method[16];
    char payment_id[64]; /* "" until a payment succeeded */
    bool stock_committed;
    order_totals_t totals;
    order_address_t address;
    char reservation_expires_at[ORDER_TIME_LEN];
    char created_at[ORDER_TIME_LEN];
    char updated_at[ORDER_TIME_LEN];
    int64_t version;    /* the sequence of the last event published about the order */
    int64_t item_count; /* units over all lines (lists read it without the lines) */
    order_line_t *lines;
    int line_count;
    order_history_t *history;
    int history_count;
} order_record_t;

/* Frees the lines and history of o (not o itself); NULL is fine. */
void order_record_free(order_record_t *o);

/* ---- lists ------------------------------------------------------------------------- */

/* Parses a list cursor "<microseconds>_<uuid>" (what store_orders_list makes): 0 with
 * *us and id[37], or ERR_INVALID. Pure. */
int order_cursor_parse(const char *s, int64_t *us, char id[37]);

/* True when s looks like a date filter: "YYYY-MM-DD" or an RFC 3339 time
 * "YYYY-MM-DDTHH:MM:SS[.fff...](Z|+HH:MM|-HH:MM)". (The database then refuses
 * impossible dates such as month 13.) Pure. */
bool order_time_filter_valid(const char *s);

#endif
