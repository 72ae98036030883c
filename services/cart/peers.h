/* peers.h - the synchronous fallback of the read model: products and SKUs it has not
 * seen yet (or must confirm), asked of the catalog (POST /internal/products/batch) and
 * inventory (POST /internal/availability), and stored in the read model with the same
 * forward-only upserts the consumers use.
 *
 * Peers come from CATALOG_URLS (or CATALOG_URL) and INVENTORY_URLS (or INVENTORY_URL);
 * each call waits at most CART_PEER_TIMEOUT_MS per replica. Threads: any.
 */
#ifndef CART_PEERS_H
#define CART_PEERS_H

#include <libpq-fe.h>

#define PEERS_BATCH_MAX 100 /* ids per call: the catalog's batch limit */

/* Reads the peers' configuration. 0 or ERR_INVALID (logged). */
int peers_init(long timeout_ms);

/* Frees what peers_init made. */
void peers_free(void);

/* Asks the catalog for these products and stores what it knows in the read model (on
 * conn, outside any transaction); ids it does not know are simply not stored. 0, or
 * ERR_UNAVAILABLE when the catalog cannot answer. */
int peers_fill_products(PGconn *conn, const char *const *ids, int count);

/* Asks inventory for these SKUs' availability and stores it, like peers_fill_products. */
int peers_fill_stock(PGconn *conn, const char *const *skus, int count);

#endif
