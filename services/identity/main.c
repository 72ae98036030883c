/* main.c - the identity daemon: read the configuration, migrate the schema, start
 * the outbox relay and the HTTP server, seed the first admin, then wait for SIGTERM
 * or SIGINT and stop in the reverse order.
 */
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounts.h"
#include "common/auth.h"
#include "common/config.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/events.h"
#include "common/http.h"
#include "common/log.h"
#include "common/metrics.h"
#include "routes.h"
#include "tokens.h"

#ifndef IDENTITY_MIGRATIONS_DIR
#define IDENTITY_MIGRATIONS_DIR "migrations"
#endif

static relay_t *relay;

static bool ready(void)
{
    return relay != NULL && db_ping();
}

static void metrics_extra(char **buf, size_t *len, size_t *cap)
{
    if (relay == NULL)
        return;
    metrics_append(buf, len, cap, "# TYPE outbox_backlog gauge\n");
    metrics_append(buf, len, cap, "outbox_backlog{service=\"identity\"} %ld\n",
                   relay_backlog(relay));
}

/* A numeric setting that must lie in [min, max]; exits on anything else, because a
 * daemon running with a silently clamped security setting is worse than none. */
static long setting(const char *name, long fallback, long min, long max)
{
    long v = config_long(name, fallback);
    if (v < min || v > max) {
        log_error("%s must be between %ld and %ld", name, min, max);
        exit(2);
    }
    return v;
}

/* Other services verify with JWT_PUBLIC_KEY[_FILE]; if it is not the public half of
 * our private key they will reject every token we mint, so say so loudly. Both sides
 * are OpenSSL's canonical SubjectPublicKeyInfo PEM, so text comparison suffices. */
static void warn_on_key_mismatch(const char *derived)
{
    char *configured = config_secret("JWT_PUBLIC_KEY");
    if (configured == NULL)
        return;
    size_t a = strlen(configured), b = strlen(derived);
    while (a > 0 && (configured[a - 1] == '\n' || configured[a - 1] == '\r'))
        a--;
    while (b > 0 && derived[b - 1] == '\n')
        b--;
    if (a != b || memcmp(configured, derived, a) != 0)
        log_warn("JWT_PUBLIC_KEY is not the public half of JWT_PRIVATE_KEY: other services "
                 "will reject identity's tokens");
    free(configured);
}

/* Migrations run before anything serves; a database that is still starting (as
 * under docker-compose) is waited for, up to DB_WAIT_SECONDS. */
