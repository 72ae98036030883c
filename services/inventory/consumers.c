/* consumers.c - payment and order events move reservations (see consumers.h). */
#include "consumers.h"

#include <string.h>

#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"
#include "movements.h"
#include "reservation.h"

/* The arg of each route is its topic, since the handler is handed only the event. */
static const event_route_t routes[] = {
    {"payment.events", "PaymentSucceeded", consumers_on_event, "payment.events", NULL},
    {"payment.events", "PaymentFailed", consumers_on_event, "payment.events", NULL},
    {"order.events", "OrderCancelled", consumers_on_event, "order.events", NULL},
};

const event_route_t *consumers_table(int *count)
{
    *count = (int)(sizeof routes / sizeof routes[0]);
    return routes;
}

static const char *str_member(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int consumers_on_event(PGconn *conn, const cJSON *event, void *arg)
{
    const char *topic = arg;
    const char *type = str_member(event, "type");
    res_reason_t reason = RES_REASON_NONE;
    res_event_action_t action = reservation_action_for_event(topic, type, &reason);
    if (action == RES_EVENT_IGNORE)
        return 0;
    const char *order_id = reservation_event_order_id(event);
    if (order_id == NULL) {
        log_warn("%s %s without a valid data.orderId", topic, type);
        return ERR_INVALID;
    }
    /* The events this one causes carry its id and correlation. */
    const char *tp = str_member(event, "traceparent");
    event_ctx_t ctx = {
        .correlation_id = str_member(event, "correlationid"),
        .causation_id = str_member(event, "id"),
        .traceparent = tp != NULL && id_is_traceparent(tp) ? tp : NULL,
    };
    finish_outcome_t out = {0};
    int rc = action == RES_EVENT_COMMIT ? movement_commit_tx(conn, order_id, &ctx, &out)
                                        : movement_release_tx(conn, order_id, reason, &ctx, &out);
    if (rc == ERR_NOT_FOUND) {
        log_info("%s for order %s: no reservation, nothing to do", type, order_id);
        rc = 0;
    } else if (rc == ERR_CONFLICT) {
        /* Paid after the reservation was released (expired): the order service decides
         * between re-reserving and refunding; the stock here is already free. */
        log_warn("%s for order %s: its reservation is %s (%s); nothing changed", type, order_id,
                 reservation_status_name(out.res.status),
                 reservation_reason_name(out.res.reason) ? reservation_reason_name(out.res.reason)
                                                         : "-");
        rc = 0;
    }
    reservation_row_free(&out.res);
    return rc;
}
