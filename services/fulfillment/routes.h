/* routes.h - fulfillment's HTTP routes (a static table) and their settings. */
#ifndef FULFILLMENT_ROUTES_H
#define FULFILLMENT_ROUTES_H

#include <stddef.h>

#include "common/http.h"

/* Sets the courier callback's secret (NULL: callbacks are refused) and its timestamp
 * tolerance in seconds. Takes ownership of secret. Call before the server starts. */
void routes_init(char *callback_secret, long tolerance_seconds);

/* Frees what routes_init took. */
void routes_free(void);

/* The route table for service_def.routes. */
const http_route_t *routes_table(size_t *count);

#endif
