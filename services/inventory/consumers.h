/* consumers.h - the events inventory reacts to, as a static topic -> handler table:
 *
 *     payment.events  PaymentSucceeded {orderId}  commit the order's reservation
 *     payment.events  PaymentFailed    {orderId}  release it (payment_failed)
 *     order.events    OrderCancelled   {orderId}  release it (cancelled)
 *
 * Handlers run inside the common consumer's transaction (which records the event id in
 * processed_events), through the same movements the internal routes use.
 */
#ifndef INVENTORY_CONSUMERS_H
#define INVENTORY_CONSUMERS_H

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "common/events.h"

/* The table for service_def.consumes. */
const event_route_t *consumers_table(int *count);

/* The handler of every route of the table: maps (topic, type) to a commit or release of
 * data.orderId's reservation. An event without a valid orderId is ERR_INVALID (it goes
 * to the DLQ); an order without a reservation, or a commit after a release, changes
 * nothing and succeeds (logged), since retrying could not change the answer. */
int consumers_on_event(PGconn *conn, const cJSON *event, void *arg);

#endif
