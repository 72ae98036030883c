/* test_catalog.c - the catalog through the gateway: a seller's product is invisible
 * until an admin approves it, then found by search; edits of a public product wait for
 * review while the public keeps the approved version; the events on catalog.events;
 * who may do what; and bad input that changes nothing. */
#include "catalog_support.h"

#include <pthread.h>

static char *admin, *seller, *other_seller, *customer;
static char seller_id[37];
static char root_cat[64], child_cat[64];

static int setup(void **state)
{
    (void)state;
    stack_load();
    admin = c_admin_token();
    seller = t_register_login("seller", seller_id);
    other_seller = t_register_login("seller", NULL);
    customer = t_register_login("customer", NULL);
    char w[32];
    c_unique_word(w, sizeof w, "home");
    snprintf(root_cat, sizeof root_cat, "%s", w);
    snprintf(child_cat, sizeof child_cat, "%s-lamps", w);
    c_category(admin, root_cat, "Home", NULL);
    c_category(admin, child_cat, "Lamps", root_cat);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(admin);
    free(seller);
    free(other_seller);
    free(customer);
    return 0;
}

typedef struct events_wait {
    const char *subject;
    const char *types[3];
    int want;
    cJSON *found; /* the records of those types, keyed */
} events_wait_t;

static bool events_seen(void *arg)
{
    events_wait_t *w = arg;
    cJSON_Delete(w->found);
    w->found = cJSON_CreateArray();
    cJSON *all = t_topic_read_records("catalog.events");
    const cJSON *rec;
    cJSON_ArrayForEach(rec, all)
    {
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(rec, "value");
        const char *s = c_str(ev, "subject"), *type = c_str(ev, "type");
        if (s == NULL || type == NULL || strcmp(s, w->subject) != 0)
            continue;
        for (int i = 0; i < 3 && w->types[i] != NULL; i++)
            if (strcmp(type, w->types[i]) == 0)
                cJSON_AddItemToArray(w->found, cJSON_Duplicate(rec, true));
    }
    cJSON_Delete(all);
    return cJSON_GetArraySize(w->found) >= w->want;
}