static int migrate(const char *dir)
{
    time_t deadline = time(NULL) + setting("DB_WAIT_SECONDS", 30, 0, 3600);
    for (;;) {
        int rc = db_migrate("identity", dir);
        if (rc != ERR_UNAVAILABLE || time(NULL) >= deadline)
            return rc;
        log_warn("database not reachable yet; retrying the migrations");
        struct timespec ts = {0, 500 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

int main(void)
{
    int status = 1;
    tokens_t *tokens = NULL;
    http_server_t *server = NULL;
    sigset_t stop_signals;

    log_init("identity");
    /* Blocked before any thread starts, so every thread inherits the mask and only
     * sigwait below receives them. */
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (sodium_init() < 0) {
        log_error("libsodium failed to initialize");
        return 1;
    }

    const char *listen = config_str("HTTP_LISTEN", "127.0.0.1:8081");
    long threads = setting("HTTP_THREADS", 16, 1, 1024);
    const char *database_url = config_str("DATABASE_URL", NULL);
    const char *brokers = config_str("KAFKA_BROKERS", "127.0.0.1:9092");
    const char *migrations = config_str("IDENTITY_MIGRATIONS_DIR", IDENTITY_MIGRATIONS_DIR);
    if (database_url == NULL) {
        log_error("DATABASE_URL is required");
        return 2;
    }

    char *private_pem = config_secret("JWT_PRIVATE_KEY");
    if (private_pem == NULL) {
        log_error("JWT_PRIVATE_KEY_FILE (or JWT_PRIVATE_KEY) is required");
        return 2;
    }
    int rc = tokens_load(private_pem, &tokens);
    sodium_memzero(private_pem, strlen(private_pem));
    free(private_pem);
    if (rc != 0) {
        log_error("JWT private key is not an RSA private key of 2048 bits or more");
        return 2;
    }

    /* identity verifies with the public half of the key it signs with, whatever
     * JWT_PUBLIC_KEY says; auth_init still loads the service credential. */
    rc = auth_init();
    if (rc != 0 && rc != ERR_INVALID)
        goto out;
    if (auth_set_public_key(tokens_public_pem(tokens)) != 0)
        goto out;
    warn_on_key_mismatch(tokens_public_pem(tokens));

    accounts_config_t acfg = {
        .tokens = tokens,
        .access_ttl = setting("ACCESS_TOKEN_TTL", 900, 60, 86400),
        .refresh_ttl = setting("REFRESH_TOKEN_TTL", 2592000, 300, 31536000),
        .per_account = {(int)setting("LOGIN_MAX_ATTEMPTS", 5, 1, 1000),
                        (int)setting("LOGIN_WINDOW_SECONDS", 900, 1, 86400)},
        .per_client = {(int)setting("LOGIN_MAX_ATTEMPTS_PER_CLIENT", 20, 1, 100000),
                       (int)setting("LOGIN_WINDOW_SECONDS", 900, 1, 86400)},
        .pw_opslimit = (unsigned long long)setting(
            "PWHASH_OPSLIMIT", crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_OPSLIMIT_MIN, 64),
        .pw_memlimit = (size_t)setting("PWHASH_MEMLIMIT", crypto_pwhash_MEMLIMIT_INTERACTIVE,
                                       crypto_pwhash_MEMLIMIT_MIN, 1L << 30),
        .pw_concurrency = (int)setting("PWHASH_CONCURRENCY", 2, 1, 64),
    };
    if (accounts_init(&acfg) != 0)
        goto out;
    if (routes_init(tokens, (int)setting("ADDRESS_LIMIT", 50, 1, 1000)) != 0)
        goto out;

    if (db_init(database_url) != 0 || migrate(migrations) != 0) {
        log_error("cannot migrate the identity schema");
        goto out;
    }

    events_init("identity");
    relay = relay_start(brokers);
    if (relay == NULL) {
        log_error("cannot start the outbox relay");
        goto out;
    }

    const char *admin_email = config_str("ADMIN_EMAIL", NULL);
    const char *admin_password = config_str("ADMIN_PASSWORD", NULL);
    if (admin_email != NULL && admin_password != NULL) {
        rc = account_seed_admin(admin_email, admin_password,
                                config_str("ADMIN_NAME", "Administrator"));
        if (rc != 0) {
            log_error("cannot create the admin account from ADMIN_EMAIL/ADMIN_PASSWORD");
            goto out;
        }
    }

    size_t route_count;
    const http_route_t *table = routes_table(&route_count);
    http_server_opts_t opts = {
        .service = "identity",
        .listen = listen,
        .threads = (int)threads,
        .max_body = 64 * 1024, /* identity's largest body, an address, is under 2 KiB */
        .routes = table,
        .route_count = route_count,
        .ready = ready,
        .metrics_extra = metrics_extra,
        .request_done = db_release,
    };
    /* The main thread's lease (migrations, the admin seed) goes back to the workers. */
    db_release();
    server = http_server_start(&opts);
    if (server == NULL)
        goto out;
    log_info("identity serving on port %d (kid %s)", http_server_port(server), tokens_kid(tokens));

    int sig = 0;
    sigwait(&stop_signals, &sig);
    log_info("signal %d: shutting down", sig);
    status = 0;
out:
    /* Stop taking requests first, then flush events the finished requests wrote. */
    if (server != NULL)
        http_server_stop(server);
    if (relay != NULL)
        relay_stop(relay);
    relay = NULL;
    routes_free();
    tokens_free(tokens);
    db_thread_close();
    return status;
}
