/* cors.h - Cross-Origin Resource Sharing for browser clients.
 *
 * CORS_ORIGINS is "*" (any origin) or a comma-separated list of origins
 * ("https://shop.example.com,http://localhost:3000"); unset or empty turns CORS
 * off (no CORS headers at all). The gateway answers preflight requests itself.
 * A cors_t is immutable after cors_new, so it may be shared by all threads.
 */
#ifndef GATEWAY_CORS_H
#define GATEWAY_CORS_H

#include <stdbool.h>
#include <stddef.h>

/* How long a browser may cache a preflight answer, in seconds. */
#define CORS_MAX_AGE 600

typedef struct cors cors_t;

/* Parses the origin list (NULL or "" disables CORS). NULL when out of memory.
 * Caller frees with cors_free. */
cors_t *cors_new(const char *origins);

/* Frees it (NULL is fine). */
void cors_free(cors_t *cors);

/* True when CORS is configured at all. */
bool cors_enabled(const cors_t *cors);

/* True when a request from origin may read responses. */
bool cors_origin_allowed(const cors_t *cors, const char *origin);

/* Writes the headers for an ordinary response to a request carrying origin (may be
 * NULL) into buf as "Name: value\r\n" lines: Access-Control-Allow-Origin and
 * Access-Control-Expose-Headers when allowed, and Vary: Origin whenever CORS is on.
 * buf is "" when there is nothing to add. Returns 0, or -1 when buf is too small. */
int cors_headers(const cors_t *cors, const char *origin, char *buf, size_t len);

/* Writes the headers of a preflight answer for a path routed with methods ("GET, POST"):
 * the above plus Access-Control-Allow-Methods, -Allow-Headers and -Max-Age, when the
 * origin is allowed. Returns 0, or -1 when buf is too small. */
int cors_preflight_headers(const cors_t *cors, const char *origin, const char *methods, char *buf,
                           size_t len);

#endif
