/* notify.h - the notification rules, without I/O: which event causes which message, the
 * read models' inputs (an order, a contact) parsed from events and from the peers'
 * /internal answers, the variables a template sees, the retry schedule, and the message
 * states.
 *
 * Message states (store.c keeps them; sender.c moves them):
 *
 *     PENDING --claim--> SENDING --accepted--> SENT            (NotificationSent)
 *        ^                  |  \--rejected for good, or last attempt--> FAILED
 *        |                  |                                   (NotificationFailed)
 *        +---- retry -------+  (attempts < max: next_attempt_at = now + backoff)
 *     SENDING whose lease expired (the sender died) is claimed again like PENDING.
 *     PENDING --the user opted out of the channel--> SKIPPED
 */
#ifndef NOTIFICATION_NOTIFY_H
#define NOTIFICATION_NOTIFY_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "template.h"

#define NOTIFY_ORDER_NUMBER_MAX 64
#define NOTIFY_NAME_MAX         256
#define NOTIFY_EMAIL_MAX        254
#define NOTIFY_PHONE_MAX        24

/* The templates, by the names of their files under templates/. */
#define TPL_ORDER_CREATED     "order_created"
#define TPL_PAYMENT_SUCCEEDED "payment_succeeded"
#define TPL_ORDER_SHIPPED     "order_shipped"
#define TPL_ORDER_DELIVERED   "order_delivered"
#define TPL_ORDER_CANCELLED   "order_cancelled"

/* What an event asks to be told to a customer. */
typedef struct notify_cause {
    const char *template; /* one of TPL_*: static */
    char order_id[37];
    char user_id[37]; /* "" when the event does not name the customer */
    cJSON *vars;      /* owned: the event's own template variables, strings only */
} notify_cause_t;

/* Maps an event (its CloudEvents type and data) to the message it causes:
 *
 *     OrderCreated                       order_created
 *     PaymentSucceeded                   payment_succeeded  (amount, currency, provider)
 *     ShipmentStatusChanged to SHIPPED   order_shipped      (tracking_number, courier_name)
 *     ShipmentStatusChanged to DELIVERED order_delivered    (tracking_number, courier_name)
 *     OrderCancelled                     order_cancelled    (reason)
 *
 * 0 with *out (free with notify_cause_free), 1 when the event causes nothing (another
 * type, another shipment status), ERR_INVALID when data lacks a UUID orderId or a field
 * it has is malformed. Pure. */
int notify_cause_from_event(const char *type, const cJSON *data, notify_cause_t *out);

/* Frees the cause's variables. */
void notify_cause_free(notify_cause_t *c);

/* The order read model: what the templates show of an order. */
typedef struct notify_order {
    char order_id[37];
    char customer_id[37];
    char order_number[NOTIFY_ORDER_NUMBER_MAX + 1];
    char currency[4];
    int64_t subtotal, shipping_fee, discount, tax, total;
    char phone[NOTIFY_PHONE_MAX + 1]; /* the delivery address's phone, normalized; "" if none */
    cJSON *lines;                     /* owned: [{title, sku, quantity, unit_price, line_total}] */
} notify_order_t;

/* An order from OrderCreated's data (proto3 JSON: orderId, orderNumber, customerId,
 * currency, subtotal, shippingFee, discount, tax, total, lines[{sku, title, unitPrice,
 * quantity, lineTotal}], address.phone). 0 or ERR_INVALID. Pure. */
int notify_order_from_event(const cJSON *data, notify_order_t *out);

/* An order from the order service's GET /internal/orders/:id (order_id, order_number,
 * customer_id, currency, subtotal, shipping_fee, discount, tax, final_price, items[...],
 * address.phone). 0 or ERR_INVALID. Pure. */
int notify_order_from_api(const cJSON *order, notify_order_t *out);

/* Frees the order's lines. */
void notify_order_free(notify_order_t *o);

/* The contact read model: where and how to address a user. */
typedef struct notify_contact {
    char user_id[37];
    char email[NOTIFY_EMAIL_MAX + 1];
    char name[NOTIFY_NAME_MAX + 1];
    char role[16];
} notify_contact_t;

/* A contact from UserRegistered's data (userId, email, name, role). 0 or ERR_INVALID. */
int notify_contact_from_event(const cJSON *data, notify_contact_t *out);

/* A contact from identity's GET /internal/users/:id (id, email, name, role). */
int notify_contact_from_api(const cJSON *user, notify_contact_t *out);

/* Fills ctx with what every template may use: name, email, order_number, order_id,
 * currency, subtotal, shipping_fee, discount, tax, total (formatted money), the lines
 * (title, sku, quantity, unit_price, line_total), then the cause's variables (amount
 * formatted with its currency; reason also as reason_text). contact may be NULL (an SMS).
 * 0 or ERR_INTERNAL. Pure. */
int notify_build_ctx(const notify_order_t *o, const notify_contact_t *contact, const cJSON *vars,
                     tpl_ctx_t *ctx);

/* Normalizes a phone number for SMS: an optional leading '+' and 7-15 digits, with
 * spaces, dashes, dots and parentheses dropped. 0 and out, or ERR_INVALID. Pure. */
int notify_phone_normalize(const char *in, char *out, size_t n);

/* The wait before attempt number attempts+1 after attempts failed ones (attempts >= 1):
 * base_ms * 2^(attempts-1), at most cap_ms. Pure. */
long notify_backoff_ms(int attempts, long base_ms, long cap_ms);

/* True for a channel name this service knows ("email", "sms"). */
bool notify_channel_valid(const char *channel);

#endif
