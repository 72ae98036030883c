/* route_table.h - the gateway's static table of every public route.
 *
 * Each entry names the upstream service that answers it and the roles it
 * needs. The table is the single place a public route is added; the proxy,
 * the CORS preflight and the OpenAPI document are all derived from it.
 * Everything here is pure and thread-safe (read-only data).
 */
#ifndef GATEWAY_ROUTE_TABLE_H
#define GATEWAY_ROUTE_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/http.h"

/* Longest request path the gateway routes; longer paths are not found. */
#define GW_MAX_PATH 2048

enum gw_service {
    GW_IDENTITY,
    GW_CATALOG,
    GW_INVENTORY,
    GW_CART,
    GW_ORDER,
    GW_PAYMENT,
    GW_FULFILLMENT,
    GW_NOTIFICATION,
    GW_SERVICE_COUNT
};

/* Role requirements, as written in the table. */
#define GW_ROLE_PUBLIC "public" /* no token needed */
#define GW_ROLE_ANY    "any"    /* any authenticated user */

typedef struct gw_route {
    const char *method;      /* "GET", "POST", ... */
    const char *pattern;     /* "/products/:id"; ":name" segments are parameters */
    enum gw_service service; /* the upstream that answers it */
    const char *roles;       /* GW_ROLE_PUBLIC, GW_ROLE_ANY or "seller,admin" */
    const char *summary;     /* one line, for OpenAPI */
    bool upload;             /* takes file uploads: MAX_UPLOAD_BYTES instead of MAX_BODY_BYTES */
} gw_route_t;

/* The table (gw_route_count entries). */
extern const gw_route_t gw_routes[];
extern const size_t gw_route_count;

/* "identity", "catalog", ... (the service's name, lower case). */
const char *gw_service_name(enum gw_service service);

enum gw_lookup {
    GW_FOUND = 0,
    GW_NOT_FOUND,          /* no route has this path (or it is /internal/...) */
    GW_METHOD_NOT_ALLOWED, /* a route has this path, but not with this method */
};

/* The result of a lookup; params point into scratch and live as long as the match. */
typedef struct gw_match {
    const gw_route_t *route;
    const char *names[HTTP_MAX_PARAMS];
    const char *values[HTTP_MAX_PARAMS];
    int count;
    char scratch[GW_MAX_PATH + 1];
} gw_match_t;

/* Finds the route for method and path (no query string). /internal/... paths, paths
 * with "." or ".." segments and paths longer than GW_MAX_PATH are never found.
 * Returns GW_FOUND with *m filled, or why not. */
enum gw_lookup gw_route_lookup(const char *method, const char *path, gw_match_t *m);

/* The value of a path parameter of a match, or NULL. */
const char *gw_match_param(const gw_match_t *m, const char *name);

/* Writes the methods routed for path as "GET, POST" into buf (empty when none).
 * Returns the number of methods. */
int gw_route_methods(const char *path, char *buf, size_t len);

/* True when the route needs no token. */
bool gw_route_is_public(const gw_route_t *route);

/* True when any authenticated user may call it (no particular role). */
bool gw_route_any_role(const gw_route_t *route);

#endif
