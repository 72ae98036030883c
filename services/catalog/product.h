/* product.h - the product aggregate of the catalog: its fields, the rules that
 * validate them, and the review state machine. Pure: no database, no HTTP server,
 * no Kafka; cJSON only to read request bodies and to render representations.
 *
 * A product has two sets of customer-visible content:
 *   - the live content (title, description, category, images) that the public sees
 *     once the product is APPROVED, and
 *   - pending changes: an edit of an APPROVED product waits here for review while the
 *     public keeps seeing the live content; approve applies it, reject keeps it (with
 *     the reason) for the seller to fix.
 * The price is not reviewed: a price change applies at once, in any status but ARCHIVED.
 *
 * Status (what the product is) and review (what happens to a pending edit):
 *
 *   from               action                 to                         event
 *   (none)             create                 PENDING_APPROVAL           ProductSubmitted
 *   PENDING_APPROVAL   edit content           PENDING_APPROVAL (applied) ProductUpdated
 *   REJECTED           edit content           PENDING_APPROVAL (applied) ProductSubmitted
 *   APPROVED           edit content           APPROVED, review PENDING   ProductSubmitted
 *   PENDING_APPROVAL   approve                APPROVED                   ProductApproved
 *   APPROVED/PENDING   approve                APPROVED, edit applied     ProductApproved
 *   PENDING_APPROVAL   reject(reason)         REJECTED                   ProductRejected
 *   APPROVED/PENDING   reject(reason)         APPROVED, review REJECTED  ProductRejected
 *   any but ARCHIVED   change price/currency  unchanged                  ProductPriceChanged
 *   any but ARCHIVED   archive                ARCHIVED                   ProductArchived
 *   ARCHIVED           archive                ARCHIVED (no-op)           —
 *   ARCHIVED           edit, approve, reject  409
 *   anything else      approve, reject        409 (nothing awaits review)
 *
 * Every event raises the product's version by one; the event's sequence is the
 * version after it.
 */
#ifndef CATALOG_PRODUCT_H
#define CATALOG_PRODUCT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/json.h"

#define PRODUCT_TITLE_MAX       200  /* bytes */
#define PRODUCT_DESCRIPTION_MAX 5000 /* bytes */
#define PRODUCT_REASON_MAX      1000 /* bytes of a rejection reason */
#define PRODUCT_IMAGES_MAX      10   /* hard ceiling of IMAGE_MAX_PER_PRODUCT */
#define PRODUCT_IMAGE_URL_MAX   400  /* bytes */
#define CATEGORY_SLUG_MAX       64
#define CATEGORY_NAME_MAX       100
#define CATEGORY_DEPTH_MAX      5
#define PRODUCT_TIME_LEN        32

/* Fields of an edit, as a bit set. */
enum product_field {
    PF_TITLE = 1u << 0,
    PF_DESCRIPTION = 1u << 1,
    PF_CATEGORY = 1u << 2,
    PF_IMAGES = 1u << 3,
    PF_PRICE = 1u << 4,
    PF_CURRENCY = 1u << 5,
};
#define PF_CONTENT (PF_TITLE | PF_DESCRIPTION | PF_CATEGORY | PF_IMAGES)

typedef enum product_status {
    PRODUCT_PENDING_APPROVAL,
    PRODUCT_APPROVED,
    PRODUCT_REJECTED,
    PRODUCT_ARCHIVED,
} product_status_t;

typedef enum product_review {
    REVIEW_NONE,     /* no edit waits */
    REVIEW_PENDING,  /* an edit of an APPROVED product waits for an admin */
    REVIEW_REJECTED, /* that edit was rejected; the reason says why */
} product_review_t;

typedef enum product_event {
    EV_SUBMITTED,
    EV_APPROVED,
    EV_REJECTED,
    EV_UPDATED,
    EV_PRICE_CHANGED,
    EV_ARCHIVED,
} product_event_t;

typedef struct image_ref {
    char id[37];
    char url[PRODUCT_IMAGE_URL_MAX + 1];
} image_ref_t;

typedef struct image_list {
    int count;
    image_ref_t items[PRODUCT_IMAGES_MAX];
} image_list_t;

/* What customers see (and admins review). */
typedef struct product_content {
    char title[PRODUCT_TITLE_MAX + 1];
    char description[PRODUCT_DESCRIPTION_MAX + 1];
    char category[CATEGORY_SLUG_MAX + 1];
    image_list_t images;
} product_content_t;

typedef struct product {
    char id[37];
    char seller_id[37];
    product_content_t live;
    product_content_t pending; /* only the fields in pending_fields are meaningful */
    unsigned pending_fields;   /* PF_* content bits */
    int64_t price;             /* minor units */
    char currency[4];
    product_status_t status;
    product_review_t review;
    char rejection_reason[PRODUCT_REASON_MAX + 1]; /* "" when none */
    bool in_stock;
    int64_t version;
    char created_at[PRODUCT_TIME_LEN];
    char updated_at[PRODUCT_TIME_LEN];
    char approved_at[PRODUCT_TIME_LEN]; /* "" until the first approval */
} product_t;

/* A parsed create or update body: the fields present, already validated (except that
 * the category exists, which needs the database). */
