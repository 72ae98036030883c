/* main.c - the fulfillment daemon: its settings (auto-assignment rule, courier callback
 * secret), then the common service life (migrations, relay, the order.events consumer,
 * HTTP). */
#include <stdlib.h>

#include "assign.h"
#include "common/config.h"
#include "common/log.h"
#include "common/service.h"
#include "consumers.h"
#include "operations.h"
#include "routes.h"

#ifndef FULFILLMENT_MIGRATIONS_DIR
#define FULFILLMENT_MIGRATIONS_DIR "migrations"
#endif

static int configure(void)
{
    assign_rule_t rule;
    const char *name = config_str("FULFILLMENT_AUTO_ASSIGN", "off");
    if (!assign_rule_parse(name, &rule)) {
        log_error("FULFILLMENT_AUTO_ASSIGN must be off, round_robin, zone or capacity");
        return -1;
    }
    op_set_assign_rule(rule);
    /* Without a secret every callback is refused (401); the rest of the service works. */
    char *secret = config_secret("COURIER_CALLBACK_SECRET");
    if (secret == NULL || secret[0] == '\0')
        log_warn("COURIER_CALLBACK_SECRET is not set: courier callbacks are refused");
    routes_init(secret, service_setting("COURIER_CALLBACK_TOLERANCE_SECONDS", 300, 1, 86400));
    log_info("auto-assignment: %s", assign_rule_name(rule));
    return 0;
}

int main(void)
{
    service_def_t def = {
        .name = "fulfillment",
        .schema = "fulfillment",
        .migrations_dir = FULFILLMENT_MIGRATIONS_DIR,
        .default_listen = "127.0.0.1:8087",
        .max_body = 64 * 1024, /* the largest body, a zone with 200 cities, is under 40 KiB */
        .configure = configure,
    };
    def.routes = routes_table(&def.route_count);
    def.consumes = consumers_table(&def.consume_count);
    int status = service_run(&def);
    routes_free();
    return status;
}
