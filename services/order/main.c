/* main.c - the order daemon: its settings and peers, then the common service life
 * (migrations, relay, the consumer of payment, inventory and fulfillment events, HTTP). */
#include "checkout.h"
#include "common/log.h"
#include "common/service.h"
#include "consumers.h"
#include "peers.h"
#include "routes.h"

#ifndef ORDER_MIGRATIONS_DIR
#define ORDER_MIGRATIONS_DIR "migrations"
#endif

static int configure(void)
{
    /* Inventory accepts 1..3600 s per reservation. */
    checkout_init(service_setting("ORDER_RESERVATION_TTL_SECONDS", 900, 1, 3600));
    if (peers_init(service_setting("ORDER_PEER_TIMEOUT_MS", 3000, 50, 60000)) != 0) {
        log_error("the <PEER>_URLS variables must list http(s) base URLs, comma-separated");
        return -1;
    }
    return 0;
}

int main(void)
{
    service_def_t def = {
        .name = "order",
        .schema = "orders",
        .migrations_dir = ORDER_MIGRATIONS_DIR,
        .default_listen = "127.0.0.1:8085",
        .max_body = 64 * 1024, /* the largest body, 100 explicit items, is under 16 KiB */
        .configure = configure,
    };
    def.routes = routes_table(&def.route_count);
    def.consumes = consumers_table(&def.consume_count);
    int status = service_run(&def);
    peers_free();
    return status;
}
