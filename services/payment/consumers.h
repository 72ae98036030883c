/* consumers.h - the events the payment service reads: order.events OrderCancelled. */
#ifndef PAYMENT_CONSUMERS_H
#define PAYMENT_CONSUMERS_H

#include "common/events.h"

/* The topic -> handler table for service_run. */
const event_route_t *consumers_table(int *count);

#endif
