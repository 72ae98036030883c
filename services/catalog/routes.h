/* routes.h - the catalog's HTTP routes (the table is in routes.c). */
#ifndef CATALOG_ROUTES_H
#define CATALOG_ROUTES_H

#include <stddef.h>

#include "common/http.h"
#include "storage.h"

typedef struct routes_config {
    storage_t *storage;     /* borrowed: serves GET /images/:name */
    size_t image_max_bytes; /* largest image upload (413 above) */
} routes_config_t;

/* Keeps the configuration for the handlers; call before serving. */
void routes_init(const routes_config_t *cfg);

/* The static route table. */
const http_route_t *routes_table(size_t *count);

#endif
