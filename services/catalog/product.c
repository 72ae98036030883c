/* product.c - the product aggregate's rules and review state machine (see product.h
 * for the transition table). */
#include "product.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/errors.h"
#include "common/ids.h"
#include "common/money.h"

/* ---- names ---------------------------------------------------------------------------- */

static const char *const status_names[] = {
    [PRODUCT_PENDING_APPROVAL] = "PENDING_APPROVAL",
    [PRODUCT_APPROVED] = "APPROVED",
    [PRODUCT_REJECTED] = "REJECTED",
    [PRODUCT_ARCHIVED] = "ARCHIVED",
};

static const struct {
    const char *type, *schema;
} event_names[] = {
    [EV_SUBMITTED] = {"ProductSubmitted", "store.catalog.v1.ProductSubmitted"},
    [EV_APPROVED] = {"ProductApproved", "store.catalog.v1.ProductApproved"},
    [EV_REJECTED] = {"ProductRejected", "store.catalog.v1.ProductRejected"},
    [EV_UPDATED] = {"ProductUpdated", "store.catalog.v1.ProductUpdated"},
    [EV_PRICE_CHANGED] = {"ProductPriceChanged", "store.catalog.v1.ProductPriceChanged"},
    [EV_ARCHIVED] = {"ProductArchived", "store.catalog.v1.ProductArchived"},
};

const char *product_status_name(product_status_t s)
{
    return status_names[s];
}

bool product_status_parse(const char *name, product_status_t *out)
{
    for (size_t i = 0; name != NULL && i < sizeof status_names / sizeof status_names[0]; i++)
        if (strcmp(name, status_names[i]) == 0) {
            *out = (product_status_t)i;
            return true;
        }
    return false;
}

const char *product_review_name(product_review_t r)
{
    return r == REVIEW_PENDING ? "PENDING_APPROVAL" : r == REVIEW_REJECTED ? "REJECTED" : NULL;
}

bool product_review_parse(const char *name, product_review_t *out)
{
    if (name == NULL || *name == '\0')
        *out = REVIEW_NONE;
    else if (strcmp(name, "PENDING_APPROVAL") == 0)
        *out = REVIEW_PENDING;
    else if (strcmp(name, "REJECTED") == 0)
        *out = REVIEW_REJECTED;
    else
        return false;
    return true;
}

const char *product_event_type(product_event_t e)
{
    return event_names[e].type;
}

const char *product_event_schema(product_event_t e)
{
    return event_names[e].schema;
}

/* ---- validation ----------------------------------------------------------------------- */

bool category_slug_valid(const char *slug)
{
    size_t n = slug ? strlen(slug) : 0;
    if (n == 0 || n > CATEGORY_SLUG_MAX || slug[0] == '-' || slug[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = slug[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && !(c == '-' && slug[i + 1] != '-'))
            return false;
    }
    return true;
}

bool product_text_ok(const char *s, bool multiline)
{
    bool blank = true;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == 0x7f || (*p < 0x20 && !(multiline && (*p == '\n' || *p == '\t' || *p == '\r'))))
            return false;
        if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r')
            blank = false;
    }
    return !blank;
}

