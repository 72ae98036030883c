/* upstreams.h - the base URLs of each service's replicas, from <SERVICE>_URLS.
 *
 * IDENTITY_URLS="http://127.0.0.1:8081,http://127.0.0.1:8082" makes two replicas;
 * an unset variable means the service does not run (yet), and its routes answer 503.
 * Replicas are chosen round-robin with an atomic counter. Loaded once by main before
 * the server starts; read-only (apart from the counters) afterwards.
 */
#ifndef GATEWAY_UPSTREAMS_H
#define GATEWAY_UPSTREAMS_H

#include <stddef.h>

#include "route_table.h"

/* Reads every <SERVICE>_URLS variable. 0, or ERR_INVALID (logged) when a URL is not
 * http:// or https://. */
int upstreams_init(void);

/* Parses a comma-separated list into the service's replicas (also used by tests).
 * Replaces what the service had. 0 or ERR_INVALID. Not thread-safe. */
int upstreams_set(enum gw_service service, const char *urls);

/* Frees every list. */
void upstreams_free(void);

/* The number of replicas of the service (0: not available). */
size_t upstreams_count(enum gw_service service);

/* The replica to use for a new request: advances the service's round-robin counter and
 * returns its index (only meaningful when upstreams_count > 0). */
size_t upstreams_next(enum gw_service service);

/* The base URL of replica i (modulo the count), without a trailing slash; NULL when the
 * service has none. Valid until upstreams_free. */
const char *upstreams_url(enum gw_service service, size_t i);

#endif
