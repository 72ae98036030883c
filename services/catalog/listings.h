/* listings.h - the catalog's use cases: a seller's listings (create, edit, archive,
 * images), the admins' review (approve, reject), and browsing (search, lists).
 *
 * Every change runs in one transaction: the product row is locked, the rule in
 * product.c decides, the row is written, and each event goes into the outbox in the
 * same transaction. Image files no list refers to any more are deleted after COMMIT.
 *
 * Errors: ERR_NOT_FOUND (no such product, or another seller's), ERR_CONFLICT (see
 * *why where given), ERR_INVALID (an unknown category: the only rule the database
 * decides), ERR_UNAVAILABLE / ERR_RETRY / ERR_INTERNAL.
 */
#ifndef CATALOG_LISTINGS_H
#define CATALOG_LISTINGS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/events.h"
#include "images.h"
#include "product.h"
#include "search.h"
#include "storage.h"

typedef struct listings_config {
    storage_t *storage;     /* borrowed; outlives the listings */
    int max_images;         /* per product, 1..PRODUCT_IMAGES_MAX */
    int similarity_percent; /* pg_trgm word-similarity threshold for typo matches, 10..100 */
} listings_config_t;

void listings_init(const listings_config_t *cfg);

/* Why a change was refused with ERR_CONFLICT: a stable machine code. */
#define WHY_ARCHIVED      "PRODUCT_ARCHIVED"
#define WHY_IMAGE_LIMIT   "IMAGE_LIMIT"
#define WHY_NOT_IN_REVIEW "NOTHING_TO_REVIEW"

int listing_create(const char *seller_id, const product_edit_t *e, const event_ctx_t *ctx,
                   product_t *out);

/* Edits one of the seller's products (seller_id must own it). */
int listing_edit(const char *seller_id, const char *product_id, const product_edit_t *e,
                 const event_ctx_t *ctx, product_t *out, const char **why);

int listing_archive(const char *seller_id, const char *product_id, const event_ctx_t *ctx,
                    product_t *out);

/* Approves (reason NULL) or rejects (with reason) a product or its pending edit. */
int listing_review(const char *product_id, bool approve, const char *reason, const event_ctx_t *ctx,
                   product_t *out, const char **why);

/* Stores an image file (already sniffed as type) and appends it to the product's
 * working image list. *img is the new image. */
int listing_image_add(const char *seller_id, const char *product_id, const void *data, size_t len,
                      image_type_t type, const event_ctx_t *ctx, image_ref_t *img, product_t *out,
                      const char **why);

int listing_image_remove(const char *seller_id, const char *product_id, const char *image_id,
                         const event_ctx_t *ctx, product_t *out, const char **why);

/* ids must be exactly the working image ids (ERR_INVALID otherwise). */
int listing_image_reorder(const char *seller_id, const char *product_id, const char *const *ids,
                          int count, const event_ctx_t *ctx, product_t *out, const char **why);

/* A product by id, whatever its status (callers decide who may see it). */
int listing_get(const char *product_id, product_t *out);

/* GET /products: {"items":[public product], "next_cursor", "facets"?}; facets only on
 * the first page (no cursor). */
int listing_search(const search_query_t *q, cJSON **out);

/* A page of a seller's products (seller_id) or of all products (NULL, for admins),
 * owner view: {"items", "next_cursor"}. status NULL = any. */
int listing_owner_page(const char *seller_id, const char *status, int limit, bool has_cursor,
                       const char *key, const char *id, cJSON **out);

#endif
