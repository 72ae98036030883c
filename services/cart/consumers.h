/* consumers.h - the events the cart consumes: its static topic -> handler table. */
#ifndef CART_CONSUMERS_H
#define CART_CONSUMERS_H

#include "common/events.h"

/* The table for the common consumer (common/events.h): catalog.events and
 * inventory.events feed the read model, order.events' OrderCreated empties bought lines. */
const event_route_t *consumers_table(int *count);

#endif
