/* consumers.h - the events fulfillment reacts to, as a static topic -> handler table:
 *
 *     order.events  OrderConfirmed {orderId, orderNumber, customerId, lines, address}
 *                   one shipment per seller (ShipmentCreated), auto-assigned when enabled
 *     order.events  OrderCancelled {orderId}
 *                   its shipments not yet SHIPPED become CANCELLED
 *
 * Handlers run inside the common consumer's transaction (which records the event id in
 * processed_events), through operations.c.
 */
#ifndef FULFILLMENT_CONSUMERS_H
#define FULFILLMENT_CONSUMERS_H

#include "common/events.h"

/* The table for service_def.consumes. */
const event_route_t *consumers_table(int *count);

#endif