static void test_catalog_submit_approve_then_found(void **state)
{
    (void)state;
    char title_word[32], desc_word[32], title[128], desc[256], id[37], path[512], typo[32];
    c_unique_word(title_word, sizeof title_word, "lan");
    c_unique_word(desc_word, sizeof desc_word, "brass");
    snprintf(title, sizeof title, "Zephyr %s Lantern", title_word);
    snprintf(desc, sizeof desc, "Handmade %s lamp with a warm glow", desc_word);
    c_product(seller, title, desc, 450000, child_cat, id);

    /* Pending: not public by id, in lists or in search. */
    snprintf(path, sizeof path, "/products/%s", id);
    t_resp_t r;
    assert_int_equal(t_gw("GET", path, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/products?q=%s", desc_word);
    assert_false(c_listed(path, id));
    snprintf(path, sizeof path, "/products?category=%s&limit=100", child_cat);
    assert_false(c_listed(path, id));

    c_approve(admin, id);

    snprintf(path, sizeof path, "/products/%s", id);
    assert_int_equal(t_gw("GET", path, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(c_str(r.json, "title"), title);
    assert_string_equal(c_str(r.json, "status"), "APPROVED");
    assert_string_equal(c_str(r.json, "seller_id"), seller_id);
    assert_null(cJSON_GetObjectItemCaseSensitive(r.json, "pending_changes"));
    t_resp_free(&r);

    /* Found by a word of its description, a typo of its title, its parent category and
     * a price range (and not outside it). */
    snprintf(path, sizeof path, "/products?q=%s", desc_word);
    assert_true(c_listed(path, id));
    snprintf(typo, sizeof typo, "%s", title_word);
    memmove(typo + 4, typo + 5, strlen(typo + 5) + 1); /* one letter dropped */
    snprintf(path, sizeof path, "/products?q=%s", typo);
    assert_true(c_listed(path, id));
    snprintf(path, sizeof path, "/products?q=%.6s", title_word); /* a prefix */
    assert_true(c_listed(path, id));
    snprintf(path, sizeof path, "/products?category=%s&q=%s", root_cat, desc_word);
    assert_true(c_listed(path, id));
    snprintf(path, sizeof path, "/products?q=%s&min_price=400000&max_price=500000", desc_word);
    assert_true(c_listed(path, id));
    snprintf(path, sizeof path, "/products?q=%s&max_price=449999", desc_word);
    assert_false(c_listed(path, id));
    snprintf(path, sizeof path, "/products?q=%s&seller=%s", desc_word, seller_id);
    assert_true(c_listed(path, id));

    /* ProductSubmitted then ProductApproved, keyed by the product id. */
    events_wait_t w = {.subject = id, .types = {"ProductSubmitted", "ProductApproved"}, .want = 2};
    assert_true(t_wait_until(events_seen, &w, 15000));
    const cJSON *rec;
    int seen = 0;
    cJSON_ArrayForEach(rec, w.found)
    {
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(rec, "value");
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(ev, "data");
        assert_string_equal(c_str(rec, "key"), id);
        assert_string_equal(c_str(ev, "source"), "/services/catalog");
        assert_string_equal(c_str(data, "productId"), id);
        assert_string_equal(c_str(data, "sellerId"), seller_id);
        assert_string_equal(c_str(data, "category"), child_cat);
        assert_int_equal(c_num(data, "price"), 450000);
        bool submitted = strcmp(c_str(ev, "type"), "ProductSubmitted") == 0;
        assert_string_equal(c_str(data, "status"), submitted ? "PENDING_APPROVAL" : "APPROVED");
        assert_int_equal(c_num(ev, "sequence"), submitted ? 1 : 2);
        seen |= submitted ? 1 : 2;
    }
    assert_int_equal(seen, 3);
    cJSON_Delete(w.found);
}

/* The product's version and its events in the outbox, as one number. */
static long product_state(const char *id)
{
    return c_sql_long("SELECT (SELECT version FROM catalog.products WHERE id = $1) * 1000 + "
                      "(SELECT count(*) FROM catalog.outbox WHERE key = $1::text)",
                      id);
}

static void test_catalog_others_cannot_touch_it(void **state)
{
    (void)state;
    char id[37], path[256];
    c_product(seller, "Private draft lamp", "not yet public", 1000, child_cat, id);
    long before = product_state(id);
    t_resp_t r;

    /* Another seller: not found, whether editing, archiving or adding images. */
    snprintf(path, sizeof path, "/seller/products/%s", id);
    assert_int_equal(t_gw("PUT", path, other_seller, "{\"title\":\"Mine now\"}", &r), 0);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/seller/products/%s/archive", id);
    assert_int_equal(t_gw("PUT", path, other_seller, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);
    assert_int_equal(t_gw("GET", "/seller/products?limit=100", other_seller, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, id));
    t_resp_free(&r);
    /* The owner sees the draft. */
    assert_int_equal(t_gw("GET", "/seller/products?limit=100", seller, NULL, &r), 0);
    assert_non_null(strstr(r.body, id));
    t_resp_free(&r);

    /* A customer cannot create products; only admins approve or reject. */
    assert_int_equal(t_gw("POST", "/seller/products", customer,
                          "{\"title\":\"T\",\"description\":\"\",\"price\":1,\"currency\":\"NPR\","
                          "\"category\":\"x\"}",
                          &r),
                     0);
    assert_int_equal(r.status, 403);
    t_resp_free(&r);
    const char *not_admins[] = {seller, other_seller, customer};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "/admin/products/%s/approve", id);
        assert_int_equal(t_gw("PUT", path, not_admins[i], NULL, &r), 0);
        assert_int_equal(r.status, 403);
        t_resp_free(&r);
        snprintf(path, sizeof path, "/admin/products/%s/reject", id);
        assert_int_equal(t_gw("PUT", path, not_admins[i], "{\"reason\":\"no\"}", &r), 0);
        assert_int_equal(r.status, 403);
        t_resp_free(&r);
    }
    assert_int_equal(t_gw("GET", "/admin/products", seller, NULL, &r), 0);
    assert_int_equal(r.status, 403);
    t_resp_free(&r);
    assert_int_equal(t_gw("POST", "/seller/products", NULL, "{}", &r), 0);
    assert_int_equal(r.status, 401);
    t_resp_free(&r);

    /* The catalog checks roles itself, not only the gateway: straight to the service. */
    char url[256];
    char *base = c_catalog_url();
    snprintf(url, sizeof url, "%s/admin/products/%s/approve", base, id);
    free(base);
    assert_int_equal(t_http("PUT", url, seller, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 403);
    t_resp_free(&r);

    assert_int_equal(product_state(id), before);
    c_sql_is("SELECT status FROM catalog.products WHERE id = $1", id, "PENDING_APPROVAL");
}

/* The seller's products and their events, as one number (other tests run alongside, so
 * nothing global is counted). */
static long seller_state(void)
{
    return c_sql_long("SELECT (SELECT count(*) FROM catalog.products WHERE seller_id = $1) * "
                      "1000000 + (SELECT count(*) FROM catalog.outbox o JOIN catalog.products p "
                      "ON o.key = p.id::text WHERE p.seller_id = $1)",
                      seller_id);
}

static void test_catalog_bad_products_change_nothing(void **state)
{
    (void)state;
    char good_cat[96];
    snprintf(good_cat, sizeof good_cat, "\"category\":\"%s\"", child_cat);
    struct {
        const char *fields, *field;
    } cases[] = {
        {"\"title\":\"T\",\"description\":\"d\",\"price\":-5,\"currency\":\"NPR\",%s", "price"},
        {"\"title\":\"T\",\"description\":\"d\",\"price\":12.5,\"currency\":\"NPR\",%s", "price"},
        {"\"title\":\"T\",\"description\":\"d\",\"price\":\"100\",\"currency\":\"NPR\",%s",
         "price"},
        {"\"title\":\"\",\"description\":\"d\",\"price\":100,\"currency\":\"NPR\",%s", "title"},
        {"\"title\":\"T\",\"description\":\"d\",\"price\":100,\"currency\":\"NPR\","
         "\"category\":\"no-such-category-anywhere\"%.0s",
         "category"},
        {"\"title\":\"T\",\"description\":\"d\",\"price\":100,\"currency\":\"XX\",%s", "currency"},
        {"\"description\":\"d\",\"price\":100,\"currency\":\"NPR\",%s", "title"},
    };
    long before = seller_state();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char fields[512], body[600];
        snprintf(fields, sizeof fields, cases[i].fields, good_cat);
        snprintf(body, sizeof body, "{%s}", fields);
        t_resp_t r;
        assert_int_equal(t_gw("POST", "/seller/products", seller, body, &r), 0);
        if (r.status != 400 || !c_names_field(&r, cases[i].field))
            fail_msg("%s: %ld %s (should name %s)", body, r.status, r.body, cases[i].field);
        assert_string_equal(c_error_code(&r), "VALIDATION_FAILED");
        t_resp_free(&r);
    }
    t_resp_t r;
    assert_int_equal(t_gw("POST", "/seller/products", seller, "{\"title\": \"T\",", &r), 0);
    assert_int_equal(r.status, 400);
    assert_string_equal(c_error_code(&r), "MALFORMED_JSON");
    t_resp_free(&r);

    /* The same rules on an edit. */
    char id[37], path[128];
    c_product(seller, "Edit target", "x", 100, child_cat, id);
    before = seller_state();
    long version = product_state(id);
    snprintf(path, sizeof path, "/seller/products/%s", id);
    const char *edits[][2] = {{"{\"price\":-1}", "price"},
                              {"{\"price\":1.5}", "price"},
                              {"{\"title\":\"\"}", "title"},
                              {"{\"category\":\"no-such-category-anywhere\"}", "category"},
                              {"{\"status\":\"APPROVED\"}", "status"},
                              {"{}", "body"}};
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        assert_int_equal(t_gw("PUT", path, seller, edits[i][0], &r), 0);
        if (r.status != 400 || !c_names_field(&r, edits[i][1]))
            fail_msg("%s: %ld %s", edits[i][0], r.status, r.body);
        t_resp_free(&r);
    }
    assert_int_equal(seller_state(), before);
    assert_int_equal(product_state(id), version);
}

static char *item_with_id(const cJSON *list, const char *id)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(list, "items"))
    {
        if (strcmp(c_str(item, "id"), id) == 0)
            return cJSON_PrintUnformatted(item);
    }
    return NULL;
}

