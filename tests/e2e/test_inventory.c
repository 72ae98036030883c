/* test_inventory.c - inventory against the stack: SKUs through the gateway (creation
 * checked against the real catalog, adjustments, counts, the ledger, public
 * availability), reservations through inventory's internal routes (all or nothing,
 * idempotent, commit/release state machine, expiry by the sweep, the last-units race),
 * the events on inventory.events, and every refusal changing nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* Shared by every test: two sellers (each with a product), a customer, the admin. */
static char *seller_token, *other_token, *customer_token, *admin_token;
static char seller_id[37], other_id[37];
static char product_id[37], other_product_id[37];
static char inventory_url[256];
static char service_header[160];
static PGconn *db;

/* ---- small helpers ------------------------------------------------------------------ */

static const char *str(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static long num(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsNumber(v))
        fail_msg("%s is not a number", name);
    return (long)v->valuedouble;
}

static const char *error_code(const t_resp_t *r)
{
    return str(cJSON_GetObjectItemCaseSensitive(r->json, "error"), "code");
}

static const cJSON *error_details(const t_resp_t *r)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r->json, "error"),
                                            "details");
}

/* A SKU code no other test run has used. */
static void unique_sku(char *buf, size_t len, const char *prefix)
{
    static int n;
    char unique[96];
    t_unique_email(unique, sizeof unique, "x"); /* "x-<pid>-<time>-<n>@example.com" */
    unique[strcspn(unique, "@")] = '\0';
    assert_true(snprintf(buf, len, "%s-%s-%d", prefix, unique + 2, ++n) < (int)len);
    for (char *p = buf; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '.' || *p == '_'))
            *p = '-';
}

static void new_uuid(char out[37])
{
    char *v = t_sql_value(db, "SELECT gen_random_uuid()::text", 0, NULL);
    snprintf(out, 37, "%s", v);
    free(v);
}

/* A product of the seller whose token is given, created in the real catalog. */
static void new_product(const char *token, char out[37])
{
    static int n;
    char body[512];
    t_resp_t r;
    snprintf(body, sizeof body,
             "{\"title\":\"Inventory test tee %d\",\"description\":\"A cotton tee\","
             "\"price\":149900,\"currency\":\"NPR\",\"category\":\"%s\"}",
             ++n, getenv("INVENTORY_TEST_CATEGORY"));
    assert_int_equal(t_gw("POST", "/seller/products", token, body, &r), 0);
    if (r.status != 201)
        fail_msg("product creation: %ld %s", r.status, r.body);
    snprintf(out, 37, "%s", str(r.json, "id"));
    t_resp_free(&r);
}

/* POST /seller/products/:id/inventory; returns the status, the response in *r. */
static long create_sku(const char *token, const char *product, const char *body, t_resp_t *r)
{
    char path[256];
    snprintf(path, sizeof path, "/seller/products/%s/inventory", product);
    assert_int_equal(t_gw("POST", path, token, body, r), 0);
    return r->status;
}

/* Creates a SKU of product_id with quantity units; fails the test otherwise. */
static void stocked_sku(const char *prefix, long quantity, char *sku, size_t len)
{
    char body[256];
    t_resp_t r;
    unique_sku(sku, len, prefix);
    snprintf(body, sizeof body, "{\"sku\":\"%s\",\"quantity\":%ld}", sku, quantity);
    if (create_sku(seller_token, product_id, body, &r) != 201)
        fail_msg("SKU creation: %ld %s", r.status, r.body);
    t_resp_free(&r);
}

static long patch_sku(const char *token, const char *sku, const char *body, t_resp_t *r)
{
    char path[256];
    snprintf(path, sizeof path, "/inventory/%s", sku);
    assert_int_equal(t_gw("PATCH", path, token, body, r), 0);
    return r->status;
}

/* A call to inventory's own internal routes, with the service credential. */
static long internal(const char *method, const char *path, const char *body, t_resp_t *r)
{
    char url[512];
    const char *headers[] = {service_header, NULL};
    assert_true(snprintf(url, sizeof url, "%s%s", inventory_url, path) < (int)sizeof url);
    if (t_http(method, url, NULL, body, headers, r) != 0)
        return -1;
    return r->status;
}

static long reserve(const char *order_id, const char *lines, const char *extra, t_resp_t *r)
{
    char body[2048];
    snprintf(body, sizeof body, "{\"order_id\":\"%s\",\"lines\":%s%s}", order_id, lines,
             extra != NULL ? extra : "");
    return internal("POST", "/internal/reservations", body, r);
}

static long finish(const char *order_id, const char *action, const char *body, t_resp_t *r)
{
    char path[256];
    snprintf(path, sizeof path, "/internal/reservations/%s/%s", order_id, action);
    return internal("POST", path, body, r);
}

typedef struct counts {
    long on_hand, reserved, ledger_rows, ledger_on_hand, ledger_reserved;
} counts_t;

/* The SKU's counts in the database and the sums of its ledger. */
static counts_t counts_of(const char *sku)
{
    const char *p[] = {sku};
    counts_t c;
    char *v = t_sql_value(
        db, "SELECT on_hand || ' ' || reserved FROM inventory.skus WHERE sku = $1", 1, p);
    assert_non_null(v);
    assert_int_equal(sscanf(v, "%ld %ld", &c.on_hand, &c.reserved), 2);
    free(v);
    v = t_sql_value(db,
                    "SELECT count(*) || ' ' || coalesce(sum(on_hand_delta), 0) || ' ' || "
                    "coalesce(sum(reserved_delta), 0) FROM inventory.ledger WHERE sku = $1",
                    1, p);
    assert_int_equal(
        sscanf(v, "%ld %ld %ld", &c.ledger_rows, &c.ledger_on_hand, &c.ledger_reserved), 3);
    free(v);
    return c;
}

