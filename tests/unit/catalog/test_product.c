/* test_product.c - the product aggregate (services/catalog/product.c): body
 * validation, the review state machine, images of the working copy, and the
 * representations and event data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "product.h"

static const char *ID = "0b72d66e-4c38-47b1-9092-adfc9809f822";
static const char *SELLER = "93a44f7c-4ccf-4fd3-9074-a3bbf453d0f9";

/* Parses body (JSON text) as a create or update; returns the check's field details. */
static cJSON *parse(const char *text, bool create, product_edit_t *e, bool *ok)
{
    cJSON *body = cJSON_Parse(text);
    assert_non_null(body);
    json_check_t chk;
    json_check_init(&chk);
    *ok = product_edit_parse(&chk, body, create, e);
    cJSON *details = json_check_take_details(&chk);
    json_check_free(&chk);
    cJSON_Delete(body);
    return details;
}

static bool names_field(const cJSON *details, const char *field)
{
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(details, "fields");
    return cJSON_GetObjectItemCaseSensitive(fields, field) != NULL;
}

static product_t *new_product(void)
{
    product_edit_t e;
    product_outcome_t o;
    bool ok;
    cJSON *d = parse("{\"title\":\"Red shoe\",\"description\":\"Leather\",\"price\":2500,"
                     "\"currency\":\"NPR\",\"category\":\"shoes\"}",
                     true, &e, &ok);
    assert_true(ok);
    cJSON_Delete(d);
    product_t *p = calloc(1, sizeof *p);
    assert_non_null(p);
    product_create(p, ID, SELLER, &e, &o);
    assert_int_equal(o.event_count, 1);
    assert_int_equal(o.events[0], EV_SUBMITTED);
    assert_int_equal(o.sequences[0], 1);
    return p;
}

static product_edit_t edit_title(const char *title)
{
    product_edit_t e;
    memset(&e, 0, sizeof e);
    e.fields = PF_TITLE;
    strcpy(e.title, title);
    return e;
}

static void test_product_create_parses_every_field(void **state)
{
    (void)state;
    product_t *p = new_product();
    assert_string_equal(p->live.title, "Red shoe");
    assert_string_equal(p->live.description, "Leather");
    assert_string_equal(p->live.category, "shoes");
    assert_int_equal(p->price, 2500);
    assert_string_equal(p->currency, "NPR");
    assert_int_equal(p->status, PRODUCT_PENDING_APPROVAL);
    assert_int_equal(p->version, 1);
    assert_false(product_is_public(p));
    free(p);
}

