/* main.c - the payment daemon: its providers and peers, then the common service life
 * (migrations, relay, the OrderCancelled consumer, HTTP), with the refund and reconcile
 * worker beside it. */
#include <string.h>

#include "common/config.h"
#include "common/log.h"
#include "common/service.h"
#include "consumers.h"
#include "orders.h"
#include "provider.h"
#include "routes.h"
#include "worker.h"

#ifndef PAYMENT_MIGRATIONS_DIR
#define PAYMENT_MIGRATIONS_DIR "migrations"
#endif

static long g_poll_ms, g_reconcile_after_s;

static int configure(void)
{
    const char *base = config_str("PUBLIC_BASE_URL", "http://127.0.0.1:8080");
    if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0) {
        log_error("PUBLIC_BASE_URL must be an http(s):// URL");
        return -1;
    }
    const char *hook_base = config_str("FAKE_WEBHOOK_BASE_URL", base);
    if (strncmp(hook_base, "http://", 7) != 0 && strncmp(hook_base, "https://", 8) != 0) {
        log_error("FAKE_WEBHOOK_BASE_URL must be an http(s):// URL");
        return -1;
    }
    routes_init(base, hook_base, config_str("PAYMENT_RESULT_URL", ""));
    g_poll_ms = service_setting("PAYMENT_WORKER_POLL_MS", 500, 10, 600000);
    g_reconcile_after_s = service_setting("PAYMENT_RECONCILE_AFTER_SECONDS", 60, 1, 86400);
    if (pay_providers_init() != 0)
        return -1;
    return orders_init(service_setting("ORDER_TIMEOUT_MS", 3000, 100, 60000));
}

static int start(void)
{
    return worker_start(g_poll_ms, g_reconcile_after_s);
}

static void stop(void)
{
    worker_stop();
}

int main(void)
{
    service_def_t def = {
        .name = "payment",
        .schema = "payments",
        .migrations_dir = PAYMENT_MIGRATIONS_DIR,
        .default_listen = "127.0.0.1:8086",
        .max_body = 256 * 1024, /* webhooks: a Stripe event is a few KiB */
        .configure = configure,
        .start = start,
        .stop = stop,
    };
    def.routes = routes_table(&def.route_count);
    def.consumes = consumers_table(&def.consume_count);
    int status = service_run(&def);
    orders_free();
    return status;
}