static bool known_field(const char *name)
{
    static const char *const fields[] = {"title", "description", "price", "currency", "category"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (strcmp(name, fields[i]) == 0)
            return true;
    return false;
}

bool product_edit_parse(json_check_t *chk, const cJSON *body, bool create, product_edit_t *out)
{
    memset(out, 0, sizeof *out);
    const cJSON *item;
    cJSON_ArrayForEach(item, body)
    {
        if (item->string != NULL && !known_field(item->string))
            json_check_fail(chk, item->string, "unknown field");
    }

    const char *(*get)(json_check_t *, const cJSON *, const char *, size_t, size_t) =
        create ? json_req_string : json_opt_string;
    const char *title = get(chk, body, "title", 1, PRODUCT_TITLE_MAX);
    if (title != NULL) {
        if (!product_text_ok(title, false))
            json_check_fail(chk, "title", "must be printable text, not blank");
        snprintf(out->title, sizeof out->title, "%s", title);
        out->fields |= PF_TITLE;
    }
    /* A description may be empty, but must be there when creating. */
    const char *description = get(chk, body, "description", 0, PRODUCT_DESCRIPTION_MAX);
    if (description != NULL) {
        if (*description != '\0' && !product_text_ok(description, true))
            json_check_fail(chk, "description", "must be printable text");
        snprintf(out->description, sizeof out->description, "%s", description);
        out->fields |= PF_DESCRIPTION;
    }
    const char *category = get(chk, body, "category", 1, CATEGORY_SLUG_MAX);
    if (category != NULL) {
        if (!category_slug_valid(category))
            json_check_fail(chk, "category", "must be a category slug");
        snprintf(out->category, sizeof out->category, "%s", category);
        out->fields |= PF_CATEGORY;
    }
    const char *currency = get(chk, body, "currency", 3, 3);
    if (currency != NULL) {
        if (!money_currency_valid(currency))
            json_check_fail(chk, "currency", "must be an ISO 4217 currency code such as NPR");
        snprintf(out->currency, sizeof out->currency, "%s", currency);
        out->fields |= PF_CURRENCY;
    }
    int rc = create ? json_req_int(chk, body, "price", 1, MONEY_MAX_MINOR, &out->price)
                    : json_opt_int(chk, body, "price", 1, MONEY_MAX_MINOR, &out->price);
    if (rc == 0)
        out->fields |= PF_PRICE;
    if (!create && json_check_ok(chk) && out->fields == 0)
        json_check_fail(chk, "body",
                        "must change at least one of title, description, price, "
                        "currency, category");
    return json_check_ok(chk);
}

/* ---- the state machine ---------------------------------------------------------------- */

static void outcome_init(product_outcome_t *o)
{
    memset(o, 0, sizeof *o);
}

/* Records an event and raises the version it carries. */
static void emit(product_t *p, product_outcome_t *o, product_event_t e)
{
    p->version++;
    o->events[o->event_count] = e;
    o->sequences[o->event_count] = p->version;
    o->event_count++;
}

static void content_from_edit(product_content_t *c, const product_edit_t *e, unsigned fields)
{
    if (fields & PF_TITLE)
        memcpy(c->title, e->title, sizeof c->title);
    if (fields & PF_DESCRIPTION)
        memcpy(c->description, e->description, sizeof c->description);
    if (fields & PF_CATEGORY)
        memcpy(c->category, e->category, sizeof c->category);
    if (fields & PF_IMAGES)
        c->images = e->images;
}

void product_create(product_t *p, const char *id, const char *seller_id, const product_edit_t *e,
                    product_outcome_t *out)
{
    memset(p, 0, sizeof *p);
    outcome_init(out);
    snprintf(p->id, sizeof p->id, "%s", id);
    snprintf(p->seller_id, sizeof p->seller_id, "%s", seller_id);
    content_from_edit(&p->live, e, PF_CONTENT & e->fields);
    p->price = e->price;
    memcpy(p->currency, e->currency, sizeof p->currency);
    p->status = PRODUCT_PENDING_APPROVAL;
    p->review = REVIEW_NONE;
    p->version = 0;
    out->changed = e->fields;
    emit(p, out, EV_SUBMITTED);
}

void product_working(const product_t *p, product_content_t *out)
{
    *out = p->live;
    if (p->pending_fields & PF_TITLE)
        memcpy(out->title, p->pending.title, sizeof out->title);
    if (p->pending_fields & PF_DESCRIPTION)
        memcpy(out->description, p->pending.description, sizeof out->description);
    if (p->pending_fields & PF_CATEGORY)
        memcpy(out->category, p->pending.category, sizeof out->category);
    if (p->pending_fields & PF_IMAGES)
        out->images = p->pending.images;
}

static bool images_equal(const image_list_t *a, const image_list_t *b)
{
    if (a->count != b->count)
        return false;
    for (int i = 0; i < a->count; i++)
        if (strcmp(a->items[i].id, b->items[i].id) != 0)
            return false;
    return true;
}

/* The content fields of e that differ from c. */
static unsigned content_diff(const product_content_t *c, const product_edit_t *e)
{
    unsigned d = 0;
    if ((e->fields & PF_TITLE) && strcmp(c->title, e->title) != 0)
        d |= PF_TITLE;
    if ((e->fields & PF_DESCRIPTION) && strcmp(c->description, e->description) != 0)
        d |= PF_DESCRIPTION;
    if ((e->fields & PF_CATEGORY) && strcmp(c->category, e->category) != 0)
        d |= PF_CATEGORY;
    if ((e->fields & PF_IMAGES) && !images_equal(&c->images, &e->images))
        d |= PF_IMAGES;
    return d;
}

/* Pending fields that have come back to the live value are not changes any more. */
static void drop_pending_equal_to_live(product_t *p)
{
    product_edit_t as_edit;
    memset(&as_edit, 0, sizeof as_edit);
    as_edit.fields = p->pending_fields;
    memcpy(as_edit.title, p->pending.title, sizeof as_edit.title);
    memcpy(as_edit.description, p->pending.description, sizeof as_edit.description);
    memcpy(as_edit.category, p->pending.category, sizeof as_edit.category);
    as_edit.images = p->pending.images;
    p->pending_fields = content_diff(&p->live, &as_edit);
}

int product_apply_edit(product_t *p, const product_edit_t *e, product_outcome_t *out)
{
    outcome_init(out);
    if (p->status == PRODUCT_ARCHIVED)
        return ERR_CONFLICT;

    /* The price (and its currency) is not reviewed: it applies at once. */
    bool price = (e->fields & PF_PRICE) && e->price != p->price;
    bool currency = (e->fields & PF_CURRENCY) && strcmp(e->currency, p->currency) != 0;
    if (price || currency) {
        out->old_price = p->price;
        memcpy(out->old_currency, p->currency, sizeof out->old_currency);
        if (price)
            p->price = e->price;
        if (currency)
            memcpy(p->currency, e->currency, sizeof p->currency);
        out->changed |= (price ? PF_PRICE : 0) | (currency ? PF_CURRENCY : 0);
        emit(p, out, EV_PRICE_CHANGED);
    }

    product_content_t working;
    product_working(p, &working);
    unsigned changed = content_diff(&working, e);
    if (changed == 0)
        return 0;
    out->changed |= changed;

    switch (p->status) {
    case PRODUCT_PENDING_APPROVAL:
        /* Not public yet: the edit is simply part of what the admin will review. */
        content_from_edit(&p->live, e, changed);
        emit(p, out, EV_UPDATED);
        break;
    case PRODUCT_REJECTED:
        content_from_edit(&p->live, e, changed);
        p->status = PRODUCT_PENDING_APPROVAL;
        p->rejection_reason[0] = '\0';
        out->resubmitted = true;
        emit(p, out, EV_SUBMITTED);
        break;
    case PRODUCT_APPROVED:
        /* The public keeps the live content; the edit waits for review. */
        content_from_edit(&p->pending, e, changed);
        p->pending_fields |= changed;
        drop_pending_equal_to_live(p);
        out->resubmitted = p->review == REVIEW_REJECTED;
        p->rejection_reason[0] = '\0';
        if (p->pending_fields == 0) {
            /* The seller took the edit back: nothing is left to review. */
            p->review = REVIEW_NONE;
            break;
        }
        p->review = REVIEW_PENDING;
        emit(p, out, EV_SUBMITTED);
        break;
    case PRODUCT_ARCHIVED:
        break;
    }
    return 0;
}

int product_approve(product_t *p, product_outcome_t *out)
{
    outcome_init(out);
    if (p->status == PRODUCT_PENDING_APPROVAL) {
        p->status = PRODUCT_APPROVED;
        p->rejection_reason[0] = '\0';
    } else if (p->status == PRODUCT_APPROVED && p->review == REVIEW_PENDING) {
        if (p->pending_fields & PF_TITLE)
            memcpy(p->live.title, p->pending.title, sizeof p->live.title);
        if (p->pending_fields & PF_DESCRIPTION)
            memcpy(p->live.description, p->pending.description, sizeof p->live.description);
        if (p->pending_fields & PF_CATEGORY)
            memcpy(p->live.category, p->pending.category, sizeof p->live.category);
        if (p->pending_fields & PF_IMAGES)
            p->live.images = p->pending.images;
        out->changed = p->pending_fields;
        p->pending_fields = 0;
        memset(&p->pending, 0, sizeof p->pending);
        p->review = REVIEW_NONE;
        p->rejection_reason[0] = '\0';
    } else {
        return ERR_CONFLICT;
    }
    emit(p, out, EV_APPROVED);
    return 0;
}

int product_reject(product_t *p, const char *reason, product_outcome_t *out)
{
    outcome_init(out);
    if (p->status == PRODUCT_PENDING_APPROVAL)
        p->status = PRODUCT_REJECTED;
    else if (p->status == PRODUCT_APPROVED && p->review == REVIEW_PENDING)
        p->review = REVIEW_REJECTED; /* the pending edit stays, for the seller to fix */
    else
        return ERR_CONFLICT;
    snprintf(p->rejection_reason, sizeof p->rejection_reason, "%s", reason);
    emit(p, out, EV_REJECTED);
    return 0;
}

int product_archive(product_t *p, product_outcome_t *out)
{
    outcome_init(out);
    if (p->status == PRODUCT_ARCHIVED)
        return 0;
    p->status = PRODUCT_ARCHIVED;
    p->review = REVIEW_NONE;
    emit(p, out, EV_ARCHIVED);
    return 0;
}

bool product_is_public(const product_t *p)
{
    return p->status == PRODUCT_APPROVED;
}

/* ---- images --------------------------------------------------------------------------- */

int product_image_refs(const product_t *p, char ids[][37])
{
    int n = 0;
    for (int i = 0; i < p->live.images.count; i++)
        memcpy(ids[n++], p->live.images.items[i].id, 37);
    if (p->pending_fields & PF_IMAGES)
        for (int i = 0; i < p->pending.images.count; i++) {
            bool seen = false;
            for (int j = 0; j < n && !seen; j++)
                seen = strcmp(ids[j], p->pending.images.items[i].id) == 0;
            if (!seen)
                memcpy(ids[n++], p->pending.images.items[i].id, 37);
        }
    return n;
}

static void images_edit(const product_t *p, product_edit_t *out)
{
    product_content_t working;
    memset(out, 0, sizeof *out);
    product_working(p, &working);
    out->fields = PF_IMAGES;
    out->images = working.images;
}

int product_image_add(const product_t *p, const image_ref_t *img, int max, product_edit_t *out)
{
    images_edit(p, out);
    if (max > PRODUCT_IMAGES_MAX)
        max = PRODUCT_IMAGES_MAX;
    if (out->images.count >= max)
        return ERR_CONFLICT;
    out->images.items[out->images.count++] = *img;
    return 0;
}

int product_image_remove(const product_t *p, const char *image_id, product_edit_t *out)
{
    images_edit(p, out);
    image_list_t *l = &out->images;
    for (int i = 0; i < l->count; i++)
        if (strcmp(l->items[i].id, image_id) == 0) {
            memmove(&l->items[i], &l->items[i + 1],
                    (size_t)(l->count - i - 1) * sizeof l->items[0]);
            l->count--;
            return 0;
        }
    return ERR_NOT_FOUND;
}

int product_image_reorder(const product_t *p, const char *const *ids, int count,
                          product_edit_t *out)
{
    images_edit(p, out);
    image_list_t current = out->images;
    if (count != current.count)
        return ERR_INVALID;
    bool used[PRODUCT_IMAGES_MAX] = {false};
    for (int i = 0; i < count; i++) {
        int found = -1;
        for (int j = 0; j < current.count && found < 0; j++)
            if (!used[j] && ids[i] != NULL && strcasecmp(ids[i], current.items[j].id) == 0)
                found = j;
        if (found < 0)
            return ERR_INVALID; /* unknown or repeated */
        used[found] = true;
        out->images.items[i] = current.items[found];
    }
    return 0;
}

/* ---- representations ------------------------------------------------------------------ */

cJSON *image_list_json(const image_list_t *list)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr != NULL && i < list->count; i++) {
        cJSON *o = cJSON_CreateObject();
        if (o == NULL || !cJSON_AddItemToArray(arr, o) ||
            cJSON_AddStringToObject(o, "id", list->items[i].id) == NULL ||
            cJSON_AddStringToObject(o, "url", list->items[i].url) == NULL) {
            cJSON_Delete(arr);
            return NULL;
        }
    }
    return arr;
}

