/* routes.h - notification's HTTP surface: the static route table and its handlers. */
#ifndef NOTIFICATION_ROUTES_H
#define NOTIFICATION_ROUTES_H

#include <stddef.h>

#include "common/http.h"

/* The route table for the HTTP server. */
const http_route_t *routes_table(size_t *count);

#endif
