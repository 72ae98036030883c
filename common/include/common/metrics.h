/* metrics.h - Prometheus text metrics: requests by route and status, latency
 * histogram by route. Thread-safe (a mutex around a small table). */
#ifndef COMMON_METRICS_H
#define COMMON_METRICS_H

#include <stddef.h>

/* Counts one request of route (pattern or "unmatched") with status and latency. */
void metrics_observe(const char *method, const char *route, int status, double seconds);

/* Appends a counter or gauge line "name{labels} value\n" to a growable buffer. */
void metrics_append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Renders all request metrics in the text exposition format; caller frees. */
char *metrics_render(const char *service, size_t *len);

/* Clears all metrics (tests). */
void metrics_reset(void);

#endif