int image_list_load(image_list_t *list, const cJSON *json)
{
    memset(list, 0, sizeof *list);
    if (!cJSON_IsArray(json) || cJSON_GetArraySize(json) > PRODUCT_IMAGES_MAX)
        return ERR_INVALID;
    const cJSON *o;
    cJSON_ArrayForEach(o, json)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
        const cJSON *url = cJSON_GetObjectItemCaseSensitive(o, "url");
        if (!cJSON_IsString(id) || !id_is_uuid(id->valuestring) || !cJSON_IsString(url) ||
            strlen(url->valuestring) > PRODUCT_IMAGE_URL_MAX)
            return ERR_INVALID;
        image_ref_t *r = &list->items[list->count++];
        snprintf(r->id, sizeof r->id, "%s", id->valuestring);
        snprintf(r->url, sizeof r->url, "%s", url->valuestring);
    }
    return 0;
}

cJSON *product_pending_json(const product_t *p)
{
    if (p->pending_fields == 0)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    bool ok = true;
    if (p->pending_fields & PF_TITLE)
        ok = ok && cJSON_AddStringToObject(o, "title", p->pending.title) != NULL;
    if (p->pending_fields & PF_DESCRIPTION)
        ok = ok && cJSON_AddStringToObject(o, "description", p->pending.description) != NULL;
    if (p->pending_fields & PF_CATEGORY)
        ok = ok && cJSON_AddStringToObject(o, "category", p->pending.category) != NULL;
    if (ok && (p->pending_fields & PF_IMAGES)) {
        cJSON *imgs = image_list_json(&p->pending.images);
        ok = imgs != NULL && cJSON_AddItemToObject(o, "images", imgs);
        if (!ok)
            cJSON_Delete(imgs);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int load_string(const cJSON *o, const char *name, char *dst, size_t cap, unsigned bit,
                       unsigned *fields)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (v == NULL)
        return 0;
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= cap)
        return ERR_INVALID;
    snprintf(dst, cap, "%s", v->valuestring);
    *fields |= bit;
    return 0;
}