/* The ledger always explains the counts. */
static void assert_ledger_agrees(const char *sku)
{
    counts_t c = counts_of(sku);
    assert_int_equal(c.ledger_on_hand, c.on_hand);
    assert_int_equal(c.ledger_reserved, c.reserved);
}

static void assert_counts_equal(counts_t a, counts_t b)
{
    assert_int_equal(a.on_hand, b.on_hand);
    assert_int_equal(a.reserved, b.reserved);
    assert_int_equal(a.ledger_rows, b.ledger_rows);
}

static long sku_count_of_product(const char *product)
{
    const char *p[] = {product};
    char *v = t_sql_value(db, "SELECT count(*) FROM inventory.skus WHERE product_id = $1", 1, p);
    long n = atol(v);
    free(v);
    return n;
}

typedef struct event_wait {
    const char *type;
    const char *subject;
    int want;
    int count;
} event_wait_t;

static bool events_seen(void *arg)
{
    event_wait_t *w = arg;
    w->count = t_topic_count("inventory.events", w->type, w->subject);
    return w->count >= w->want;
}

/* Waits until type events about subject number at least want; returns how many. */
static int wait_events(const char *type, const char *subject, int want)
{
    event_wait_t w = {type, subject, want, 0};
    if (!t_wait_until(events_seen, &w, 20000))
        fail_msg("%d %s events for %s, expected %d", w.count, type, subject, want);
    return w.count;
}

/* The data of the events of type about subject, in topic order (caller deletes). */
static cJSON *event_data(const char *type, const char *subject)
{
    cJSON *all = t_topic_read_all("inventory.events");
    cJSON *out = cJSON_CreateArray();
    const cJSON *ev;
    cJSON_ArrayForEach(ev, all)
    {
        const char *t = str(ev, "type"), *s = str(ev, "subject");
        if (t != NULL && s != NULL && strcmp(t, type) == 0 && strcmp(s, subject) == 0)
            cJSON_AddItemToArray(out, cJSON_Duplicate(ev, true));
    }
    cJSON_Delete(all);
    return out;
}

/* ---- setup ---------------------------------------------------------------------------- */

/* The catalog needs a category for products; the admin makes one per run. */
static void make_category(void)
{
    static char slug[64];
    char email[128], body[256];
    t_unique_email(email, sizeof email, "cat");
    email[strcspn(email, "@")] = '\0';
    snprintf(slug, sizeof slug, "inv-%.56s", email + 4);
    for (char *p = slug; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            *p = '-';
    snprintf(body, sizeof body, "{\"slug\":\"%s\",\"name\":\"Inventory tests\"}", slug);
    t_resp_t r;
    assert_int_equal(t_gw("POST", "/admin/categories", admin_token, body, &r), 0);
    if (r.status != 201)
        fail_msg("category creation: %ld %s", r.status, r.body);
    t_resp_free(&r);
    setenv("INVENTORY_TEST_CATEGORY", slug, 1);
}

static int setup(void **state)
{
    (void)state;
    db = t_db();
    snprintf(inventory_url, sizeof inventory_url, "%s", stack_get("INVENTORY_URLS"));
    inventory_url[strcspn(inventory_url, ",")] = '\0';
    snprintf(service_header, sizeof service_header, "X-Service-Token: %s",
             stack_get("SERVICE_TOKEN"));
    admin_token = t_login(stack_get("ADMIN_EMAIL"), stack_get("ADMIN_PASSWORD"));
    seller_token = t_register_login("seller", seller_id);
    other_token = t_register_login("seller", other_id);
    customer_token = t_register_login("customer", NULL);
    if (admin_token == NULL || seller_token == NULL || other_token == NULL ||
        customer_token == NULL)
        return -1;
    make_category();
    new_product(seller_token, product_id);
    new_product(other_token, other_product_id);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(seller_token);
    free(other_token);
    free(customer_token);
    free(admin_token);
    PQfinish(db);
    return 0;
}

/* ---- SKUs ----------------------------------------------------------------------------- */

static void test_inventory_sku_create_adjust_read_and_events(void **state)
{
    (void)state;
    char sku[96], body[512], path[256];
    t_resp_t r;
    unique_sku(sku, sizeof sku, "TEE-RED-M");
    snprintf(body, sizeof body,
             "{\"sku\":\"%s\",\"quantity\":10,\"attributes\":{\"size\":\"M\",\"colour\":\"red\"}}",
             sku);
    assert_int_equal(create_sku(seller_token, product_id, body, &r), 201);
    assert_string_equal(str(r.json, "sku"), sku);
    assert_string_equal(str(r.json, "product_id"), product_id);
    assert_int_equal(num(r.json, "on_hand"), 10);
    assert_int_equal(num(r.json, "reserved"), 0);
    assert_int_equal(num(r.json, "available"), 10);
    assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(r.json, "attributes"), "size"), "M");
    t_resp_free(&r);

    /* Up by a delta, down to a set count, and an admin may adjust too. */
    assert_int_equal(patch_sku(seller_token, sku, "{\"delta\":5}", &r), 200);
    assert_int_equal(num(r.json, "on_hand"), 15);
    t_resp_free(&r);
    assert_int_equal(patch_sku(seller_token, sku, "{\"on_hand\":4}", &r), 200);
    assert_int_equal(num(r.json, "on_hand"), 4);
    assert_int_equal(num(r.json, "available"), 4);
    t_resp_free(&r);
    assert_int_equal(patch_sku(admin_token, sku, "{\"delta\":-1}", &r), 200);
    assert_int_equal(num(r.json, "on_hand"), 3);
    t_resp_free(&r);
    /* Setting the count it already has changes nothing and publishes nothing. */
    assert_int_equal(patch_sku(seller_token, sku, "{\"on_hand\":3}", &r), 200);
    t_resp_free(&r);

    snprintf(path, sizeof path, "/inventory/%s", sku);
    assert_int_equal(t_gw("GET", path, seller_token, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(num(r.json, "on_hand"), 3);
    assert_int_equal(num(r.json, "reserved"), 0);
    assert_int_equal(num(r.json, "available"), 3);
    assert_string_equal(str(r.json, "product_id"), product_id);
    t_resp_free(&r);
    assert_int_equal(t_gw("GET", path, admin_token, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    t_resp_free(&r);

    counts_t c = counts_of(sku);
    assert_int_equal(c.on_hand, 3);
    assert_int_equal(c.ledger_rows, 4); /* created + three adjustments */
    assert_ledger_agrees(sku);

    /* Events keyed by the SKU, with the counts after each change. */
    assert_int_equal(wait_events("SkuCreated", sku, 1), 1);
    assert_int_equal(wait_events("StockAdjusted", sku, 3), 3);
    assert_int_equal(wait_events("BackInStock", sku, 1), 1);
    cJSON *created = event_data("SkuCreated", sku);
    const cJSON *ev = cJSON_GetArrayItem(created, 0);
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(ev, "data");
    assert_string_equal(str(ev, "source"), "/services/inventory");
    assert_string_equal(str(ev, "dataschema"), "store.inventory.v1.SkuCreated");
    assert_int_equal(num(ev, "sequence"), 1);
    assert_string_equal(str(data, "productId"), product_id);
    assert_string_equal(str(data, "sellerId"), seller_id);
    assert_int_equal(num(data, "onHand"), 10);
    assert_int_equal(num(data, "available"), 10);
    assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(data, "attributes"), "colour"), "red");
    cJSON_Delete(created);
    cJSON *adjusted = event_data("StockAdjusted", sku);
    data = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(adjusted, 2), "data");
    assert_int_equal(num(data, "onHand"), 3);
    assert_int_equal(num(data, "delta"), -1);
    assert_int_equal(num(data, "previousOnHand"), 4);
    /* Sequences grow per SKU: SkuCreated 1, BackInStock 2, then 3, 4, 5. */
    assert_int_equal(num(cJSON_GetArrayItem(adjusted, 0), "sequence"), 3);
    assert_int_equal(num(cJSON_GetArrayItem(adjusted, 2), "sequence"), 5);
    cJSON_Delete(adjusted);
}