static void test_product_bad_fields_are_each_named(void **state)
{
    (void)state;
    product_edit_t e;
    bool ok;
    struct {
        const char *body, *field;
    } cases[] = {
        {"{\"title\":\"T\",\"description\":\"\",\"price\":-1,\"currency\":\"NPR\",\"category\":"
         "\"c\"}",
         "price"},
        {"{\"title\":\"T\",\"description\":\"\",\"price\":1.5,\"currency\":\"NPR\",\"category\":"
         "\"c\"}",
         "price"},
        {"{\"title\":\"T\",\"description\":\"\",\"price\":\"100\",\"currency\":\"NPR\","
         "\"category\":\"c\"}",
         "price"},
        {"{\"title\":\"T\",\"description\":\"\",\"price\":0,\"currency\":\"NPR\",\"category\":"
         "\"c\"}",
         "price"},
        {"{\"title\":\"\",\"description\":\"\",\"price\":1,\"currency\":\"NPR\",\"category\":"
         "\"c\"}",
         "title"},
        {"{\"title\":\"   "
         "\",\"description\":\"\",\"price\":1,\"currency\":\"NPR\",\"category\":\"c\"}",
         "title"},
        {"{\"title\":\"a\\u0001b\",\"description\":\"\",\"price\":1,\"currency\":\"NPR\","
         "\"category\":\"c\"}",
         "title"},
        {"{\"title\":\"T\",\"description\":\"\",\"price\":1,\"currency\":\"npr\",\"category\":"
         "\"c\"}",
         "currency"},
        {"{\"title\":\"T\",\"description\":\"\",\"price\":1,\"currency\":\"NPR\",\"category\":"
         "\"Bad "
         "Slug\"}",
         "category"},
        {"{\"title\":\"T\",\"price\":1,\"currency\":\"NPR\",\"category\":\"c\"}", "description"},
        {"{\"title\":\"T\",\"description\":\"\",\"price\":1,\"currency\":\"NPR\",\"category\":"
         "\"c\","
         "\"seller_id\":\"x\"}",
         "seller_id"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *d = parse(cases[i].body, true, &e, &ok);
        if (ok || !names_field(d, cases[i].field))
            fail_msg("case %zu: %s should name %s", i, cases[i].body, cases[i].field);
        cJSON_Delete(d);
    }
    /* Several bad fields are all named at once. */
    cJSON *d = parse("{\"title\":\"\",\"price\":\"x\"}", true, &e, &ok);
    assert_false(ok);
    assert_true(names_field(d, "title"));
    assert_true(names_field(d, "price"));
    assert_true(names_field(d, "currency"));
    assert_true(names_field(d, "category"));
    cJSON_Delete(d);
}

static void test_product_update_needs_one_field(void **state)
{
    (void)state;
    product_edit_t e;
    bool ok;
    cJSON *d = parse("{}", false, &e, &ok);
    assert_false(ok);
    cJSON_Delete(d);
    d = parse("{\"price\":3000}", false, &e, &ok);
    assert_true(ok);
    assert_int_equal(e.fields, PF_PRICE);
    cJSON_Delete(d);
}

static void test_product_category_slug_rules(void **state)
{
    (void)state;
    assert_true(category_slug_valid("shoes"));
    assert_true(category_slug_valid("running-shoes-2"));
    assert_false(category_slug_valid(""));
    assert_false(category_slug_valid("-shoes"));
    assert_false(category_slug_valid("shoes-"));
    assert_false(category_slug_valid("a--b"));
    assert_false(category_slug_valid("Shoes"));
    assert_false(category_slug_valid("a_b"));
    assert_false(category_slug_valid("a%b"));
    assert_false(category_slug_valid("a/b"));
    char long_slug[70];
    memset(long_slug, 'a', 65);
    long_slug[65] = '\0';
    assert_false(category_slug_valid(long_slug));
}

static void test_product_approve_makes_public(void **state)
{
    (void)state;
    product_t *p = new_product();
    product_outcome_t o;
    assert_int_equal(product_approve(p, &o), 0);
    assert_int_equal(o.events[0], EV_APPROVED);
    assert_int_equal(o.sequences[0], 2);
    assert_int_equal(p->status, PRODUCT_APPROVED);
    assert_true(product_is_public(p));
    /* Nothing left to review. */
    assert_int_equal(product_approve(p, &o), ERR_CONFLICT);
    assert_int_equal(product_reject(p, "no", &o), ERR_CONFLICT);
    free(p);
}

static void test_product_reject_then_edit_resubmits(void **state)
{
    (void)state;
    product_t *p = new_product();
    product_outcome_t o;
    assert_int_equal(product_reject(p, "blurry photos", &o), 0);
    assert_int_equal(o.events[0], EV_REJECTED);
    assert_int_equal(p->status, PRODUCT_REJECTED);
    assert_string_equal(p->rejection_reason, "blurry photos");
    product_edit_t e = edit_title("Red leather shoe");
    assert_int_equal(product_apply_edit(p, &e, &o), 0);
    assert_int_equal(o.event_count, 1);
    assert_int_equal(o.events[0], EV_SUBMITTED);
    assert_true(o.resubmitted);
    assert_int_equal(p->status, PRODUCT_PENDING_APPROVAL);
    assert_string_equal(p->live.title, "Red leather shoe");
    assert_string_equal(p->rejection_reason, "");
    free(p);
}

static void test_product_edit_pending_applies_directly(void **state)
{
    (void)state;
    product_t *p = new_product();
    product_outcome_t o;
    product_edit_t e = edit_title("Blue shoe");
    assert_int_equal(product_apply_edit(p, &e, &o), 0);
    assert_int_equal(o.events[0], EV_UPDATED);
    assert_int_equal(o.changed, PF_TITLE);
    assert_string_equal(p->live.title, "Blue shoe");
    assert_int_equal(p->pending_fields, 0);
    free(p);
}

static void test_product_edit_of_approved_waits_for_review(void **state)
{
    (void)state;
    product_t *p = new_product();
    product_outcome_t o;
    assert_int_equal(product_approve(p, &o), 0);
    product_edit_t e = edit_title("Blue shoe");
    assert_int_equal(product_apply_edit(p, &e, &o), 0);
    assert_int_equal(o.events[0], EV_SUBMITTED);
    /* The public keeps the approved title; the edit waits. */
    assert_int_equal(p->status, PRODUCT_APPROVED);
    assert_int_equal(p->review, REVIEW_PENDING);
    assert_string_equal(p->live.title, "Red shoe");
    assert_string_equal(p->pending.title, "Blue shoe");
    assert_true(product_is_public(p));
    product_content_t w;
    product_working(p, &w);
    assert_string_equal(w.title, "Blue shoe");

    /* A rejection keeps the edit for the seller and the product on sale. */
    assert_int_equal(product_reject(p, "misleading", &o), 0);
    assert_int_equal(p->review, REVIEW_REJECTED);
    assert_int_equal(p->status, PRODUCT_APPROVED);
    assert_string_equal(p->pending.title, "Blue shoe");

    /* Fixing it resubmits; approving applies it. */
    e = edit_title("Navy shoe");
    assert_int_equal(product_apply_edit(p, &e, &o), 0);
    assert_true(o.resubmitted);
    assert_int_equal(p->review, REVIEW_PENDING);
    assert_int_equal(product_approve(p, &o), 0);
    assert_int_equal(o.changed, PF_TITLE);
    assert_string_equal(p->live.title, "Navy shoe");
    assert_int_equal(p->review, REVIEW_NONE);
    assert_int_equal(p->pending_fields, 0);
    free(p);
}

static void test_product_edit_back_to_live_clears_review(void **state)
{
    (void)state;
    product_t *p = new_product();
    product_outcome_t o;
    assert_int_equal(product_approve(p, &o), 0);
    product_edit_t e = edit_title("Blue shoe");
    assert_int_equal(product_apply_edit(p, &e, &o), 0);
    e = edit_title("Red shoe");
    assert_int_equal(product_apply_edit(p, &e, &o), 0);
    assert_int_equal(o.event_count, 0);
    assert_int_equal(p->review, REVIEW_NONE);
    assert_int_equal(p->pending_fields, 0);
    free(p);
}

static void test_product_price_applies_at_once(void **state)
{
    (void)state;
    product_t *p = new_product();
    product_outcome_t o;
    assert_int_equal(product_approve(p, &o), 0);
    product_edit_t e;
    memset(&e, 0, sizeof e);
    e.fields = PF_PRICE | PF_TITLE;
    e.price = 1999;
    strcpy(e.title, "Red shoe"); /* unchanged */
    int64_t before = p->version;
    assert_int_equal(product_apply_edit(p, &e, &o), 0);
    assert_int_equal(o.event_count, 1);
    assert_int_equal(o.events[0], EV_PRICE_CHANGED);
    assert_int_equal(o.old_price, 2500);
    assert_string_equal(o.old_currency, "NPR");
    assert_int_equal(p->price, 1999);
    assert_int_equal(p->review, REVIEW_NONE);
    assert_int_equal(p->version, before + 1);

    /* Price and content together: the price now, the content to review, two versions. */
    e.price = 1500;
    strcpy(e.title, "Red shoe v2");
    assert_int_equal(product_apply_edit(p, &e, &o), 0);
    assert_int_equal(o.event_count, 2);
    assert_int_equal(o.events[0], EV_PRICE_CHANGED);
    assert_int_equal(o.events[1], EV_SUBMITTED);
    assert_int_equal(o.sequences[1], o.sequences[0] + 1);
    assert_int_equal(p->price, 1500);
    assert_string_equal(p->live.title, "Red shoe");

    /* The same values again change nothing. */
    assert_int_equal(product_apply_edit(p, &e, &o), 0);
    assert_int_equal(o.event_count, 0);
    assert_int_equal(o.changed, 0);
    free(p);
}

static void test_product_archive_is_final(void **state)
{
    (void)state;
    product_t *p = new_product();
    product_outcome_t o;
    assert_int_equal(product_approve(p, &o), 0);
    assert_int_equal(product_archive(p, &o), 0);
    assert_int_equal(o.events[0], EV_ARCHIVED);
    assert_false(product_is_public(p));
    assert_int_equal(product_archive(p, &o), 0);
    assert_int_equal(o.event_count, 0);
    product_edit_t e = edit_title("x");
    assert_int_equal(product_apply_edit(p, &e, &o), ERR_CONFLICT);
    assert_int_equal(product_approve(p, &o), ERR_CONFLICT);
    assert_int_equal(product_reject(p, "r", &o), ERR_CONFLICT);
    free(p);
}

static image_ref_t image(const char *id)
{
    image_ref_t r;
    memset(&r, 0, sizeof r);
    strcpy(r.id, id);
    snprintf(r.url, sizeof r.url, "http://gw/images/%s.png", id);
    return r;
}

static const char *IMG1 = "11111111-1111-4111-8111-111111111111";
static const char *IMG2 = "22222222-2222-4222-8222-222222222222";
static const char *IMG3 = "33333333-3333-4333-8333-333333333333";

static void test_product_images_add_remove_reorder(void **state)
{
    (void)state;
    product_t *p = new_product();
    product_outcome_t o;
    product_edit_t e;
    const char *ids[] = {IMG1, IMG2, IMG3};
    for (int i = 0; i < 3; i++) {
        image_ref_t r = image(ids[i]);
        assert_int_equal(product_image_add(p, &r, 3, &e), 0);
        assert_int_equal(product_apply_edit(p, &e, &o), 0);
    }
    assert_int_equal(p->live.images.count, 3);
    image_ref_t r = image("44444444-4444-4444-8444-444444444444");
    assert_int_equal(product_image_add(p, &r, 3, &e), ERR_CONFLICT);

    const char *order[] = {IMG3, IMG1, IMG2};
    assert_int_equal(product_image_reorder(p, order, 3, &e), 0);
    assert_int_equal(product_apply_edit(p, &e, &o), 0);
    assert_string_equal(p->live.images.items[0].id, IMG3);
    const char *dup[] = {IMG3, IMG3, IMG2};
    assert_int_equal(product_image_reorder(p, dup, 3, &e), ERR_INVALID);
    assert_int_equal(product_image_reorder(p, order, 2, &e), ERR_INVALID);

    assert_int_equal(product_image_remove(p, IMG1, &e), 0);
    assert_int_equal(product_apply_edit(p, &e, &o), 0);
    assert_int_equal(p->live.images.count, 2);
    assert_int_equal(product_image_remove(p, IMG1, &e), ERR_NOT_FOUND);

    /* Once approved, image edits wait in pending; the refs hold both lists. */
    assert_int_equal(product_approve(p, &o), 0);
    assert_int_equal(product_image_remove(p, IMG3, &e), 0);
    assert_int_equal(product_apply_edit(p, &e, &o), 0);
    assert_int_equal(p->live.images.count, 2);
    assert_int_equal(p->pending.images.count, 1);
    char refs[2 * PRODUCT_IMAGES_MAX][37];
    assert_int_equal(product_image_refs(p, refs), 2);
    assert_int_equal(product_approve(p, &o), 0);
    assert_int_equal(product_image_refs(p, refs), 1);
    assert_string_equal(refs[0], IMG2);
    free(p);
}

static void test_product_pending_json_round_trip(void **state)
{
    (void)state;
    product_t *p = new_product();
    product_outcome_t o;
    assert_int_equal(product_approve(p, &o), 0);
    product_edit_t e;
    image_ref_t r = image(IMG1);
    assert_int_equal(product_image_add(p, &r, 10, &e), 0);
    e.fields |= PF_DESCRIPTION;
    strcpy(e.description, "Soft \"leather\"\nline two");
    assert_int_equal(product_apply_edit(p, &e, &o), 0);
    cJSON *json = product_pending_json(p);
    assert_non_null(json);
    product_t *q = calloc(1, sizeof *q);
    assert_int_equal(product_pending_load(q, json), 0);
    assert_int_equal(q->pending_fields, PF_DESCRIPTION | PF_IMAGES);
    assert_string_equal(q->pending.description, "Soft \"leather\"\nline two");
    assert_string_equal(q->pending.images.items[0].id, IMG1);
    cJSON_Delete(json);
    cJSON *bad = cJSON_Parse("{\"images\":[{\"id\":\"x\",\"url\":\"u\"}]}");
    assert_int_equal(product_pending_load(q, bad), ERR_INVALID);
    cJSON_Delete(bad);
    free(q);
    free(p);
}

static const char *str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_product_views_hide_review_from_public(void **state)
{
    (void)state;
    product_t *p = new_product();
    product_outcome_t o;
    assert_int_equal(product_approve(p, &o), 0);
    product_edit_t e = edit_title("Blue shoe");
    assert_int_equal(product_apply_edit(p, &e, &o), 0);
    cJSON *pub = product_json(p, VIEW_PUBLIC);
    assert_string_equal(str(pub, "title"), "Red shoe");
    assert_string_equal(str(pub, "status"), "APPROVED");
    assert_null(cJSON_GetObjectItemCaseSensitive(pub, "pending_changes"));
    assert_null(cJSON_GetObjectItemCaseSensitive(pub, "review_status"));
    cJSON *own = product_json(p, VIEW_OWNER);
    assert_string_equal(str(own, "review_status"), "PENDING_APPROVAL");
    assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(own, "pending_changes"), "title"),
                        "Blue shoe");
    cJSON_Delete(pub);
    cJSON_Delete(own);
    free(p);
}

