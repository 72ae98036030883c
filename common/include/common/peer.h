/* peer.h - calls to another service's /internal routes: its replica list from the
 * environment, round-robin over the replicas, the service credential, a timeout always,
 * and JSON in and out.
 *
 * A peer is configured by <NAME>_URLS (what scripts/stack.sh gives every daemon) or
 * <NAME>_URL: comma-separated base URLs ("http://127.0.0.1:8082,http://..."). A replica
 * that cannot be reached is skipped for the next one, so one replica down costs a
 * retry, not an error; every replica down is ERR_UNAVAILABLE, which callers answer
 * with 503 SERVICE_UNAVAILABLE (never 500).
 *
 * Threads: a peer_t is immutable after peer_from_env() except for an atomic round-robin
 * counter, so any thread may call through it. The HTTP exchange uses the calling
 * thread's curl handle (common/httpclient.h). (Added for the cart service, H-cart.)
 */
#ifndef COMMON_PEER_H
#define COMMON_PEER_H

#include <cjson/cJSON.h>
#include <stdbool.h>

typedef struct peer peer_t;

/* Reads <name>_URLS, else <name>_URL (name in capitals, e.g. "CATALOG"). Returns 0 and
 * *out (caller frees with peer_free), or ERR_INVALID when a URL is not http(s):// (logged).
 * When neither variable is set *out is a peer with no replica: every call through it is
 * ERR_UNAVAILABLE, so a service can start before its peers are deployed. */
int peer_from_env(const char *name, peer_t **out);

/* True when the peer has at least one replica configured. */
bool peer_configured(const peer_t *peer);

/* Sends method base+path with body (NULL: none; borrowed) as JSON, the header
 * X-Service-Token (auth_service_token()) and the request id of the calling thread
 * (X-Request-Id), waiting at most timeout_ms per replica tried. Returns 0 with *status
 * and *out (the parsed JSON reply, NULL when the body is empty or not JSON; caller
 * deletes) for any HTTP status below 500; ERR_UNAVAILABLE when no replica answered or
 * every one that answered said 5xx. */
int peer_call(peer_t *peer, const char *method, const char *path, const cJSON *body,
              long timeout_ms, long *status, cJSON **out);

/* Frees a peer (NULL is fine). */
void peer_free(peer_t *peer);

#endif