static void test_inventory_ledger_pages_for_its_seller(void **state)
{
    (void)state;
    char sku[96], path[256], next[32] = "";
    t_resp_t r;
    stocked_sku("LEDGER", 1, sku, sizeof sku);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(patch_sku(seller_token, sku, "{\"delta\":2}", &r), 200);
        t_resp_free(&r);
    }
    /* Five movements, newest first, two per page. */
    long seen = 0, sum = 0;
    const char *kinds_last = NULL;
    for (int page = 0; page < 3; page++) {
        if (page == 0)
            snprintf(path, sizeof path, "/inventory/%s/ledger?limit=2", sku);
        else
            snprintf(path, sizeof path, "/inventory/%s/ledger?limit=2&cursor=%s", sku, next);
        assert_int_equal(t_gw("GET", path, seller_token, NULL, &r), 0);
        assert_int_equal(r.status, 200);
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
        assert_int_equal(cJSON_GetArraySize(items), page < 2 ? 2 : 1);
        const cJSON *it;
        cJSON_ArrayForEach(it, items)
        {
            seen++;
            sum += num(it, "on_hand_delta");
            kinds_last = str(it, "kind");
            if (strcmp(kinds_last, "adjusted") == 0)
                assert_string_equal(str(it, "actor"), seller_id);
        }
        assert_string_equal(kinds_last, page < 2 ? "adjusted" : "created");
        const cJSON *nc = cJSON_GetObjectItemCaseSensitive(r.json, "next_cursor");
        if (page < 2) {
            assert_true(cJSON_IsString(nc));
            snprintf(next, sizeof next, "%s", nc->valuestring);
        } else {
            assert_true(cJSON_IsNull(nc));
        }
        t_resp_free(&r);
    }
    assert_int_equal(seen, 5);
    assert_int_equal(sum, 9);

    /* Another seller sees neither the SKU nor its ledger; bad paging is a 400. */
    snprintf(path, sizeof path, "/inventory/%s/ledger", sku);
    assert_int_equal(t_gw("GET", path, other_token, NULL, &r), 0);
    assert_int_equal(r.status, 403);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/inventory/%s/ledger?limit=0", sku);
    assert_int_equal(t_gw("GET", path, seller_token, NULL, &r), 0);
    assert_int_equal(r.status, 400);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/inventory/%s/ledger?cursor=abc", sku);
    assert_int_equal(t_gw("GET", path, seller_token, NULL, &r), 0);
    assert_int_equal(r.status, 400);
    t_resp_free(&r);
    assert_int_equal(t_gw("GET", "/inventory/NO-SUCH-SKU-XYZ/ledger", seller_token, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);
}

static bool has_count_field(const cJSON *node)
{
    if (node == NULL)
        return false;
    if (node->string != NULL &&
        (strcmp(node->string, "on_hand") == 0 || strcmp(node->string, "available") == 0 ||
         strcmp(node->string, "reserved") == 0))
        return true;
    for (const cJSON *c = node->child; c != NULL; c = c->next)
        if (has_count_field(c))
            return true;
    return false;
}

