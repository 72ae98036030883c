/* main.c - the cart daemon: its limits and peers, then the common service life
 * (migrations, relay, the consumer of catalog, inventory and order events, HTTP). */
#include "cart.h"
#include "common/service.h"
#include "consumers.h"
#include "peers.h"
#include "routes.h"

#ifndef CART_MIGRATIONS_DIR
#define CART_MIGRATIONS_DIR "migrations"
#endif

/* The database's CHECK allows 10000 units per line; the setting stays inside it. */
static int configure(void)
{
    routes_init(service_setting("CART_MAX_QUANTITY", CART_QUANTITY_MAX_DEFAULT, 1, 10000),
                service_setting("CART_MAX_LINES", CART_LINES_MAX_DEFAULT, 1, 1000));
    return peers_init(service_setting("CART_PEER_TIMEOUT_MS", 2000, 50, 60000));
}

int main(void)
{
    service_def_t def = {
        .name = "cart",
        .schema = "cart",
        .migrations_dir = CART_MIGRATIONS_DIR,
        .default_listen = "127.0.0.1:8084",
        .max_body = 16 * 1024, /* the largest body, an item to add, is under 200 bytes */
        .configure = configure,
    };
    def.routes = routes_table(&def.route_count);
    def.consumes = consumers_table(&def.consume_count);
    int status = service_run(&def);
    peers_free();
    return status;
}
