/* service.h - the life of a daemon, shared by every service: configuration, the
 * schema's migrations, token verification, the outbox relay, the event consumer,
 * the HTTP server, and an orderly stop on SIGTERM or SIGINT.
 *
 * A service's main.c fills a service_def_t and calls service_run(). Environment:
 * HTTP_LISTEN, HTTP_THREADS (16), DATABASE_URL (required), KAFKA_BROKERS,
 * DB_WAIT_SECONDS (30: how long to wait for a database that is still starting),
 * MIGRATIONS_DIR (overrides the compiled-in directory), and what auth_init() reads.
 */
#ifndef COMMON_SERVICE_H
#define COMMON_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/events.h"
#include "common/http.h"

typedef struct service_def {
    const char *name;           /* "catalog": logs, metrics, events' source, consumer group */
    const char *schema;         /* the service's PostgreSQL schema */
    const char *migrations_dir; /* compiled-in default for MIGRATIONS_DIR */
    const char *default_listen; /* HTTP_LISTEN when unset, e.g. "127.0.0.1:8082" */
    size_t max_body;            /* largest request body; 0 = HTTP_DEFAULT_MAX_BODY */
    const http_route_t *routes;
    size_t route_count;
    const event_route_t *consumes; /* topic -> handler table; NULL when it consumes nothing */
    int consume_count;
    /* Runs before the database is opened (e.g. loading keys); 0 or an error. May be NULL. */
    int (*configure)(void);
    /* Runs after migrations, relay and consumer start, before serving; 0 or an error.
     * Background threads of the service's own (sweeps) start here. May be NULL. */
    int (*start)(void);
    /* Runs after the HTTP server stopped, before the consumer and relay stop. May be NULL. */
    void (*stop)(void);
    /* Appends the service's own Prometheus lines to GET /metrics (with metrics_append),
     * on the request's thread, whose db_conn() lease goes back after the reply. May be NULL. */
    void (*metrics)(char **buf, size_t *len, size_t *cap);
} service_def_t;

/* Runs the daemon until SIGTERM or SIGINT; returns the process exit status (0 after a
 * clean stop, 1 when it could not start, 2 on bad configuration). */
int service_run(const service_def_t *def);

/* What the events a request causes carry: its request id as the correlation id and the
 * caller's traceparent when it is well formed (a new one is made otherwise). */
event_ctx_t service_event_ctx(const http_req_t *req);

/* This worker's pooled database connection; NULL after replying 503 when the database
 * cannot be reached. */
PGconn *service_db(http_req_t *req);

/* A numeric setting from the environment that must lie in [min, max]; logs and exits(2)
 * on anything else, since a silently clamped setting is worse than none. */
long service_setting(const char *name, long fallback, long min, long max);

#endif
