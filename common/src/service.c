/* service.c - the life of a daemon: start everything in dependency order, wait for
 * SIGTERM or SIGINT, stop in the reverse order.
 *
 * Order matters on the way down: the HTTP server stops first (in-flight requests
 * finish and their outbox rows commit), then the service's own threads, then the
 * consumer (the event in hand finishes and its offset is stored), and the relay last,
 * so that it can still publish what the others wrote.
 */
#include "common/service.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/auth.h"
#include "common/config.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/httpclient.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/metrics.h"

/* Set once on the main thread before the HTTP server starts; read by workers. */
static const service_def_t *g_def;
static relay_t *g_relay;
static consumer_t *g_consumer;

event_ctx_t service_event_ctx(const http_req_t *req)
{
    const char *tp = http_header(req, "traceparent");
    event_ctx_t ctx = {.correlation_id = http_request_id(req),
                       .causation_id = NULL,
                       .traceparent = id_is_traceparent(tp) ? tp : NULL};
    return ctx;
}

PGconn *service_db(http_req_t *req)
{
    PGconn *conn = db_conn();
    if (conn == NULL)
        http_reply_err(req, ERR_UNAVAILABLE, "the database is unavailable");
    return conn;
}

long service_setting(const char *name, long fallback, long min, long max)
{
    long v = config_long(name, fallback);
    if (v < min || v > max) {
        log_error("%s must be between %ld and %ld", name, min, max);
        exit(2);
    }
    return v;
}

static bool ready(void)
{
    return g_relay != NULL && db_ping();
}

typedef struct metrics_out {
    char **buf;
    size_t *len, *cap;
} metrics_out_t;

static void lag_line(const char *topic, int partition, long lag, void *arg)
{
    metrics_out_t *m = arg;
    metrics_append(m->buf, m->len, m->cap,
                   "store_consumer_lag{service=\"%s\",topic=\"%s\",partition=\"%d\"} %ld\n",
                   g_def->name, topic, partition, lag);
}

static void metrics_extra(char **buf, size_t *len, size_t *cap)
{
    const char *svc = g_def->name;
    if (g_def->metrics != NULL)
        g_def->metrics(buf, len, cap);
    metrics_append(buf, len, cap, "# TYPE store_outbox_backlog gauge\n");
    metrics_append(buf, len, cap, "store_outbox_backlog{service=\"%s\"} %ld\n", svc,
                   g_relay != NULL ? relay_backlog(g_relay) : 0L);
    if (g_consumer == NULL)
        return;
    long handled = 0, duplicates = 0, dead = 0;
    consumer_stats(g_consumer, &handled, &duplicates, &dead);
    metrics_append(buf, len, cap, "# TYPE store_events_consumed_total counter\n");
    metrics_append(buf, len, cap,
                   "store_events_consumed_total{service=\"%s\",outcome=\"handled\"} %ld\n", svc,
                   handled);
    metrics_append(buf, len, cap,
                   "store_events_consumed_total{service=\"%s\",outcome=\"duplicate\"} %ld\n", svc,
                   duplicates);
    metrics_append(buf, len, cap,
                   "store_events_consumed_total{service=\"%s\",outcome=\"dead_lettered\"} %ld\n",
                   svc, dead);
    /* 0 until the group has formed: scripts/stack.sh waits on it before a stack is up. */
    metrics_append(buf, len, cap, "# TYPE store_consumer_assigned_partitions gauge\n");
    metrics_append(buf, len, cap, "store_consumer_assigned_partitions{service=\"%s\"} %d\n", svc,
                   consumer_assigned_count(g_consumer));
    metrics_out_t m = {buf, len, cap};
    metrics_append(buf, len, cap, "# TYPE store_consumer_lag gauge\n");
    consumer_lag_each(g_consumer, lag_line, &m);
}

/* Migrations run before anything serves; a database that is still starting (as under
 * docker-compose) is waited for, up to DB_WAIT_SECONDS. */
static int migrate(const char *schema, const char *dir)
{
    time_t deadline = time(NULL) + service_setting("DB_WAIT_SECONDS", 30, 0, 3600);
    for (;;) {
        int rc = db_migrate(schema, dir);
        if (rc != ERR_UNAVAILABLE || time(NULL) >= deadline)
            return rc;
        log_warn("database not reachable yet; retrying the migrations");
        struct timespec ts = {0, 500 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

int service_run(const service_def_t *def)
{
    int status = 1;
    http_server_t *server = NULL;
    bool started = false;
    sigset_t stop_signals;

    g_def = def;
    log_init(def->name);
    /* Blocked before any thread starts, so every thread inherits the mask and only the
     * sigwait below receives them. */
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    const char *listen = config_str("HTTP_LISTEN", def->default_listen);
    long threads = service_setting("HTTP_THREADS", 16, 1, 1024);
    const char *database_url = config_str("DATABASE_URL", NULL);
    const char *brokers = config_str("KAFKA_BROKERS", "127.0.0.1:9092");
    const char *migrations = config_str("MIGRATIONS_DIR", def->migrations_dir);
    if (database_url == NULL) {
        log_error("DATABASE_URL is required");
        return 2;
    }
    int rc = auth_init();
    if (rc != 0 && rc != ERR_INVALID)
        return 1;
    if (def->configure != NULL && def->configure() != 0)
        return 2;
    if (!auth_has_public_key()) {
        log_error("JWT_PUBLIC_KEY_FILE (or JWT_PUBLIC_KEY) is required");
        return 2;
    }
    if (hc_global_init() != 0)
        return 1;

    if (db_init(database_url) != 0 || migrate(def->schema, migrations) != 0) {
        log_error("cannot migrate the %s schema", def->schema);
        goto out;
    }
    events_init(def->name);
    g_relay = relay_start(brokers);
    if (g_relay == NULL) {
        log_error("cannot start the outbox relay");
        goto out;
    }
    if (def->consume_count > 0) {
        g_consumer = consumer_start(brokers, def->name, def->consumes, def->consume_count);
        if (g_consumer == NULL) {
            log_error("cannot start the event consumer");
            goto out;
        }
    }
    if (def->start != NULL && def->start() != 0) {
        log_error("%s could not start", def->name);
        goto out;
    }
    started = true;

    http_server_opts_t opts = {
        .service = def->name,
        .listen = listen,
        .threads = (int)threads,
        .max_body = def->max_body,
        .routes = def->routes,
        .route_count = def->route_count,
        .ready = ready,
        .metrics_extra = metrics_extra,
        .request_done = db_release,
    };
    /* The main thread's lease (migrations, seeding) goes back to the workers. */
    db_release();
    server = http_server_start(&opts);
    if (server == NULL)
        goto out;
    log_info("%s serving on port %d", def->name, http_server_port(server));

    int sig = 0;
    sigwait(&stop_signals, &sig);
    log_info("signal %d: shutting down", sig);
    status = 0;
out:
    if (server != NULL)
        http_server_stop(server);
    if (started && def->stop != NULL)
        def->stop();
    if (g_consumer != NULL)
        consumer_stop(g_consumer);
    g_consumer = NULL;
    if (g_relay != NULL)
        relay_stop(g_relay);
    g_relay = NULL;
    db_thread_close();
    return status;
}
