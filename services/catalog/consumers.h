/* consumers.h - the events the catalog reads: inventory's OutOfStock and BackInStock,
 * which keep products.in_stock (see stock.h). */
#ifndef CATALOG_CONSUMERS_H
#define CATALOG_CONSUMERS_H

#include "common/events.h"

/* The static topic -> handler table, for service_def.consumes. */
const event_route_t *consumers_table(int *count);

#endif
