/* main.c - the gateway daemon: reads its configuration, renders the OpenAPI
 * document, starts the HTTP server with the proxy as its fallback handler, and
 * stops in order on SIGTERM or SIGINT.
 *
 * Configuration (environment): HTTP_LISTEN, HTTP_THREADS (64: the public
 * concurrency limit), JWT_PUBLIC_KEY[_FILE], <SERVICE>_URLS, RATE_LIMIT_RPS (50),
 * RATE_LIMIT_BURST (100), MAX_BODY_BYTES (1 MiB), MAX_UPLOAD_BYTES (8 MiB),
 * CORS_ORIGINS ("*"; "off" disables), UPSTREAM_TIMEOUT_MS (10000).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/auth.h"
#include "common/config.h"
#include "common/http.h"
#include "common/log.h"
#include "cors.h"
#include "openapi.h"
#include "proxy.h"
#include "ratelimit.h"
#include "route_table.h"
#include "routes.h"
#include "upstreams.h"

/* Buckets in the rate limiter: distinct clients tracked at once (about 1.3 MB). */
#define RATE_LIMIT_SLOTS 16384
/* The largest answer relayed from a service (product images are the big ones). */
#define MAX_RESPONSE_BYTES (32L * 1024 * 1024)

static const http_route_t own_routes[] = {
    {"GET", "/openapi.json", gw_handle_openapi},
};

static long positive(const char *name, long fallback)
{
    long v = config_long(name, fallback);
    if (v <= 0) {
        log_error("%s must be a positive number", name);
        exit(2);
    }
    return v;
}

int main(void)
{
    int status = 1;
    ratelimit_t *limiter = NULL;
    cors_t *cors = NULL;
    char *openapi = NULL;
    http_server_t *server = NULL;
    sigset_t stop;

    log_init("gateway");
    /* Block the stop signals before any thread starts, so that only sigwait sees them. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (auth_init() != 0) {
        log_error("JWT_PUBLIC_KEY or JWT_PUBLIC_KEY_FILE must name identity's public key");
        return 2;
    }
    if (upstreams_init() != 0)
        return 2;
    if (proxy_global_init() != 0) {
        log_error("libcurl failed to initialize");
        goto out;
    }

    long rps = config_long("RATE_LIMIT_RPS", 50);
    long burst = config_long("RATE_LIMIT_BURST", 100);
    limiter = rl_new((double)rps, (double)burst, RATE_LIMIT_SLOTS);
    const char *origins = config_str("CORS_ORIGINS", "*");
    if (strcasecmp(origins, "off") == 0 || strcasecmp(origins, "none") == 0)
        origins = NULL;
    cors = cors_new(origins);
    openapi = openapi_render(gw_routes, gw_route_count);
    if (limiter == NULL || cors == NULL || openapi == NULL) {
        log_error("out of memory at start");
        goto out;
    }

    gw_config_t cfg = {
        .max_body = (size_t)positive("MAX_BODY_BYTES", HTTP_DEFAULT_MAX_BODY),
        .max_upload = (size_t)positive("MAX_UPLOAD_BYTES", 8L * 1024 * 1024),
        .timeout_ms = positive("UPSTREAM_TIMEOUT_MS", 10000),
        .max_response = MAX_RESPONSE_BYTES,
        .limiter = limiter,
        .cors = cors,
        .openapi = openapi,
    };
    gw_routes_init(&cfg);

    http_server_opts_t opts = {
        .service = "gateway",
        .listen = config_str("HTTP_LISTEN", "127.0.0.1:8080"),
        .threads = (int)positive("HTTP_THREADS", 64),
        /* The server's own cap must let uploads through; each route's limit is then
         * checked by the gateway. */
        .max_body = cfg.max_upload > cfg.max_body ? cfg.max_upload : cfg.max_body,
        .routes = own_routes,
        .route_count = sizeof own_routes / sizeof own_routes[0],
        .fallback = gw_handle,
        .ready = NULL, /* ready once listening: the gateway does not depend on its upstreams */
    };
    server = http_server_start(&opts);
    if (server == NULL)
        goto out;
    log_info("gateway listening on port %d: %zu routes, rate limit %s", http_server_port(server),
             gw_route_count, rl_disabled(limiter) ? "off" : "on");

    int sig = 0;
    sigwait(&stop, &sig);
    log_info("signal %d: stopping", sig);
    status = 0;
out:
    if (server != NULL)
        http_server_stop(server);
    rl_free(limiter);
    cors_free(cors);
    free(openapi);
    upstreams_free();
    proxy_global_cleanup();
    return status;
}