static void test_inventory_public_availability_without_counts(void **state)
{
    (void)state;
    char product[37], sku_a[96], sku_b[96], body[256], path[256];
    t_resp_t r;
    new_product(seller_token, product);
    snprintf(path, sizeof path, "/products/%s/availability", product);
    /* No SKUs yet: not in stock. */
    assert_int_equal(t_gw("GET", path, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r.json, "in_stock")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "skus")), 0);
    t_resp_free(&r);

    unique_sku(sku_a, sizeof sku_a, "AV-S");
    unique_sku(sku_b, sizeof sku_b, "AV-L");
    snprintf(body, sizeof body, "{\"sku\":\"%s\",\"quantity\":0,\"attributes\":{\"size\":\"S\"}}",
             sku_a);
    assert_int_equal(create_sku(seller_token, product, body, &r), 201);
    t_resp_free(&r);
    assert_int_equal(t_gw("GET", path, NULL, NULL, &r), 0);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r.json, "in_stock")));
    t_resp_free(&r);
    snprintf(body, sizeof body, "{\"sku\":\"%s\",\"quantity\":2}", sku_b);
    assert_int_equal(create_sku(seller_token, product, body, &r), 201);
    t_resp_free(&r);

    assert_int_equal(t_gw("GET", path, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(str(r.json, "product_id"), product);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "in_stock")));
    const cJSON *skus = cJSON_GetObjectItemCaseSensitive(r.json, "skus");
    assert_int_equal(cJSON_GetArraySize(skus), 2);
    const cJSON *s;
    cJSON_ArrayForEach(s, skus)
    {
        bool is_a = strcmp(str(s, "sku"), sku_a) == 0;
        assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(s, "in_stock")));
        assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "in_stock")) == !is_a);
        assert_true(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(s, "attributes")));
    }
    assert_false(has_count_field(r.json));
    t_resp_free(&r);

    /* Not a product id at all: 404. */
    assert_int_equal(t_gw("GET", "/products/not-a-uuid/availability", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);
}