int product_pending_load(product_t *p, const cJSON *json)
{
    memset(&p->pending, 0, sizeof p->pending);
    p->pending_fields = 0;
    if (json == NULL || cJSON_IsNull(json))
        return 0;
    if (!cJSON_IsObject(json))
        return ERR_INVALID;
    unsigned f = 0;
    if (load_string(json, "title", p->pending.title, sizeof p->pending.title, PF_TITLE, &f) != 0 ||
        load_string(json, "description", p->pending.description, sizeof p->pending.description,
                    PF_DESCRIPTION, &f) != 0 ||
        load_string(json, "category", p->pending.category, sizeof p->pending.category, PF_CATEGORY,
                    &f) != 0)
        return ERR_INVALID;
    const cJSON *imgs = cJSON_GetObjectItemCaseSensitive(json, "images");
    if (imgs != NULL) {
        if (image_list_load(&p->pending.images, imgs) != 0)
            return ERR_INVALID;
        f |= PF_IMAGES;
    }
    p->pending_fields = f;
    return 0;
}

static bool add_str_or_null(cJSON *o, const char *name, const char *v)
{
    return (v != NULL && *v != '\0' ? cJSON_AddStringToObject(o, name, v)
                                    : cJSON_AddNullToObject(o, name)) != NULL;
}

