/* consumers.h - the events notification reacts to, as a static topic -> handler table:
 *
 *     identity.events    UserRegistered         the contact read model
 *     order.events       OrderCreated           the order read model + order_created
 *     order.events       OrderCancelled         order_cancelled
 *     payment.events     PaymentSucceeded       payment_succeeded
 *     fulfillment.events ShipmentStatusChanged  order_shipped (to SHIPPED),
 *                                               order_delivered (to DELIVERED)
 *
 * A handler only records PENDING messages (one per channel) in the consumer's
 * transaction, which also records the event id in processed_events; the sender thread
 * delivers them. So a redelivered event is skipped by processed_events, and should
 * that record ever be lost, the messages' unique (cause event, channel, template) key
 * still makes the second insert a no-op.
 */
#ifndef NOTIFICATION_CONSUMERS_H
#define NOTIFICATION_CONSUMERS_H

#include <stdbool.h>

#include "common/events.h"

/* Whether messages are recorded for the SMS channel too (an SMS provider is configured).
 * Call before the consumer starts. */
void consumers_init(bool sms_enabled);

/* The table for service_def.consumes. */
const event_route_t *consumers_table(int *count);

#endif