static void test_inventory_create_refusals_change_nothing(void **state)
{
    (void)state;
    char product[37], sku[96], body[512], missing[37];
    t_resp_t r;
    new_product(seller_token, product);
    unique_sku(sku, sizeof sku, "REFUSE");

    struct {
        const char *body;
        const char *field;
    } bad[] = {
        {"{\"sku\":\"%s\",\"quantity\":-1}", "quantity"},
        {"{\"sku\":\"%s\",\"quantity\":1.5}", "quantity"},
        {"{\"sku\":\"%s\",\"quantity\":\"5\"}", "quantity"},
        {"{\"sku\":\"%s\",\"quantity\":true}", "quantity"},
        {"{\"sku\":\"%s\"}", "quantity"},
        {"{\"sku\":\"%s\",\"quantity\":1000000001}", "quantity"},
        {"{\"sku\":\"%s\",\"quantity\":1,\"attributes\":[\"M\"]}", "attributes"},
        {"{\"sku\":\"%s\",\"quantity\":1,\"attributes\":{\"size\":3}}", "attributes"},
        {"{\"sku\":\"bad code %s\",\"quantity\":1}", "sku"},
        {"{\"sku\":7,\"quantity\":1,\"x\":\"%s\"}", "sku"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(body, sizeof body, bad[i].body, sku);
        assert_int_equal(create_sku(seller_token, product, body, &r), 400);
        assert_string_equal(error_code(&r), "VALIDATION_FAILED");
        const cJSON *fields = cJSON_GetObjectItemCaseSensitive(error_details(&r), "fields");
        if (cJSON_GetObjectItemCaseSensitive(fields, bad[i].field) == NULL)
            fail_msg("%s: no failure named %s in %s", body, bad[i].field, r.body);
        t_resp_free(&r);
    }
    assert_int_equal(create_sku(seller_token, product, "{\"sku\":", &r), 400);
    assert_string_equal(error_code(&r), "MALFORMED_JSON");
    t_resp_free(&r);

    snprintf(body, sizeof body, "{\"sku\":\"%s\",\"quantity\":3}", sku);
    /* Another seller's product, an unknown product, the wrong roles, no token. */
    assert_int_equal(create_sku(other_token, product, body, &r), 403);
    t_resp_free(&r);
    new_uuid(missing);
    assert_int_equal(create_sku(seller_token, missing, body, &r), 404);
    t_resp_free(&r);
    assert_int_equal(create_sku(customer_token, product, body, &r), 403);
    t_resp_free(&r);
    assert_int_equal(create_sku(admin_token, product, body, &r), 403);
    t_resp_free(&r);
    assert_int_equal(create_sku(NULL, product, body, &r), 401);
    t_resp_free(&r);
    /* The catalog still has the product pending approval, which is no obstacle (sellers
     * stock before approval, below), but an archived product takes no new SKUs. */
    char archived[37], path[128];
    new_product(seller_token, archived);
    snprintf(path, sizeof path, "/seller/products/%s/archive", archived);
    assert_int_equal(t_gw("PUT", path, seller_token, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    t_resp_free(&r);
    assert_int_equal(create_sku(seller_token, archived, body, &r), 409);
    assert_string_equal(error_code(&r), "PRODUCT_ARCHIVED");
    t_resp_free(&r);
    assert_int_equal(sku_count_of_product(product), 0);
    assert_int_equal(sku_count_of_product(missing), 0);
    assert_int_equal(sku_count_of_product(archived), 0);
    const char *pp[] = {product};
    char *status = t_sql_value(db, "SELECT status FROM catalog.products WHERE id = $1", 1, pp);
    assert_string_equal(status, "PENDING_APPROVAL");
    free(status);

    /* The code is unique across the store: a second use is a 409, for anyone. */
    assert_int_equal(create_sku(seller_token, product, body, &r), 201);
    t_resp_free(&r);
    counts_t before = counts_of(sku);
    snprintf(body, sizeof body, "{\"sku\":\"%s\",\"quantity\":50}", sku);
    assert_int_equal(create_sku(seller_token, product, body, &r), 409);
    assert_string_equal(error_code(&r), "SKU_EXISTS");
    t_resp_free(&r);
    assert_int_equal(create_sku(other_token, other_product_id, body, &r), 409);
    t_resp_free(&r);
    assert_counts_equal(counts_of(sku), before);
    assert_int_equal(sku_count_of_product(product), 1);
    assert_int_equal(wait_events("SkuCreated", sku, 1), 1);
}

static void test_inventory_adjust_refusals_change_nothing(void **state)
{
    (void)state;
    char sku[96], order[37], lines[256], path[256];
    t_resp_t r;
    stocked_sku("ADJ", 5, sku, sizeof sku);
    new_uuid(order);
    snprintf(lines, sizeof lines, "[{\"sku\":\"%s\",\"quantity\":3}]", sku);
    assert_int_equal(reserve(order, lines, NULL, &r), 201);
    t_resp_free(&r);
    counts_t before = counts_of(sku);
    assert_int_equal(before.reserved, 3);

    /* Below what is reserved, by a delta or a set count: 409 with the counts. */
    assert_int_equal(patch_sku(seller_token, sku, "{\"delta\":-3}", &r), 409);
    assert_string_equal(error_code(&r), "BELOW_RESERVED");
    assert_int_equal(num(error_details(&r), "reserved"), 3);
    assert_int_equal(num(error_details(&r), "on_hand"), 5);
    t_resp_free(&r);
    assert_int_equal(patch_sku(seller_token, sku, "{\"on_hand\":2}", &r), 409);
    t_resp_free(&r);
    assert_int_equal(patch_sku(seller_token, sku, "{\"delta\":-100}", &r), 409);
    t_resp_free(&r);

    const char *bad[] = {"{\"delta\":0}",
                         "{\"delta\":1,\"on_hand\":4}",
                         "{}",
                         "{\"delta\":\"2\"}",
                         "{\"delta\":1.5}",
                         "{\"on_hand\":-1}",
                         "{\"on_hand\":null}",
                         "[1]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(patch_sku(seller_token, sku, bad[i], &r), 400);
        t_resp_free(&r);
    }
    assert_int_equal(patch_sku(seller_token, sku, "{\"delta\":", &r), 400);
    t_resp_free(&r);
    /* Another seller's SKU, a customer, no token, an unknown SKU. */
    assert_int_equal(patch_sku(other_token, sku, "{\"delta\":1}", &r), 403);
    t_resp_free(&r);
    assert_int_equal(patch_sku(customer_token, sku, "{\"delta\":1}", &r), 403);
    t_resp_free(&r);
    assert_int_equal(patch_sku(NULL, sku, "{\"delta\":1}", &r), 401);
    t_resp_free(&r);
    assert_int_equal(patch_sku(seller_token, "NO-SUCH-SKU-XYZ", "{\"delta\":1}", &r), 404);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/inventory/%s", sku);
    assert_int_equal(t_gw("GET", path, other_token, NULL, &r), 0);
    assert_int_equal(r.status, 403);
    t_resp_free(&r);
    assert_int_equal(t_gw("GET", path, customer_token, NULL, &r), 0);
    assert_int_equal(r.status, 403);
    t_resp_free(&r);

    assert_counts_equal(counts_of(sku), before);
    assert_int_equal(t_topic_count("inventory.events", "StockAdjusted", sku), 0);

    /* Down to exactly what is reserved is allowed, and the SKU is then out of stock. */
    assert_int_equal(patch_sku(seller_token, sku, "{\"on_hand\":3}", &r), 200);
    assert_int_equal(num(r.json, "available"), 0);
    t_resp_free(&r);
    assert_int_equal(wait_events("OutOfStock", sku, 1), 1);
    assert_ledger_agrees(sku);
}

/* ---- reservations --------------------------------------------------------------------- */

static long reservation_count_for(const char *sku, const char *status)
{
    const char *p[] = {sku, status};
    char *v = t_sql_value(db,
                          "SELECT count(*) FROM inventory.reservation_lines l JOIN "
                          "inventory.reservations r USING (order_id) "
                          "WHERE l.sku = $1 AND r.status = $2",
                          2, p);
    long n = atol(v);
    free(v);
    return n;
}

static void test_inventory_reserve_idempotent_all_or_nothing(void **state)
{
    (void)state;
    char a[96], b[96], order[37], lines[512];
    t_resp_t r;
    stocked_sku("RES-A", 5, a, sizeof a);
    stocked_sku("RES-B", 2, b, sizeof b);

    new_uuid(order);
    snprintf(lines, sizeof lines,
             "[{\"sku\":\"%s\",\"quantity\":2},{\"sku\":\"%s\",\"quantity\":1}]", b, a);
    assert_int_equal(reserve(order, lines, NULL, &r), 201);
    assert_string_equal(str(r.json, "order_id"), order);
    assert_string_equal(str(r.json, "status"), "RESERVED");
    assert_non_null(str(r.json, "expires_at"));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "lines")), 2);
    char expires[40];
    snprintf(expires, sizeof expires, "%s", str(r.json, "expires_at"));
    t_resp_free(&r);
    /* "available drops the moment the order is created" */
    assert_int_equal(counts_of(a).reserved, 1);
    assert_int_equal(counts_of(b).reserved, 2);

    /* The same order and lines again (in another order): the same reservation, 200. */
    snprintf(lines, sizeof lines,
             "[{\"sku\":\"%s\",\"quantity\":1},{\"sku\":\"%s\",\"quantity\":2}]", a, b);
    assert_int_equal(reserve(order, lines, NULL, &r), 200);
    assert_string_equal(str(r.json, "expires_at"), expires);
    t_resp_free(&r);
    /* The same order with other lines: 409 CONFLICT. */
    snprintf(lines, sizeof lines, "[{\"sku\":\"%s\",\"quantity\":2}]", a);
    assert_int_equal(reserve(order, lines, NULL, &r), 409);
    assert_string_equal(error_code(&r), "CONFLICT");
    t_resp_free(&r);
    assert_int_equal(counts_of(a).reserved, 1);
    assert_int_equal(counts_of(b).reserved, 2);

    /* All or nothing: b has nothing left, so a is not reserved either. */
    char order2[37];
    new_uuid(order2);
    snprintf(lines, sizeof lines,
             "[{\"sku\":\"%s\",\"quantity\":1},{\"sku\":\"%s\",\"quantity\":1}]", a, b);
    assert_int_equal(reserve(order2, lines, NULL, &r), 409);
    assert_string_equal(error_code(&r), "OUT_OF_STOCK");
    assert_string_equal(str(error_details(&r), "sku"), b);
    assert_int_equal(num(error_details(&r), "available"), 0);
    t_resp_free(&r);
    /* An unknown SKU among the lines: 404 naming it, nothing reserved. */
    snprintf(lines, sizeof lines,
             "[{\"sku\":\"%s\",\"quantity\":1},{\"sku\":\"NO-SUCH-SKU-XYZ\",\"quantity\":1}]", a);
    assert_int_equal(reserve(order2, lines, NULL, &r), 404);
    assert_string_equal(str(error_details(&r), "sku"), "NO-SUCH-SKU-XYZ");
    t_resp_free(&r);
    const char *p[] = {order2};
    char *v =
        t_sql_value(db, "SELECT count(*) FROM inventory.reservations WHERE order_id = $1", 1, p);
    assert_string_equal(v, "0");
    free(v);
    assert_int_equal(counts_of(a).reserved, 1);
    assert_ledger_agrees(a);
    assert_ledger_agrees(b);

    /* One StockReserved per line, and b ran out. */
    assert_int_equal(wait_events("StockReserved", a, 1), 1);
    assert_int_equal(wait_events("StockReserved", b, 1), 1);
    assert_int_equal(wait_events("OutOfStock", b, 1), 1);
    cJSON *ev = event_data("OutOfStock", b);
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(ev, 0), "data");
    /* a of the same product still has stock. */
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(data, "productInStock")));
    cJSON_Delete(ev);
    ev = event_data("StockReserved", a);
    data = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(ev, 0), "data");
    assert_string_equal(str(data, "orderId"), order);
    assert_int_equal(num(data, "quantity"), 1);
    assert_int_equal(num(data, "available"), 4);
    assert_non_null(str(data, "expiresAt"));
    cJSON_Delete(ev);
}

