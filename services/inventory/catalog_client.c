/* catalog_client.c - GET /internal/products/:id on the catalog (see catalog_client.h). */
#include "catalog_client.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/peer.h"

/* Set once by catalog_client_init before the server starts; peer_call is thread-safe. */
static peer_t *g_catalog;
static long g_timeout_ms = 3000;

int catalog_client_init(long timeout_ms)
{
    catalog_client_free();
    g_timeout_ms = timeout_ms;
    return peer_from_env("CATALOG", &g_catalog);
}

void catalog_client_free(void)
{
    peer_free(g_catalog);
    g_catalog = NULL;
}

/* Copies a string member of at most cap-1 bytes; false when absent or too long. */
static bool copy_member(const cJSON *obj, const char *name, char *dst, size_t cap)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= cap)
        return false;
    memcpy(dst, v->valuestring, strlen(v->valuestring) + 1);
    return true;
}

int catalog_product_get(const char *product_id, catalog_product_t *out)
{
    char path[64];
    long status = 0;
    cJSON *doc = NULL;
    if (!id_is_uuid(product_id))
        return ERR_NOT_FOUND;
    snprintf(path, sizeof path, "/internal/products/%s", product_id);
    int rc = peer_call(g_catalog, "GET", path, NULL, g_timeout_ms, &status, &doc);
    if (rc != 0) {
        rc = ERR_UNAVAILABLE;
    } else if (status == 404) {
        rc = ERR_NOT_FOUND;
    } else if (status != 200 || !copy_member(doc, "id", out->id, sizeof out->id) ||
               !copy_member(doc, "seller_id", out->seller_id, sizeof out->seller_id) ||
               !copy_member(doc, "status", out->status, sizeof out->status) ||
               strcasecmp(out->id, product_id) != 0 || !id_is_uuid(out->seller_id)) {
        /* A 401 here means the two services hold different service tokens. */
        log_warn("catalog: unexpected answer %ld for a product", status);
        rc = ERR_UNAVAILABLE;
    }
    cJSON_Delete(doc);
    return rc;
}
