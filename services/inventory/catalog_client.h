/* catalog_client.h - the one question inventory asks the catalog: who sells a product,
 * and in which status is it (GET /internal/products/:id with the service token, through
 * common/peer.h: CATALOG_URLS, round-robin, a timeout always).
 *
 * Threads: safe from any thread once catalog_client_init() has run.
 */
#ifndef INVENTORY_CATALOG_CLIENT_H
#define INVENTORY_CATALOG_CLIENT_H

typedef struct catalog_product {
    char id[37];
    char seller_id[37];
    char status[24]; /* PENDING_APPROVAL, APPROVED, REJECTED, ARCHIVED */
} catalog_product_t;

/* Reads the catalog's replicas from CATALOG_URLS (or CATALOG_URL) and remembers the
 * per-request timeout. 0, or ERR_INVALID for a malformed list. An unset list is not an
 * error: every lookup then answers ERR_UNAVAILABLE. */
int catalog_client_init(long timeout_ms);

/* Frees what catalog_client_init made. */
void catalog_client_free(void);

/* Looks a product up. 0 with *out filled; ERR_NOT_FOUND when the catalog does not know
 * it; ERR_UNAVAILABLE when no replica answered sensibly (down, timed out, 5xx, or an
 * answer that is not this product). */
int catalog_product_get(const char *product_id, catalog_product_t *out);

#endif
