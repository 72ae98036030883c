/* routes.h - inventory's HTTP surface: the static route table and its handlers. */
#ifndef INVENTORY_ROUTES_H
#define INVENTORY_ROUTES_H

#include <stddef.h>

#include "common/http.h"

/* Remembers what handlers share: the reservation lifetime used when a reserve call gives
 * no ttl_seconds. Call before the server starts. */
void routes_init(long default_ttl_seconds);

/* The route table for the HTTP server. */
const http_route_t *routes_table(size_t *count);

#endif
