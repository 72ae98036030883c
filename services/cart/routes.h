/* routes.h - the cart's HTTP surface: the static route table and its handlers. */
#ifndef CART_ROUTES_H
#define CART_ROUTES_H

#include <stddef.h>

#include "common/http.h"

/* The limits the handlers enforce: units per line and lines per cart. */
void routes_init(long max_quantity, long max_lines);

/* The route table for the HTTP server. */
const http_route_t *routes_table(size_t *count);

#endif