static void test_inventory_commit_release_state_machine(void **state)
{
    (void)state;
    char sku[96], paid[37], cancelled[37], lines[256];
    t_resp_t r;
    stocked_sku("FIN", 10, sku, sizeof sku);
    snprintf(lines, sizeof lines, "[{\"sku\":\"%s\",\"quantity\":4}]", sku);
    new_uuid(paid);
    new_uuid(cancelled);
    assert_int_equal(reserve(paid, lines, NULL, &r), 201);
    t_resp_free(&r);
    assert_int_equal(reserve(cancelled, lines, NULL, &r), 201);
    t_resp_free(&r);

    /* Commit: the units leave on_hand and reserved. */
    assert_int_equal(finish(paid, "commit", NULL, &r), 200);
    assert_string_equal(str(r.json, "status"), "COMMITTED");
    t_resp_free(&r);
    counts_t c = counts_of(sku);
    assert_int_equal(c.on_hand, 6);
    assert_int_equal(c.reserved, 4);
    /* Committing twice, or releasing after the commit, changes nothing. */
    assert_int_equal(finish(paid, "commit", NULL, &r), 200);
    assert_string_equal(str(r.json, "status"), "COMMITTED");
    t_resp_free(&r);
    assert_int_equal(finish(paid, "release", "{\"reason\":\"cancelled\"}", &r), 200);
    assert_string_equal(str(r.json, "status"), "COMMITTED");
    t_resp_free(&r);
    assert_counts_equal(counts_of(sku), c);

    /* Release: available again; twice is a no-op; commit afterwards is refused. */
    assert_int_equal(finish(cancelled, "release", "{\"reason\":\"cancelled\"}", &r), 200);
    assert_string_equal(str(r.json, "status"), "RELEASED");
    assert_string_equal(str(r.json, "release_reason"), "cancelled");
    t_resp_free(&r);
    c = counts_of(sku);
    assert_int_equal(c.on_hand, 6);
    assert_int_equal(c.reserved, 0);
    assert_int_equal(finish(cancelled, "release", "{\"reason\":\"payment_failed\"}", &r), 200);
    assert_string_equal(str(r.json, "release_reason"), "cancelled");
    t_resp_free(&r);
    assert_int_equal(finish(cancelled, "commit", NULL, &r), 409);
    assert_string_equal(error_code(&r), "RESERVATION_RELEASED");
    t_resp_free(&r);
    assert_counts_equal(counts_of(sku), c);
    assert_ledger_agrees(sku);

    /* Bad calls: unknown order, bad reasons ("expired" is the sweep's alone), no token. */
    char unknown[37];
    new_uuid(unknown);
    assert_int_equal(finish(unknown, "commit", NULL, &r), 404);
    t_resp_free(&r);
    assert_int_equal(finish(unknown, "release", "{\"reason\":\"cancelled\"}", &r), 404);
    t_resp_free(&r);
    assert_int_equal(finish(cancelled, "release", "{\"reason\":\"expired\"}", &r), 400);
    t_resp_free(&r);
    assert_int_equal(finish(cancelled, "release", "{}", &r), 400);
    t_resp_free(&r);
    assert_int_equal(finish("not-a-uuid", "commit", NULL, &r), 404);
    t_resp_free(&r);

    assert_int_equal(wait_events("StockCommitted", sku, 1), 1);
    assert_int_equal(wait_events("StockReleased", sku, 1), 1);
    cJSON *ev = event_data("StockReleased", sku);
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(ev, 0), "data");
    assert_string_equal(str(data, "reason"), "cancelled");
    assert_string_equal(str(data, "orderId"), cancelled);
    assert_int_equal(num(data, "reserved"), 0);
    cJSON_Delete(ev);
    ev = event_data("StockCommitted", sku);
    data = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(ev, 0), "data");
    assert_int_equal(num(data, "onHand"), 6);
    assert_int_equal(num(data, "quantity"), 4);
    cJSON_Delete(ev);
    /* Still exactly one of each after the repeats. */
    assert_int_equal(t_topic_count("inventory.events", "StockCommitted", sku), 1);
    assert_int_equal(t_topic_count("inventory.events", "StockReleased", sku), 1);
}

