/* main.c - the inventory daemon: its settings, then the common service life
 * (migrations, relay, consumer, HTTP), with the expiry sweep running beside it. */
#include <stdlib.h>

#include "catalog_client.h"
#include "common/log.h"
#include "common/service.h"
#include "consumers.h"
#include "routes.h"
#include "sweeper.h"

#ifndef INVENTORY_MIGRATIONS_DIR
#define INVENTORY_MIGRATIONS_DIR "migrations"
#endif

static long sweep_ms;
static int sweep_batch;

static int configure(void)
{
    routes_init(service_setting("RESERVATION_TTL_SECONDS", 900, 1, 86400));
    sweep_ms = service_setting("RESERVATION_SWEEP_MS", 1000, 10, 3600000);
    sweep_batch = (int)service_setting("RESERVATION_SWEEP_BATCH", 100, 1, 10000);
    /* Without the catalog nothing can be stocked, but reservations, adjustments and
     * reads still work: start, and answer 503 where the catalog is needed. */
    if (catalog_client_init(service_setting("CATALOG_TIMEOUT_MS", 3000, 100, 60000)) != 0) {
        log_error("CATALOG_URLS must list 1 to 16 http(s) base URLs, comma-separated");
        return -1;
    }
    return 0;
}

static int start(void)
{
    return sweeper_start(sweep_ms, sweep_batch);
}

static void stop(void)
{
    sweeper_stop();
}

int main(void)
{
    service_def_t def = {
        .name = "inventory",
        .schema = "inventory",
        .migrations_dir = INVENTORY_MIGRATIONS_DIR,
        .default_listen = "127.0.0.1:8083",
        .max_body = 64 * 1024, /* the largest body, 100 reservation lines, is under 10 KiB */
        .configure = configure,
        .start = start,
        .stop = stop,
    };
    def.routes = routes_table(&def.route_count);
    def.consumes = consumers_table(&def.consume_count);
    int status = service_run(&def);
    catalog_client_free();
    return status;
}