cJSON *product_json(const product_t *p, enum product_view view)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *imgs = image_list_json(&p->live.images);
    if (o == NULL || imgs == NULL)
        goto fail;
    bool ok = cJSON_AddStringToObject(o, "id", p->id) != NULL &&
              cJSON_AddStringToObject(o, "seller_id", p->seller_id) != NULL &&
              cJSON_AddStringToObject(o, "title", p->live.title) != NULL &&
              cJSON_AddStringToObject(o, "description", p->live.description) != NULL &&
              cJSON_AddNumberToObject(o, "price", (double)p->price) != NULL &&
              cJSON_AddStringToObject(o, "currency", p->currency) != NULL &&
              cJSON_AddStringToObject(o, "category", p->live.category) != NULL &&
              cJSON_AddItemToObject(o, "images", imgs);
    if (!ok)
        goto fail;
    imgs = NULL;
    ok = cJSON_AddStringToObject(o, "status", product_status_name(p->status)) != NULL &&
         cJSON_AddBoolToObject(o, "in_stock", p->in_stock) != NULL &&
         cJSON_AddStringToObject(o, "created_at", p->created_at) != NULL &&
         cJSON_AddStringToObject(o, "updated_at", p->updated_at) != NULL &&
         add_str_or_null(o, "approved_at", p->approved_at);
    if (ok && view == VIEW_OWNER) {
        cJSON *pending = product_pending_json(p);
        ok = cJSON_AddNumberToObject(o, "version", (double)p->version) != NULL &&
             add_str_or_null(o, "review_status", product_review_name(p->review)) &&
             add_str_or_null(o, "rejection_reason", p->rejection_reason);
        if (ok && pending != NULL)
            ok = cJSON_AddItemToObject(o, "pending_changes", pending);
        else if (ok)
            ok = cJSON_AddNullToObject(o, "pending_changes") != NULL;
        else
            cJSON_Delete(pending);
    }
    if (!ok)
        goto fail;
    return o;
