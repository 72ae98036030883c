/* consumers.c - notification's event handlers (see consumers.h). Each runs inside the
 * common consumer's transaction. A handler returns ERR_INVALID for an event that breaks
 * its contract (it goes to the DLQ at once); database errors are retried. */
#include "consumers.h"

#include <string.h>

#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"
#include "notify.h"
#include "sender.h"
#include "store.h"
#include "templates.h"

static bool sms_enabled;

void consumers_init(bool enabled)
{
    sms_enabled = enabled;
}

static const char *str_member(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *data_of(const cJSON *event)
{
    return cJSON_GetObjectItemCaseSensitive(event, "data");
}

static int on_user_registered(PGconn *conn, const cJSON *event, void *arg)
{
    (void)arg;
    notify_contact_t c;
    if (notify_contact_from_event(data_of(event), &c) != 0) {
        log_warn("UserRegistered without a valid userId and email");
        return ERR_INVALID;
    }
    return store_contact_upsert(conn, &c);
}

/* Records one message of the cause for each channel it goes out on. */
static int record_messages(PGconn *conn, const cJSON *event, const notify_cause_t *cause)
{
    const char *tp = str_member(event, "traceparent");
    const char *channels[2] = {"email", NULL};
    if (sms_enabled && templates_has_sms(cause->template))
        channels[1] = "sms";
    for (int i = 0; i < 2 && channels[i] != NULL; i++) {
        char id[ID_UUID_LEN];
        bool inserted = false;
        id_uuid(id);
        message_new_t m = {
            .id = id,
            .user_id = cause->user_id[0] ? cause->user_id : NULL,
            .channel = channels[i],
            .template_name = cause->template,
            .order_id = cause->order_id,
            .cause_event_id = str_member(event, "id"),
            .cause_type = str_member(event, "type"),
            .correlation_id = str_member(event, "correlationid"),
            .traceparent = tp != NULL && id_is_traceparent(tp) ? tp : NULL,
            .vars = cause->vars,
        };
        int rc = store_message_insert(conn, &m, &inserted);
        if (rc != 0)
            return rc;
        if (inserted)
            log_info("%s for order %s: %s message %s queued", m.cause_type, cause->order_id,
                     m.channel, id);
        else
            log_info("%s %s: its %s message exists already", m.cause_type, m.cause_event_id,
                     m.channel);
    }
    return 0;
}

/* Every order, payment and shipment event the table routes here. */
static int on_order_event(PGconn *conn, const cJSON *event, void *arg)
{
    (void)arg;
    const char *type = str_member(event, "type");
    const cJSON *data = data_of(event);
    notify_cause_t cause;
    int rc = notify_cause_from_event(type, data, &cause);
    if (rc == 1)
        return 0;
    if (rc != 0) {
        log_warn("%s without a valid orderId or with a malformed field", type ? type : "?");
        return rc;
    }
    if (strcmp(type, "OrderCreated") == 0) {
        notify_order_t order;
        rc = notify_order_from_event(data, &order);
        if (rc != 0)
            log_warn("OrderCreated %s: malformed order data", cause.order_id);
        else
            rc = store_order_upsert(conn, &order);
        notify_order_free(&order);
    }
    if (rc == 0)
        rc = record_messages(conn, event, &cause);
    notify_cause_free(&cause);
    return rc;
}

/* Wakes the senders once a message row is committed, so a mail leaves within
 * milliseconds rather than at the next poll. */
static void wake_senders(void *arg)
{
    (void)arg;
    sender_wake();
}

static const event_route_t routes[] = {
    {"identity.events", "UserRegistered", on_user_registered, NULL, NULL},
    {"order.events", "OrderCreated", on_order_event, NULL, wake_senders},
    {"order.events", "OrderCancelled", on_order_event, NULL, wake_senders},
    {"payment.events", "PaymentSucceeded", on_order_event, NULL, wake_senders},
    {"fulfillment.events", "ShipmentStatusChanged", on_order_event, NULL, wake_senders},
};

const event_route_t *consumers_table(int *count)
{
    *count = (int)(sizeof routes / sizeof routes[0]);
    return routes;
}
