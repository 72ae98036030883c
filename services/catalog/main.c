/* main.c - the catalog daemon: image storage and search settings, then the common
 * service life (migrations, outbox relay, the inventory consumer, HTTP). */
#include <stdio.h>

#include "common/config.h"
#include "common/log.h"
#include "common/service.h"
#include "consumers.h"
#include "listings.h"
#include "routes.h"
#include "storage.h"

#ifndef CATALOG_MIGRATIONS_DIR
#define CATALOG_MIGRATIONS_DIR "migrations"
#endif

static service_def_t def;
static storage_t *storage;

static int configure(void)
{
    long image_max = service_setting("IMAGE_MAX_BYTES", 5L * 1024 * 1024, 1024, 64L * 1024 * 1024);
    storage_config_t scfg = {
        .image_dir = config_str("IMAGE_DIR", NULL),
        .public_base_url = config_str("PUBLIC_BASE_URL", ""),
        .s3_endpoint = config_str("S3_ENDPOINT", NULL),
        .s3_bucket = config_str("S3_BUCKET", NULL),
        .s3_region = config_str("S3_REGION", NULL),
        .s3_access_key_id = config_str("S3_ACCESS_KEY_ID", NULL),
        .s3_secret_access_key = config_str("S3_SECRET_ACCESS_KEY", NULL),
        .s3_public_base_url = config_str("S3_PUBLIC_BASE_URL", NULL),
        .timeout_ms = service_setting("S3_TIMEOUT_MS", 10000, 100, 120000),
    };
    if (storage_open(&scfg, &storage) != 0)
        return -1;
    log_info("images are stored in %s", storage_backend(storage));
    listings_config_t lcfg = {
        .storage = storage,
        .max_images = (int)service_setting("IMAGE_MAX_PER_PRODUCT", 10, 1, 10),
        .similarity_percent = (int)service_setting("SEARCH_TYPO_SIMILARITY", 40, 10, 100),
    };
    listings_init(&lcfg);
    routes_config_t rcfg = {.storage = storage, .image_max_bytes = (size_t)image_max};
    routes_init(&rcfg);
    /* The server-wide body limit is the largest image; JSON routes hold their bodies to
     * much less themselves. */
    def.max_body = (size_t)image_max;
    return 0;
}

int main(void)
{
    def = (service_def_t){
        .name = "catalog",
        .schema = "catalog",
        .migrations_dir = CATALOG_MIGRATIONS_DIR,
        .default_listen = "127.0.0.1:8082",
        .max_body = 5L * 1024 * 1024,
        .configure = configure,
    };
    def.routes = routes_table(&def.route_count);
    def.consumes = consumers_table(&def.consume_count);
    int status = service_run(&def);
    storage_close(storage);
    return status;
}
