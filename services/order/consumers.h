/* consumers.h - the events the order service reacts to, as a static topic -> handler
 * table (see consumers.c for what each one does to an order). */
#ifndef ORDER_CONSUMERS_H
#define ORDER_CONSUMERS_H

#include "common/events.h"

/* The table for service_def.consumes. */
const event_route_t *consumers_table(int *count);

#endif