static void test_product_event_data_carries_snapshot(void **state)
{
    (void)state;
    product_t *p = new_product();
    product_outcome_t o;
    product_edit_t e;
    memset(&e, 0, sizeof e);
    e.fields = PF_PRICE;
    e.price = 3100;
    assert_int_equal(product_apply_edit(p, &e, &o), 0);
    cJSON *d = product_event_data(p, o.events[0], o.sequences[0], &o);
    assert_string_equal(str(d, "productId"), ID);
    assert_string_equal(str(d, "sellerId"), SELLER);
    assert_string_equal(str(d, "title"), "Red shoe");
    assert_string_equal(str(d, "category"), "shoes");
    assert_string_equal(str(d, "status"), "PENDING_APPROVAL");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(d, "price")->valuedouble, 3100);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(d, "oldPrice")->valuedouble, 2500);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(d, "version")->valuedouble, 2);
    assert_null(cJSON_GetObjectItemCaseSensitive(d, "reviewStatus"));
    cJSON_Delete(d);
    assert_int_equal(product_reject(p, "why not", &o), 0);
    d = product_event_data(p, EV_REJECTED, o.sequences[0], &o);
    assert_string_equal(str(d, "reason"), "why not");
    assert_string_equal(product_event_type(EV_REJECTED), "ProductRejected");
    assert_string_equal(product_event_schema(EV_REJECTED), "store.catalog.v1.ProductRejected");
    cJSON_Delete(d);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_product_create_parses_every_field),
        cmocka_unit_test(test_product_bad_fields_are_each_named),
        cmocka_unit_test(test_product_update_needs_one_field),
        cmocka_unit_test(test_product_category_slug_rules),
        cmocka_unit_test(test_product_approve_makes_public),
        cmocka_unit_test(test_product_reject_then_edit_resubmits),
        cmocka_unit_test(test_product_edit_pending_applies_directly),
        cmocka_unit_test(test_product_edit_of_approved_waits_for_review),
        cmocka_unit_test(test_product_edit_back_to_live_clears_review),
        cmocka_unit_test(test_product_price_applies_at_once),
        cmocka_unit_test(test_product_archive_is_final),
        cmocka_unit_test(test_product_images_add_remove_reorder),
        cmocka_unit_test(test_product_pending_json_round_trip),
        cmocka_unit_test(test_product_views_hide_review_from_public),
        cmocka_unit_test(test_product_event_data_carries_snapshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