static void test_catalog_edit_waits_for_review_price_does_not(void **state)
{
    (void)state;
    char id[37], path[256], word[32], title[96];
    c_unique_word(word, sizeof word, "desk");
    snprintf(title, sizeof title, "Old %s lamp", word);
    c_product(seller, title, "steady", 2000, child_cat, id);
    c_approve(admin, id);

    /* A title edit: the public keeps the approved title; the seller sees the pending one. */
    snprintf(path, sizeof path, "/seller/products/%s", id);
    t_resp_t r;
    assert_int_equal(t_gw("PUT", path, seller, "{\"title\":\"Shiny new lamp\"}", &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(c_str(r.json, "status"), "APPROVED");
    assert_string_equal(c_str(r.json, "review_status"), "PENDING_APPROVAL");
    assert_string_equal(c_str(cJSON_GetObjectItemCaseSensitive(r.json, "pending_changes"), "title"),
                        "Shiny new lamp");
    t_resp_free(&r);
    snprintf(path, sizeof path, "/products/%s", id);
    assert_int_equal(t_gw("GET", path, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(c_str(r.json, "title"), title);
    t_resp_free(&r);

    /* It is in the admins' review queue. */
    bool queued = false;
    char *cursor = NULL;
    do {
        char qpath[512];
        snprintf(qpath, sizeof qpath, "/admin/products?status=PENDING_APPROVAL&limit=100%s%s",
                 cursor ? "&cursor=" : "", cursor ? cursor : "");
        free(cursor);
        cursor = NULL;
        assert_int_equal(t_gw("GET", qpath, admin, NULL, &r), 0);
        assert_int_equal(r.status, 200);
        char *item = item_with_id(r.json, id);
        queued = queued || item != NULL;
        free(item);
        const char *next = c_str(r.json, "next_cursor");
        cursor = next ? strdup(next) : NULL;
        t_resp_free(&r);
    } while (cursor != NULL && !queued);
    free(cursor);
    assert_true(queued);

    /* A price edit applies at once and is published. */
    snprintf(path, sizeof path, "/seller/products/%s", id);
    assert_int_equal(t_gw("PUT", path, seller, "{\"price\":1750}", &r), 0);
    assert_int_equal(r.status, 200);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/products/%s", id);
    assert_int_equal(t_gw("GET", path, NULL, NULL, &r), 0);
    assert_int_equal(c_num(r.json, "price"), 1750);
    assert_string_equal(c_str(r.json, "title"), title);
    t_resp_free(&r);
    events_wait_t w = {.subject = id, .types = {"ProductPriceChanged"}, .want = 1};
    assert_true(t_wait_until(events_seen, &w, 15000));
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(w.found, 0), "value"), "data");
    assert_int_equal(c_num(data, "oldPrice"), 2000);
    assert_int_equal(c_num(data, "price"), 1750);
    cJSON_Delete(w.found);

    /* Rejected: the seller reads the reason; the public still has the old title. */
    snprintf(path, sizeof path, "/admin/products/%s/reject", id);
    c_admin_do(admin, "PUT", path, "{\"reason\":\"The new title overpromises\"}", 200);
    assert_int_equal(t_gw("GET", "/seller/products?limit=100", seller, NULL, &r), 0);
    char *mine = item_with_id(r.json, id);
    assert_non_null(mine);
    assert_non_null(strstr(mine, "\"rejection_reason\":\"The new title overpromises\""));
    assert_non_null(strstr(mine, "\"review_status\":\"REJECTED\""));
    free(mine);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/products/%s", id);
    assert_int_equal(t_gw("GET", path, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(c_str(r.json, "title"), title);
    t_resp_free(&r);

    /* Fixed and approved: now the public sees it. A second approve has nothing to do. */
    snprintf(path, sizeof path, "/seller/products/%s", id);
    assert_int_equal(t_gw("PUT", path, seller, "{\"title\":\"Modest new lamp\"}", &r), 0);
    assert_int_equal(r.status, 200);
    t_resp_free(&r);
    c_approve(admin, id);
    snprintf(path, sizeof path, "/admin/products/%s/approve", id);
    c_admin_do(admin, "PUT", path, NULL, 409);
    snprintf(path, sizeof path, "/products/%s", id);
    assert_int_equal(t_gw("GET", path, NULL, NULL, &r), 0);
    assert_string_equal(c_str(r.json, "title"), "Modest new lamp");
    t_resp_free(&r);

    /* Archived: gone for the public, and final. */
    snprintf(path, sizeof path, "/seller/products/%s/archive", id);
    assert_int_equal(t_gw("PUT", path, seller, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(c_str(r.json, "status"), "ARCHIVED");
    t_resp_free(&r);
    snprintf(path, sizeof path, "/products/%s", id);
    assert_int_equal(t_gw("GET", path, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/seller/products/%s", id);
    assert_int_equal(t_gw("PUT", path, seller, "{\"price\":5}", &r), 0);
    assert_int_equal(r.status, 409);
    assert_string_equal(c_error_code(&r), "PRODUCT_ARCHIVED");
    t_resp_free(&r);
    events_wait_t a = {.subject = id, .types = {"ProductArchived", "ProductRejected"}, .want = 2};
    assert_true(t_wait_until(events_seen, &a, 15000));
    cJSON_Delete(a.found);
}

static void test_catalog_reject_new_product_and_resubmit(void **state)
{
    (void)state;
    char id[37], path[256];
    c_product(seller, "Blurry lamp", "photo is bad", 900, child_cat, id);
    snprintf(path, sizeof path, "/admin/products/%s/reject", id);
    t_resp_t r;
    assert_int_equal(t_gw("PUT", path, admin, "{}", &r), 0);
    assert_int_equal(r.status, 400);
    assert_true(c_names_field(&r, "reason"));
    t_resp_free(&r);
    c_admin_do(admin, "PUT", path, "{\"reason\":\"Use a sharper title\"}", 200);
    c_sql_is("SELECT status FROM catalog.products WHERE id = $1", id, "REJECTED");
    snprintf(path, sizeof path, "/seller/products/%s", id);
    assert_int_equal(t_gw("PUT", path, seller, "{\"title\":\"Sharp lamp\"}", &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(c_str(r.json, "status"), "PENDING_APPROVAL");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r.json, "rejection_reason")));
    t_resp_free(&r);
    /* Unknown products are 404 for admins too. */
    c_admin_do(admin, "PUT", "/admin/products/00000000-0000-4000-8000-000000000000/approve", NULL,
               404);
    c_admin_do(admin, "PUT", "/admin/products/not-a-uuid/approve", NULL, 404);
}

static void test_catalog_categories(void **state)
{
    (void)state;
    char slug[64];
    c_unique_word(slug, sizeof slug, "garden");
    t_resp_t r;
    char body[256];
    snprintf(body, sizeof body, "{\"slug\":\"%s\",\"name\":\"Garden\"}", slug);
    assert_int_equal(t_gw("POST", "/admin/categories", seller, body, &r), 0);
    assert_int_equal(r.status, 403);
    t_resp_free(&r);
    c_category(admin, slug, "Garden", NULL);
    assert_int_equal(t_gw("POST", "/admin/categories", admin, body, &r), 0);
    assert_int_equal(r.status, 409);
    assert_string_equal(c_error_code(&r), "CATEGORY_EXISTS");
    t_resp_free(&r);
    snprintf(body, sizeof body, "{\"slug\":\"%s-x\",\"name\":\"X\",\"parent\":\"nope-%s\"}", slug,
             slug);
    assert_int_equal(t_gw("POST", "/admin/categories", admin, body, &r), 0);
    assert_int_equal(r.status, 400);
    assert_true(c_names_field(&r, "parent"));
    t_resp_free(&r);
    assert_int_equal(
        t_gw("POST", "/admin/categories", admin, "{\"slug\":\"Bad Slug\",\"name\":\"\"}", &r), 0);
    assert_int_equal(r.status, 400);
    assert_true(c_names_field(&r, "slug"));
    assert_true(c_names_field(&r, "name"));
    t_resp_free(&r);
    assert_int_equal(t_gw("GET", "/categories", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    char want[192];
    snprintf(want, sizeof want, "\"path\":\"%s/%s\"", root_cat, child_cat);
    assert_non_null(strstr(r.body, want));
    t_resp_free(&r);
}

static void test_catalog_internal_routes(void **state)
{
    (void)state;
    char id[37], url[512], body[256];
    c_product(seller, "Internal lamp", "for checkout", 3300, child_cat, id);
    char *base = c_catalog_url();
    char token_header[128];
    snprintf(token_header, sizeof token_header, "X-Service-Token: %s", stack_get("SERVICE_TOKEN"));
    const char *headers[] = {token_header, NULL};
    t_resp_t r;

    snprintf(url, sizeof url, "%s/internal/products/%s", base, id);
    assert_int_equal(t_http("GET", url, NULL, NULL, headers, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(c_str(r.json, "id"), id);
    assert_string_equal(c_str(r.json, "seller_id"), seller_id);
    assert_string_equal(c_str(r.json, "status"), "PENDING_APPROVAL");
    assert_int_equal(c_num(r.json, "price"), 3300);
    assert_string_equal(c_str(r.json, "currency"), "NPR");
    assert_string_equal(c_str(r.json, "category"), child_cat);
    assert_int_equal(c_num(r.json, "version"), 1);
    assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(r.json, "in_stock")));
    t_resp_free(&r);
    assert_int_equal(t_http("GET", url, NULL, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 401);
    t_resp_free(&r);

    snprintf(url, sizeof url, "%s/internal/products/batch", base);
    snprintf(body, sizeof body, "{\"ids\":[\"%s\",\"00000000-0000-4000-8000-000000000000\"]}", id);
    assert_int_equal(t_http("POST", url, NULL, body, headers, &r), 0);
    assert_int_equal(r.status, 200);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    assert_string_equal(c_str(cJSON_GetArrayItem(items, 0), "id"), id);
    t_resp_free(&r);
    assert_int_equal(t_http("POST", url, NULL, "{\"ids\":[\"x\"]}", headers, &r), 0);
    assert_int_equal(r.status, 400);
    assert_true(c_names_field(&r, "ids"));
    t_resp_free(&r);

    /* Never through the gateway. */
    snprintf(url, sizeof url, "/internal/products/%s", id);
    assert_int_equal(t_gw("GET", url, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);
    free(base);
}

typedef struct approver {
    const char *path;
    long status;
} approver_t;

static void *approve_once(void *arg)
{
    approver_t *a = arg;
    t_resp_t r;
    if (t_gw("PUT", a->path, admin, NULL, &r) == 0)
        a->status = r.status;
    t_resp_free(&r);
    return NULL;
}

typedef struct count_wait {
    const char *subject;
    int count;
} count_wait_t;

static bool approved_events(void *arg)
{
    count_wait_t *w = arg;
    w->count = t_topic_count("catalog.events", "ProductApproved", w->subject);
    return w->count > 0;
}

/* Several admins approving at once: one wins, the others are told there is nothing left
 * to review, and exactly one ProductApproved is published. */
static void test_catalog_concurrent_approvals_publish_once(void **state)
{
    (void)state;
    char id[37], path[128];
    c_product(seller, "Contested lamp", "everyone approves", 1200, child_cat, id);
    snprintf(path, sizeof path, "/admin/products/%s/approve", id);
    enum { RACERS = 4 };
    pthread_t threads[RACERS];
    approver_t racers[RACERS];
    for (int i = 0; i < RACERS; i++) {
        racers[i] = (approver_t){.path = path};
        assert_int_equal(pthread_create(&threads[i], NULL, approve_once, &racers[i]), 0);
    }
    int ok = 0, conflict = 0;
    for (int i = 0; i < RACERS; i++) {
        pthread_join(threads[i], NULL);
        ok += racers[i].status == 200;
        conflict += racers[i].status == 409;
    }
    assert_int_equal(ok, 1);
    assert_int_equal(conflict, RACERS - 1);
    c_sql_is("SELECT version FROM catalog.products WHERE id = $1", id, "2");
    count_wait_t w = {.subject = id};
    assert_true(t_wait_until(approved_events, &w, 15000));
    assert_int_equal(w.count, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog_submit_approve_then_found),
        cmocka_unit_test(test_catalog_others_cannot_touch_it),
        cmocka_unit_test(test_catalog_bad_products_change_nothing),
        cmocka_unit_test(test_catalog_edit_waits_for_review_price_does_not),
        cmocka_unit_test(test_catalog_reject_new_product_and_resubmit),
        cmocka_unit_test(test_catalog_categories),
        cmocka_unit_test(test_catalog_internal_routes),
        cmocka_unit_test(test_catalog_concurrent_approvals_publish_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