fail:
    cJSON_Delete(imgs);
    cJSON_Delete(o);
    return NULL;
}

static bool add_changed_fields(cJSON *d, unsigned changed)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{PF_TITLE, "title"},       {PF_DESCRIPTION, "description"},
                 {PF_CATEGORY, "category"}, {PF_IMAGES, "images"},
                 {PF_PRICE, "price"},       {PF_CURRENCY, "currency"}};
    cJSON *arr = cJSON_AddArrayToObject(d, "changedFields");
    if (arr == NULL)
        return false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if ((changed & names[i].bit) &&
            !cJSON_AddItemToArray(arr, cJSON_CreateString(names[i].name)))
            return false;
    return true;
}

cJSON *product_event_data(const product_t *p, product_event_t e, int64_t version,
                          const product_outcome_t *o)
{
    cJSON *d = cJSON_CreateObject();
    if (d == NULL)
        return NULL;
    cJSON *urls = cJSON_CreateArray();
    bool ok = urls != NULL && cJSON_AddItemToObject(d, "imageUrls", urls);
    if (!ok)
        cJSON_Delete(urls);
    for (int i = 0; ok && i < p->live.images.count; i++)
        ok = cJSON_AddItemToArray(urls, cJSON_CreateString(p->live.images.items[i].url));
    const char *review = product_review_name(p->review);
    /* int64 fields as JSON numbers: proto3's JSON parser accepts them, and no price or
     * version comes near 2^53. */
    ok = ok && cJSON_AddStringToObject(d, "productId", p->id) != NULL &&
         cJSON_AddStringToObject(d, "sellerId", p->seller_id) != NULL &&
         cJSON_AddStringToObject(d, "title", p->live.title) != NULL &&
         cJSON_AddStringToObject(d, "description", p->live.description) != NULL &&
         cJSON_AddNumberToObject(d, "price", (double)p->price) != NULL &&
         cJSON_AddStringToObject(d, "currency", p->currency) != NULL &&
         cJSON_AddStringToObject(d, "category", p->live.category) != NULL &&
         cJSON_AddStringToObject(d, "status", product_status_name(p->status)) != NULL &&
         (review == NULL || cJSON_AddStringToObject(d, "reviewStatus", review) != NULL) &&
         cJSON_AddNumberToObject(d, "version", (double)version) != NULL &&
         (p->updated_at[0] == '\0' ||
          cJSON_AddStringToObject(d, "updatedAt", p->updated_at) != NULL);
    switch (e) {
    case EV_SUBMITTED:
        ok = ok && cJSON_AddBoolToObject(d, "resubmitted", o->resubmitted) != NULL &&
             add_changed_fields(d, o->changed & PF_CONTENT);
        break;
    case EV_UPDATED:
    case EV_APPROVED:
        ok = ok && add_changed_fields(d, o->changed & PF_CONTENT);
        break;
    case EV_REJECTED:
        ok = ok && cJSON_AddStringToObject(d, "reason", p->rejection_reason) != NULL;
        break;
    case EV_PRICE_CHANGED:
        ok = ok && cJSON_AddNumberToObject(d, "oldPrice", (double)o->old_price) != NULL &&
             cJSON_AddStringToObject(d, "oldCurrency", o->old_currency) != NULL;
        break;
    case EV_ARCHIVED:
        break;
    }
    if (!ok) {
        cJSON_Delete(d);
        return NULL;
    }
    return d;
}