typedef struct expiry_wait {
    const char *order;
} expiry_wait_t;

static bool reservation_released(void *arg)
{
    expiry_wait_t *w = arg;
    const char *p[] = {w->order};
    char *v =
        t_sql_value(db, "SELECT status FROM inventory.reservations WHERE order_id = $1", 1, p);
    bool done = v != NULL && strcmp(v, "RELEASED") == 0;
    free(v);
    return done;
}

static void test_inventory_reservation_expires_and_is_released(void **state)
{
    (void)state;
    char sku[96], order[37], lines[256], path[128];
    t_resp_t r;
    stocked_sku("EXP", 3, sku, sizeof sku);
    new_uuid(order);
    snprintf(lines, sizeof lines, "[{\"sku\":\"%s\",\"quantity\":3}]", sku);
    assert_int_equal(reserve(order, lines, ",\"ttl_seconds\":1", &r), 201);
    t_resp_free(&r);
    assert_int_equal(counts_of(sku).reserved, 3);

    expiry_wait_t w = {order};
    assert_true(t_wait_until(reservation_released, &w, 15000));
    snprintf(path, sizeof path, "/internal/reservations/%s", order);
    assert_int_equal(internal("GET", path, NULL, &r), 200);
    assert_string_equal(str(r.json, "status"), "RELEASED");
    assert_string_equal(str(r.json, "release_reason"), "expired");
    t_resp_free(&r);
    counts_t c = counts_of(sku);
    assert_int_equal(c.reserved, 0);
    assert_int_equal(c.on_hand, 3);
    assert_ledger_agrees(sku);

    assert_int_equal(wait_events("StockReleased", sku, 1), 1);
    assert_int_equal(wait_events("BackInStock", sku, 2), 2); /* at creation, and now */
    cJSON *ev = event_data("StockReleased", sku);
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(ev, 0), "data");
    assert_string_equal(str(data, "reason"), "expired");
    assert_string_equal(str(data, "orderId"), order);
    cJSON_Delete(ev);

    /* A payment after the expiry cannot commit stock that is no longer held. */
    assert_int_equal(finish(order, "commit", NULL, &r), 409);
    t_resp_free(&r);
    assert_counts_equal(counts_of(sku), c);
}

static void test_inventory_internal_routes_guarded_and_validated(void **state)
{
    (void)state;
    char sku[96], order[37], lines[256], url[512], body[512];
    t_resp_t r;
    stocked_sku("INT", 4, sku, sizeof sku);
    new_uuid(order);
    snprintf(lines, sizeof lines, "[{\"sku\":\"%s\",\"quantity\":1}]", sku);

    /* Without the service credential, or with a wrong one: 401. */
    snprintf(url, sizeof url, "%s/internal/reservations", inventory_url);
    snprintf(body, sizeof body, "{\"order_id\":\"%s\",\"lines\":%s}", order, lines);
    assert_int_equal(t_http("POST", url, NULL, body, NULL, &r), 0);
    assert_int_equal(r.status, 401);
    t_resp_free(&r);
    const char *wrong[] = {"X-Service-Token: not-the-token", NULL};
    assert_int_equal(t_http("POST", url, NULL, body, wrong, &r), 0);
    assert_int_equal(r.status, 401);
    t_resp_free(&r);
    assert_int_equal(t_http("POST", url, seller_token, body, NULL, &r), 0);
    assert_int_equal(r.status, 401);
    t_resp_free(&r);
    /* The gateway never routes /internal. */
    assert_int_equal(t_gw("POST", "/internal/reservations", seller_token, body, &r), 0);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);

    const char *bad[] = {
        "{\"order_id\":\"nope\",\"lines\":[{\"sku\":\"%s\",\"quantity\":1}]}",
        "{\"order_id\":\"%s\",\"lines\":[]}",
        "{\"order_id\":\"%s\",\"lines\":[{\"sku\":\"A\",\"quantity\":0}]}",
        "{\"order_id\":\"%s\",\"lines\":[{\"sku\":\"A\",\"quantity\":1}],\"ttl_seconds\":0}",
        "{\"order_id\":\"%s\",\"lines\":[{\"sku\":\"A\",\"quantity\":1}],\"ttl_seconds\":3601}",
        "{\"order_id\":\"%s\",\"lines\":[{\"sku\":\"A\",\"quantity\":1},{\"sku\":\"A\","
        "\"quantity\":1}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(body, sizeof body, bad[i], i == 0 ? sku : order);
        assert_int_equal(internal("POST", "/internal/reservations", body, &r), 400);
        t_resp_free(&r);
    }
    assert_int_equal(counts_of(sku).reserved, 0);

    /* The SKU's counts, and availability for a cart. */
    snprintf(url, sizeof url, "/internal/skus/%s", sku);
    assert_int_equal(internal("GET", url, NULL, &r), 200);
    assert_string_equal(str(r.json, "sku"), sku);
    assert_string_equal(str(r.json, "product_id"), product_id);
    assert_int_equal(num(r.json, "on_hand"), 4);
    assert_int_equal(num(r.json, "available"), 4);
    t_resp_free(&r);
    snprintf(body, sizeof body, "{\"skus\":[\"%s\",\"NO-SUCH-SKU-XYZ\"]}", sku);
    assert_int_equal(internal("POST", "/internal/availability", body, &r), 200);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    assert_int_equal(num(cJSON_GetArrayItem(items, 0), "available"), 4);
    t_resp_free(&r);
    assert_int_equal(internal("POST", "/internal/availability", "{\"skus\":[]}", &r), 400);
    t_resp_free(&r);
}

/* ---- races ---------------------------------------------------------------------------- */

