/* openapi.h - the OpenAPI 3.0.3 description of the public API, generated from the
 * route table. main renders it once at start; the handler serves the cached text. */
#ifndef GATEWAY_OPENAPI_H
#define GATEWAY_OPENAPI_H

#include <stddef.h>

#include "route_table.h"

/* Renders the document for routes as compact JSON. Caller frees; NULL when out of memory. */
char *openapi_render(const gw_route_t *routes, size_t count);

/* Writes pattern in OpenAPI form ("/products/:id" -> "/products/{id}") into buf.
 * 0, or -1 when buf is too small. */
int openapi_path(const char *pattern, char *buf, size_t len);

#endif