typedef struct product_edit {
    unsigned fields; /* PF_* */
    char title[PRODUCT_TITLE_MAX + 1];
    char description[PRODUCT_DESCRIPTION_MAX + 1];
    char category[CATEGORY_SLUG_MAX + 1];
    image_list_t images;
    int64_t price;
    char currency[4];
} product_edit_t;

/* What an action did: the events to publish, in order, with what they need. */
typedef struct product_outcome {
    int event_count;
    product_event_t events[3];
    int64_t sequences[3]; /* the version after each event */
    unsigned changed;     /* PF_* fields that changed (live or pending) */
    bool resubmitted;     /* a rejected product or edit came back for review */
    int64_t old_price;    /* for ProductPriceChanged */
    char old_currency[4];
} product_outcome_t;

/* ---- names ---------------------------------------------------------------------------- */

const char *product_status_name(product_status_t s);
/* Parses a status name; false when unknown. */
bool product_status_parse(const char *name, product_status_t *out);
const char *product_review_name(product_review_t r);                /* NULL for REVIEW_NONE */
bool product_review_parse(const char *name, product_review_t *out); /* NULL/"" = NONE */
/* The CloudEvents type ("ProductSubmitted") and proto message name of an event. */
const char *product_event_type(product_event_t e);
const char *product_event_schema(product_event_t e);

/* ---- validation ----------------------------------------------------------------------- */

/* True for a category slug: 1-64 bytes of [a-z0-9] in words joined by single '-'. */
bool category_slug_valid(const char *slug);

/* True for printable text: valid UTF-8 (checked by the caller's JSON layer), no control
 * characters other than \n and \t (and only those when multiline), not blank. */
bool product_text_ok(const char *s, bool multiline);

/* Parses a create (all of title, description, price, currency, category required) or
 * update (any of them, at least one) body into *out, recording a message per bad field
 * in chk; unknown fields are recorded as errors too. Returns true when every field is
 * valid. */
bool product_edit_parse(json_check_t *chk, const cJSON *body, bool create, product_edit_t *out);

/* ---- the state machine ---------------------------------------------------------------- */

/* A new product from a create edit: PENDING_APPROVAL, version 1, one ProductSubmitted. */
void product_create(product_t *p, const char *id, const char *seller_id, const product_edit_t *e,
                    product_outcome_t *out);

/* The content a seller is working on: the live content with pending fields on top. */
void product_working(const product_t *p, product_content_t *out);

/* Applies an edit (see the table above). ERR_CONFLICT when archived. An edit that
 * changes nothing produces no event. */
int product_apply_edit(product_t *p, const product_edit_t *e, product_outcome_t *out);

/* Approves the product or its pending edit. ERR_CONFLICT when nothing awaits review. */
int product_approve(product_t *p, product_outcome_t *out);

/* Rejects the product or its pending edit with a reason. ERR_CONFLICT as approve. */
int product_reject(product_t *p, const char *reason, product_outcome_t *out);

/* Archives; archiving an archived product changes nothing (no event). */
int product_archive(product_t *p, product_outcome_t *out);

/* True when the public may see the product (and its live content). */
bool product_is_public(const product_t *p);

/* Every image id the product still refers to (live and pending), for deciding which
 * stored files are no longer needed. Returns the count written to ids (at most
 * 2 * PRODUCT_IMAGES_MAX). */
int product_image_refs(const product_t *p, char ids[][37]);

/* Builds the edit that adds, removes or reorders images of the working list.
 * image_add: ERR_CONFLICT when the working list already holds max images.
 * image_remove: ERR_NOT_FOUND when image_id is not in the working list.
 * image_reorder: ERR_INVALID unless ids is exactly the working set, each once. */
int product_image_add(const product_t *p, const image_ref_t *img, int max, product_edit_t *out);
int product_image_remove(const product_t *p, const char *image_id, product_edit_t *out);
int product_image_reorder(const product_t *p, const char *const *ids, int count,
                          product_edit_t *out);

/* ---- representations ------------------------------------------------------------------ */

/* The pending changes as stored (jsonb): {"title":..,"images":[{"id","url"}]}, only the
 * pending fields; NULL when nothing is pending. Caller frees. */
cJSON *product_pending_json(const product_t *p);

/* Loads pending fields from their stored JSON (NULL = none). ERR_INVALID on bad shape. */
int product_pending_load(product_t *p, const cJSON *json);

/* Images as stored and rendered: [{"id","url"}]. Caller frees. */
cJSON *image_list_json(const image_list_t *list);
int image_list_load(image_list_t *list, const cJSON *json);

enum product_view {
    VIEW_PUBLIC, /* live content, no review details */
    VIEW_OWNER,  /* the seller or an admin: adds version, review, reason, pending changes */
};

/* The API representation. Caller frees; NULL on allocation failure. */
cJSON *product_json(const product_t *p, enum product_view view);

/* The data of a catalog event: the product snapshot (productId, sellerId, title,
 * description, price, currency, category, imageUrls, status, reviewStatus, version,
 * updatedAt) plus what the event adds (reason, oldPrice, changedFields, resubmitted).
 * version is the sequence of this event. Caller frees. */
cJSON *product_event_data(const product_t *p, product_event_t e, int64_t version,
                          const product_outcome_t *o);

#endif