#define RACERS       200
#define RACE_THREADS 50

typedef struct race {
    const char *lines[2]; /* alternating line lists (the same SKUs in opposite orders) */
    int next;             /* next request to send, under lock */
    pthread_mutex_t lock;
    long status[RACERS];
    char code[RACERS][32];
    char orders[RACERS][37];
} race_t;

static void *racer(void *arg)
{
    race_t *race = arg;
    for (;;) {
        pthread_mutex_lock(&race->lock);
        int i = race->next < RACERS ? race->next++ : -1;
        pthread_mutex_unlock(&race->lock);
        if (i < 0)
            return NULL;
        t_resp_t r;
        race->status[i] = reserve(race->orders[i], race->lines[i % 2], NULL, &r);
        const char *code = race->status[i] > 0 ? error_code(&r) : NULL;
        snprintf(race->code[i], sizeof race->code[i], "%s", code != NULL ? code : "");
        if (race->status[i] > 0)
            t_resp_free(&r);
    }
}

/* Sends RACERS reservations, each for its own order, from RACE_THREADS threads at once. */
static void run_race(race_t *race)
{
    pthread_t threads[RACE_THREADS];
    race->next = 0;
    pthread_mutex_init(&race->lock, NULL);
    for (int i = 0; i < RACERS; i++)
        new_uuid(race->orders[i]);
    for (int t = 0; t < RACE_THREADS; t++)
        assert_int_equal(pthread_create(&threads[t], NULL, racer, race), 0);
    for (int t = 0; t < RACE_THREADS; t++)
        pthread_join(threads[t], NULL);
    pthread_mutex_destroy(&race->lock);
}

static void test_inventory_race_last_ten_units(void **state)
{
    (void)state;
    char sku[96], lines[256];
    stocked_sku("HOT", 10, sku, sizeof sku);
    race_t *race = calloc(1, sizeof *race);
    snprintf(lines, sizeof lines, "[{\"sku\":\"%s\",\"quantity\":1}]", sku);
    race->lines[0] = race->lines[1] = lines;
    run_race(race);

    int won = 0, sold_out = 0;
    for (int i = 0; i < RACERS; i++) {
        if (race->status[i] == 201)
            won++;
        else if (race->status[i] == 409 && strcmp(race->code[i], "OUT_OF_STOCK") == 0)
            sold_out++;
        else
            fail_msg("request %d: %ld %s", i, race->status[i], race->code[i]);
    }
    assert_int_equal(won, 10);
    assert_int_equal(sold_out, RACERS - 10);
    counts_t c = counts_of(sku);
    assert_int_equal(c.on_hand, 10);
    assert_int_equal(c.reserved, 10);
    assert_int_equal(c.ledger_rows, 11); /* created + ten reservations */
    assert_ledger_agrees(sku);
    assert_int_equal(reservation_count_for(sku, "RESERVED"), 10);
    assert_int_equal(wait_events("StockReserved", sku, 10), 10);
    assert_int_equal(wait_events("OutOfStock", sku, 1), 1);
    free(race);
}

static void test_inventory_race_opposite_orders_never_partial(void **state)
{
    (void)state;
    char x[96], y[96], xy[256], yx[256];
    /* x has 7 units, y plenty: exactly 7 of the two-line orders fit, and y must not
     * keep a single unit for any order that did not get x. */
    stocked_sku("OPP-X", 7, x, sizeof x);
    stocked_sku("OPP-Y", 500, y, sizeof y);
    snprintf(xy, sizeof xy, "[{\"sku\":\"%s\",\"quantity\":1},{\"sku\":\"%s\",\"quantity\":1}]", x,
             y);
    snprintf(yx, sizeof yx, "[{\"sku\":\"%s\",\"quantity\":1},{\"sku\":\"%s\",\"quantity\":1}]", y,
             x);
    race_t *race = calloc(1, sizeof *race);
    race->lines[0] = xy;
    race->lines[1] = yx;
    run_race(race);

    int won = 0;
    for (int i = 0; i < RACERS; i++) {
        if (race->status[i] == 201)
            won++;
        else if (race->status[i] != 409 || strcmp(race->code[i], "OUT_OF_STOCK") != 0)
            fail_msg("request %d: %ld %s (a deadlock must not reach the caller)", i,
                     race->status[i], race->code[i]);
    }
    assert_int_equal(won, 7);
    assert_int_equal(counts_of(x).reserved, 7);
    assert_int_equal(counts_of(y).reserved, 7);
    assert_ledger_agrees(x);
    assert_ledger_agrees(y);
    /* Every reservation holds both lines. */
    char *v = t_sql_value(db,
                          "SELECT count(*) FROM inventory.reservations r WHERE r.order_id IN "
                          "(SELECT order_id FROM inventory.reservation_lines WHERE sku = $1) "
                          "AND (SELECT count(*) FROM inventory.reservation_lines l "
                          "WHERE l.order_id = r.order_id) <> 2",
                          1, (const char *const[]){y});
    assert_string_equal(v, "0");
    free(v);
    free(race);
}

int main(void)
{
    stack_load();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inventory_sku_create_adjust_read_and_events),
        cmocka_unit_test(test_inventory_ledger_pages_for_its_seller),
        cmocka_unit_test(test_inventory_public_availability_without_counts),
        cmocka_unit_test(test_inventory_create_refusals_change_nothing),
        cmocka_unit_test(test_inventory_adjust_refusals_change_nothing),
        cmocka_unit_test(test_inventory_reserve_idempotent_all_or_nothing),
        cmocka_unit_test(test_inventory_commit_release_state_machine),
        cmocka_unit_test(test_inventory_reservation_expires_and_is_released),
        cmocka_unit_test(test_inventory_internal_routes_guarded_and_validated),
        cmocka_unit_test(test_inventory_race_last_ten_units),
        cmocka_unit_test(test_inventory_race_opposite_orders_never_partial),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
