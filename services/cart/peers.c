/* peers.c - filling the read model from the catalog and inventory on demand.
 *
 * Answers are stored through the same version-guarded upserts as events, so a fallback
 * answer racing an event can never move the read model backwards: a product carries
 * its version, and fallback stock is stored with sequence 0, which any event replaces.
 */
#include "peers.h"

#include <stdio.h>
#include <string.h>

#include "common/errors.h"
#include "common/log.h"
#include "common/peer.h"
#include "store.h"
#include "views.h"

static peer_t *catalog;
static peer_t *inventory;
static long peer_timeout_ms;

int peers_init(long timeout_ms)
{
    peer_timeout_ms = timeout_ms;
    if (peer_from_env("CATALOG", &catalog) != 0 || peer_from_env("INVENTORY", &inventory) != 0) {
        peers_free();
        return ERR_INVALID;
    }
    return 0;
}

void peers_free(void)
{
    peer_free(catalog);
    peer_free(inventory);
    catalog = inventory = NULL;
}

typedef int (*item_store_fn)(PGconn *conn, const cJSON *item);

static int store_product_item(PGconn *conn, const cJSON *item)
{
    product_view_t v;
    if (product_view_from_api(item, &v) != 0) {
        log_warn("cart: the catalog answered a malformed product; ignored");
        return 0;
    }
    return store_product_upsert(conn, &v);
}

static int store_stock_item(PGconn *conn, const cJSON *item)
{
    stock_view_t v;
    if (stock_view_from_api(item, &v) != 0) {
        log_warn("cart: inventory answered a malformed availability; ignored");
        return 0;
    }
    return store_stock_upsert(conn, &v);
}

/* POSTs {key: [values...]} in batches and stores every item of each {"items": [...]}. */
static int fill(PGconn *conn, peer_t *peer, const char *what, const char *path, const char *key,
                const char *const *values, int count, item_store_fn store_item)
{
    int rc = 0;
    for (int from = 0; rc == 0 && from < count; from += PEERS_BATCH_MAX) {
        int n = count - from < PEERS_BATCH_MAX ? count - from : PEERS_BATCH_MAX;
        cJSON *body = cJSON_CreateObject();
        cJSON *list = cJSON_CreateStringArray(values + from, n);
        cJSON *answer = NULL;
        long status = 0;
        if (body == NULL || list == NULL || !cJSON_AddItemToObject(body, key, list)) {
            cJSON_Delete(list);
            cJSON_Delete(body);
            return ERR_INTERNAL;
        }
        rc = peer_call(peer, "POST", path, body, peer_timeout_ms, &status, &answer);
        cJSON_Delete(body);
        if (rc == 0) {
            const cJSON *items = cJSON_GetObjectItemCaseSensitive(answer, "items");
            if (status != 200 || !cJSON_IsArray(items)) {
                /* A 4xx here means the two services disagree (credential, contract):
                 * for the customer it is the same as the peer being away. */
                log_error("cart: %s answered %ld to %s", what, status, path);
                rc = ERR_UNAVAILABLE;
            } else {
                const cJSON *item;
                cJSON_ArrayForEach(item, items)
                {
                    if ((rc = store_item(conn, item)) != 0)
                        break;
                }
            }
        }
        cJSON_Delete(answer);
    }
    return rc;
}

int peers_fill_products(PGconn *conn, const char *const *ids, int count)
{
    return fill(conn, catalog, "the catalog", "/internal/products/batch", "ids", ids, count,
                store_product_item);
}

int peers_fill_stock(PGconn *conn, const char *const *skus, int count)
{
    return fill(conn, inventory, "inventory", "/internal/availability", "skus", skus, count,
                store_stock_item);
}
