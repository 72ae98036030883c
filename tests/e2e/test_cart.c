/* test_cart.c - the cart through the gateway, against the catalog and inventory of the
 * running stack: live prices from the read model, flags for lines that cannot be
 * bought, merging, currency, ownership, roles, bad input, concurrent updates of one
 * line, and the internal route for checkout.
 *
 * Fixture: one seller and the admin for the whole group; every test makes its own
 * customer and its own products (approved by the admin, stocked by the seller), so the
 * tests share no cart and no product.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <sys/random.h>
#include <time.h>

#include "support.h"

static char *seller;
static char *admin;
static char category[40];

/* ---- helpers ------------------------------------------------------------------------ */

static const char *str(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

static const char *error_code(const t_resp_t *r)
{
    return str(cJSON_GetObjectItemCaseSensitive(r->json, "error"), "code");
}

static const cJSON *error_fields(const t_resp_t *r)
{
    const cJSON *details = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r->json, "error"), "details");
    return cJSON_GetObjectItemCaseSensitive(details, "fields");
}

static void hex8(char out[9])
{
    unsigned char b[4];
    assert_int_equal(getrandom(b, sizeof b, 0), (ssize_t)sizeof b);
    snprintf(out, 9, "%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
}

/* A fresh SKU code. */
static void new_sku(char out[32])
{
    char h[9];
    hex8(h);
    snprintf(out, 32, "CT-%s", h);
}

/* Sends method path with a JSON body and expects the status; returns the response. */
static t_resp_t call(const char *method, const char *path, const char *token, const char *body,
                     long expect)
{
    t_resp_t r;
    assert_int_equal(t_gw(method, path, token, body, &r), 0);
    if (r.status != expect)
        fprintf(stderr, "%s %s: %ld, expected %ld: %s\n", method, path, r.status, expect,
                r.body ? r.body : "");
    assert_int_equal(r.status, expect);
    return r;
}

/* A product of the seller, PENDING_APPROVAL; its id into id[37]. */
static void create_product(const char *title, long price, const char *currency, char id[37])
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"title\":\"%s\",\"description\":\"for the cart tests\",\"price\":%ld,"
             "\"currency\":\"%s\",\"category\":\"%s\"}",
             title, price, currency, category);
    t_resp_t r = call("POST", "/seller/products", seller, body, 201);
    assert_non_null(str(r.json, "id"));
    snprintf(id, 37, "%s", str(r.json, "id"));
    t_resp_free(&r);
}

static void approve(const char *id)
{
    char path[128];
    snprintf(path, sizeof path, "/admin/products/%s/approve", id);
    t_resp_t r = call("PUT", path, admin, NULL, 200);
    t_resp_free(&r);
}

static void create_sku(const char *product_id, const char *sku, long quantity)
{
    char path[128], body[128];
    snprintf(path, sizeof path, "/seller/products/%s/inventory", product_id);
    snprintf(body, sizeof body, "{\"sku\":\"%s\",\"quantity\":%ld}", sku, quantity);
    t_resp_t r = call("POST", path, seller, body, 201);
    t_resp_free(&r);
}

/* An approved product with one SKU holding stock. */
static void stocked_product(const char *title, long price, const char *currency, long stock,
                            char id[37], char sku[32])
{
    create_product(title, price, currency, id);
    approve(id);
    new_sku(sku);
    create_sku(id, sku, stock);
}

static t_resp_t add_item(const char *token, const char *product_id, const char *sku, long qty,
                         long expect)
{
    char body[2048];
    snprintf(body, sizeof body, "{\"product_id\":\"%s\",\"sku\":\"%s\",\"quantity\":%ld}",
             product_id, sku, qty);
    return call("POST", "/cart/items", token, body, expect);
}

static t_resp_t get_cart(const char *token)
{
    return call("GET", "/cart", token, NULL, 200);
}

/* The line of the cart with this SKU, or NULL. */
static const cJSON *line_of(const cJSON *cart, const char *sku)
{
    const cJSON *line;
    cJSON_ArrayForEach(line, cJSON_GetObjectItemCaseSensitive(cart, "items"))
    {
        const char *s = str(line, "sku");
        if (s != NULL && strcmp(s, sku) == 0)
            return line;
    }
    return NULL;
}

/* Runs sql with one parameter as the superuser; the first value (caller frees) or NULL. */
static char *sql1(const char *sql, const char *param)
{
    PGconn *db = t_db();
    const char *p[] = {param};
    char *v = t_sql_value(db, sql, param ? 1 : 0, param ? p : NULL);
    PQfinish(db);
    return v;
}

static long item_quantity(const char *item_id)
{
    char *v = sql1("SELECT quantity::text FROM cart.cart_items WHERE id = $1", item_id);
    long q = v ? strtol(v, NULL, 10) : -1;
    free(v);
    return q;
}

static long cart_lines_in_db(const char *customer_id)
{
    char *v = sql1("SELECT count(*)::text FROM cart.cart_items i JOIN cart.carts c "
                   "ON c.id = i.cart_id WHERE c.customer_id = $1",
                   customer_id);
    long n = v ? strtol(v, NULL, 10) : -1;
    free(v);
    return n;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- polling conditions --------------------------------------------------------------- */

typedef struct cart_wait {
    const char *token;
    const char *sku;    /* the line to look at, or NULL */
    double subtotal;    /* wanted subtotal, or < 0 for any */
    const char *reason; /* wanted reason of the line ("" = purchasable), or NULL */
    t_resp_t last;
} cart_wait_t;

static bool cart_matches(void *arg)
{
    cart_wait_t *w = arg;
    t_resp_free(&w->last);
    if (t_gw("GET", "/cart", w->token, NULL, &w->last) != 0 || w->last.status != 200)
        return false;
    const cJSON *subtotal = cJSON_GetObjectItemCaseSensitive(w->last.json, "subtotal");
    if (w->subtotal >= 0 && (!cJSON_IsNumber(subtotal) || subtotal->valuedouble != w->subtotal))
        return false;
    if (w->sku != NULL && w->reason != NULL) {
        const cJSON *line = line_of(w->last.json, w->sku);
        if (line == NULL)
            return false;
        const char *reason = str(line, "reason");
        if (w->reason[0] == '\0')
            return reason == NULL &&
                   cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(line, "purchasable"));
        return reason != NULL && strcmp(reason, w->reason) == 0 &&
               cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(line, "purchasable"));
    }
    return true;
}

typedef struct consumed_wait {
    const char *topic, *type, *subject;
    char event_id[64];
} consumed_wait_t;

/* True once the event (topic, type, subject) is on its topic and the cart's consumer has
 * recorded it in cart.processed_events. */
static bool cart_consumed(void *arg)
{
    consumed_wait_t *w = arg;
    if (w->event_id[0] == '\0') {
        cJSON *all = t_topic_read_all(w->topic);
        const cJSON *ev;
        cJSON_ArrayForEach(ev, all)
        {
            const char *type = str(ev, "type"), *subject = str(ev, "subject"), *id = str(ev, "id");
            if (type && subject && id && !strcmp(type, w->type) && !strcmp(subject, w->subject))
                snprintf(w->event_id, sizeof w->event_id, "%s", id);
        }
        cJSON_Delete(all);
        if (w->event_id[0] == '\0')
            return false;
    }
    char *v = sql1("SELECT 1 FROM cart.processed_events WHERE event_id::text = $1", w->event_id);
    free(v);
    return v != NULL;
}

/* ---- fixture ------------------------------------------------------------------------ */

static int group_setup(void **state)
{
    (void)state;
    stack_load();
    seller = t_register_login("seller", NULL);
    admin = t_login(stack_get("ADMIN_EMAIL"), stack_get("ADMIN_PASSWORD"));
    if (seller == NULL || admin == NULL)
        return -1;
    char h[9], body[160];
    hex8(h);
    snprintf(category, sizeof category, "cart-tests-%s", h);
    snprintf(body, sizeof body, "{\"slug\":\"%s\",\"name\":\"Cart tests %s\"}", category, h);
    t_resp_t r;
    if (t_gw("POST", "/admin/categories", admin, body, &r) != 0 || r.status != 201) {
        fprintf(stderr, "cannot create category: %ld %s\n", r.status, r.body ? r.body : "");
        t_resp_free(&r);
        return -1;
    }
    t_resp_free(&r);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    free(seller);
    free(admin);
    return 0;
}

/* ---- tests -------------------------------------------------------------------------- */

/* The first demonstration: two products, a price change shows in the next
 * GET /cart within a second, and an archived product's line is flagged. */
static void test_cart_live_price_and_archived_line(void **state)
{
    (void)state;
    char customer_id[37], a[37], b[37], sku_a[32], sku_b[32], path[128];
    char *token = t_register_login("customer", customer_id);
    stocked_product("Ilam tea", 1000, "NPR", 50, a, sku_a);
    stocked_product("Clay mug", 2500, "NPR", 50, b, sku_b);

    t_resp_t r = add_item(token, a, sku_a, 2, 201);
    assert_string_equal(str(r.json, "title"), "Ilam tea");
    assert_true(num(r.json, "unit_price") == 1000);
    assert_true(num(r.json, "line_total") == 2000);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r.json, "purchasable")));
    t_resp_free(&r);
    r = add_item(token, b, sku_b, 1, 201);
    t_resp_free(&r);

    r = get_cart(token);
    assert_true(num(r.json, "subtotal") == 4500);
    assert_true(num(r.json, "item_count") == 3);
    assert_true(num(r.json, "line_count") == 2);
    assert_true(num(r.json, "flagged_count") == 0);
    assert_string_equal(str(r.json, "currency"), "NPR");
    assert_string_equal(str(r.json, "customer_id"), customer_id);
    t_resp_free(&r);

    /* The cart's consumer is running and has caught up with A's approval (right after the
     * stack started it may still be joining its group: that is start-up, not freshness). */
    consumed_wait_t cw = {.topic = "catalog.events", .type = "ProductApproved", .subject = a};
    assert_true(t_wait_until(cart_consumed, &cw, 20000));

    /* The seller raises A's price: the next GET /cart shows it within a second. */
    snprintf(path, sizeof path, "/seller/products/%s", a);
    r = call("PUT", path, seller, "{\"price\":1200}", 200);
    t_resp_free(&r);
    int64_t t0 = now_ms();
    cart_wait_t w = {.token = token, .subtotal = 2 * 1200 + 2500};
    bool seen = t_wait_until(cart_matches, &w, 1000);
    int64_t took = now_ms() - t0;
    fprintf(stderr, "cart: the new price showed after %lld ms\n", (long long)took);
    assert_true(seen);
    const cJSON *line = line_of(w.last.json, sku_a);
    assert_true(num(line, "unit_price") == 1200);
    assert_true(num(line, "line_total") == 2400);
    t_resp_free(&w.last);
    /* ... because the read model took the event, not because the cart asked the catalog. */
    char *price = sql1("SELECT price::text FROM cart.products WHERE id = $1", a);
    assert_string_equal(price, "1200");
    free(price);

    /* The seller archives B: its line is flagged and leaves the subtotal. */
    snprintf(path, sizeof path, "/seller/products/%s/archive", b);
    r = call("PUT", path, seller, NULL, 200);
    t_resp_free(&r);
    cart_wait_t w2 = {
        .token = token, .sku = sku_b, .subtotal = 2400, .reason = "PRODUCT_UNAVAILABLE"};
    assert_true(t_wait_until(cart_matches, &w2, 1000));
    assert_true(num(w2.last.json, "flagged_count") == 1);
    assert_true(num(w2.last.json, "item_count") == 2);
    line = line_of(w2.last.json, sku_b);
    assert_true(num(line, "line_total") == 2500); /* still shown, not counted */
    t_resp_free(&w2.last);

    /* An archived product can no longer be added. */
    r = add_item(token, b, sku_b, 1, 409);
    assert_string_equal(error_code(&r), "PRODUCT_UNAVAILABLE");
    t_resp_free(&r);
    free(token);
}

/* Lines with too little stock are flagged, and follow inventory's events. */
static void test_cart_stock_flags_follow_inventory(void **state)
{
    (void)state;
    char id[37], sku[32], path[128];
    char *token = t_register_login("customer", NULL);
    stocked_product("Pashmina", 9000, "NPR", 2, id, sku);

    /* Stock is not checked when adding: the line is added and flagged. */
    t_resp_t r = add_item(token, id, sku, 3, 201);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(r.json, "purchasable")));
    assert_string_equal(str(r.json, "reason"), "INSUFFICIENT_STOCK");
    assert_true(num(r.json, "available") == 2);
    t_resp_free(&r);

    snprintf(path, sizeof path, "/inventory/%s", sku);
    r = call("PATCH", path, seller, "{\"on_hand\":0}", 200);
    t_resp_free(&r);
    cart_wait_t w = {.token = token, .sku = sku, .subtotal = 0, .reason = "OUT_OF_STOCK"};
    assert_true(t_wait_until(cart_matches, &w, 2000));
    t_resp_free(&w.last);

    r = call("PATCH", path, seller, "{\"on_hand\":10}", 200);
    t_resp_free(&r);
    cart_wait_t w2 = {.token = token, .sku = sku, .subtotal = 27000, .reason = ""};
    assert_true(t_wait_until(cart_matches, &w2, 2000));
    assert_true(num(w2.last.json, "item_count") == 3);
    t_resp_free(&w2.last);
    free(token);
}

/* Adding a SKU again merges; the merged line may not pass the maximum; PATCH and
 * DELETE act on the line, and DELETE /cart empties the cart. */
static void test_cart_merge_patch_delete(void **state)
{
    (void)state;
    char customer_id[37], id[37], sku[32], path[128], item[37];
    char *token = t_register_login("customer", customer_id);
    stocked_product("Singing bowl", 4200, "NPR", 500, id, sku);

    t_resp_t r = add_item(token, id, sku, 2, 201);
    snprintf(item, sizeof item, "%s", str(r.json, "id"));
    t_resp_free(&r);
    r = add_item(token, id, sku, 3, 200);
    assert_string_equal(str(r.json, "id"), item);
    assert_true(num(r.json, "quantity") == 5);
    t_resp_free(&r);
    assert_int_equal(cart_lines_in_db(customer_id), 1);
    assert_int_equal(item_quantity(item), 5);

    r = add_item(token, id, sku, 95, 409);
    assert_string_equal(error_code(&r), "QUANTITY_LIMIT");
    t_resp_free(&r);
    assert_int_equal(item_quantity(item), 5);

    snprintf(path, sizeof path, "/cart/items/%s", item);
    r = call("PATCH", path, token, "{\"quantity\":99}", 200);
    assert_true(num(r.json, "quantity") == 99);
    assert_true(num(r.json, "line_total") == 99 * 4200);
    t_resp_free(&r);
    assert_int_equal(item_quantity(item), 99);

    r = call("DELETE", path, token, NULL, 204);
    t_resp_free(&r);
    r = call("DELETE", path, token, NULL, 404);
    t_resp_free(&r);
    r = call("PATCH", path, token, "{\"quantity\":1}", 404);
    t_resp_free(&r);
    assert_int_equal(cart_lines_in_db(customer_id), 0);

    r = add_item(token, id, sku, 1, 201);
    t_resp_free(&r);
    r = call("DELETE", "/cart", token, NULL, 204);
    t_resp_free(&r);
    r = get_cart(token);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "items")), 0);
    assert_true(num(r.json, "subtotal") == 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(r.json, "currency")));
    t_resp_free(&r);
    assert_int_equal(cart_lines_in_db(customer_id), 0);
    free(token);
}

/* A customer who never added anything has an empty cart, not an error. */
static void test_cart_new_customer_has_empty_cart(void **state)
{
    (void)state;
    char customer_id[37];
    char *token = t_register_login("customer", customer_id);
    t_resp_t r = get_cart(token);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(r.json, "id")));
    assert_string_equal(str(r.json, "customer_id"), customer_id);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "items")), 0);
    assert_true(num(r.json, "subtotal") == 0);
    t_resp_free(&r);
    free(token);
}

/* A cart holds one currency. */
static void test_cart_currency_mismatch(void **state)
{
    (void)state;
    char customer_id[37], npr[37], usd[37], sku_npr[32], sku_usd[32];
    char *token = t_register_login("customer", customer_id);
    stocked_product("Dhaka topi", 800, "NPR", 5, npr, sku_npr);
    stocked_product("Imported hat", 1500, "USD", 5, usd, sku_usd);

    t_resp_t r = add_item(token, npr, sku_npr, 1, 201);
    t_resp_free(&r);
    r = add_item(token, usd, sku_usd, 1, 409);
    assert_string_equal(error_code(&r), "CURRENCY_MISMATCH");
    t_resp_free(&r);
    assert_int_equal(cart_lines_in_db(customer_id), 1);

    /* Emptied, the cart takes the next first line's currency. */
    r = call("DELETE", "/cart", token, NULL, 204);
    t_resp_free(&r);
    r = add_item(token, usd, sku_usd, 1, 201);
    t_resp_free(&r);
    r = get_cart(token);
    assert_string_equal(str(r.json, "currency"), "USD");
    t_resp_free(&r);
    free(token);
}

/* Another customer's line is not found, and stays as it was. */
static void test_cart_other_customers_item_is_404(void **state)
{
    (void)state;
    char owner_id[37], id[37], sku[32], path[128], item[37];
    char *owner = t_register_login("customer", owner_id);
    char *other = t_register_login("customer", NULL);
    stocked_product("Prayer flags", 300, "NPR", 20, id, sku);
    t_resp_t r = add_item(owner, id, sku, 4, 201);
    snprintf(item, sizeof item, "%s", str(r.json, "id"));
    t_resp_free(&r);

    snprintf(path, sizeof path, "/cart/items/%s", item);
    r = call("PATCH", path, other, "{\"quantity\":1}", 404);
    assert_string_equal(error_code(&r), "NOT_FOUND");
    t_resp_free(&r);
    r = call("DELETE", path, other, NULL, 404);
    t_resp_free(&r);
    /* Their DELETE /cart empties their own (empty) cart only. */
    r = call("DELETE", "/cart", other, NULL, 204);
    t_resp_free(&r);
    assert_int_equal(item_quantity(item), 4);
    assert_int_equal(cart_lines_in_db(owner_id), 1);

    /* Ids that cannot exist are not found either. */
    r = call("PATCH", "/cart/items/not-a-uuid", owner, "{\"quantity\":1}", 404);
    t_resp_free(&r);
    r = call("DELETE", "/cart/items/00000000-0000-4000-8000-000000000000", owner, NULL, 404);
    t_resp_free(&r);
    free(owner);
    free(other);
}

/* Sellers and admins have no cart: 403 at the gateway and at the cart itself. */
static void test_cart_roles(void **state)
{
    (void)state;
    t_resp_t r = call("GET", "/cart", seller, NULL, 403);
    t_resp_free(&r);
    r = call("GET", "/cart", admin, NULL, 403);
    t_resp_free(&r);
    r = call("POST", "/cart/items", seller,
             "{\"product_id\":\"00000000-0000-4000-8000-000000000000\",\"sku\":\"X\","
             "\"quantity\":1}",
             403);
    t_resp_free(&r);
    r = call("GET", "/cart", NULL, NULL, 401);
    t_resp_free(&r);

    /* Past the gateway, the cart checks the role itself. */
    char url[256];
    const char *urls = stack_get("CART_URLS");
    snprintf(url, sizeof url, "%.*s/cart", (int)strcspn(urls, ","), urls);
    assert_int_equal(t_http("GET", url, seller, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 403);
    t_resp_free(&r);
    assert_int_equal(t_http("DELETE", url, admin, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 403);
    t_resp_free(&r);
    assert_int_equal(t_http("GET", url, "not-a-token", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 401);
    t_resp_free(&r);
}

/* Every bad quantity is a 400 naming the field, on POST and on PATCH, and none of them
 * changes anything. */
static void test_cart_bad_input(void **state)
{
    (void)state;
    char customer_id[37], id[37], sku[32], path[128], item[37], body[256];
    char *token = t_register_login("customer", customer_id);
    stocked_product("Khukuri", 7000, "NPR", 10, id, sku);
    t_resp_t r = add_item(token, id, sku, 2, 201);
    snprintf(item, sizeof item, "%s", str(r.json, "id"));
    t_resp_free(&r);
    snprintf(path, sizeof path, "/cart/items/%s", item);

    static const char *const bad_quantities[] = {"0",   "-1",   "1.5",  "\"2\"", "1000000000",
                                                 "100", "null", "true", "[1]"};
    for (size_t i = 0; i < sizeof bad_quantities / sizeof bad_quantities[0]; i++) {
        snprintf(body, sizeof body, "{\"product_id\":\"%s\",\"sku\":\"%s\",\"quantity\":%s}", id,
                 sku, bad_quantities[i]);
        r = call("POST", "/cart/items", token, body, 400);
        assert_string_equal(error_code(&r), "VALIDATION_FAILED");
        assert_non_null(cJSON_GetObjectItem(error_fields(&r), "quantity"));
        t_resp_free(&r);
        snprintf(body, sizeof body, "{\"quantity\":%s}", bad_quantities[i]);
        r = call("PATCH", path, token, body, 400);
        assert_non_null(cJSON_GetObjectItem(error_fields(&r), "quantity"));
        t_resp_free(&r);
    }
    /* Every missing or malformed field is named at once. */
    r = call("POST", "/cart/items", token, "{}", 400);
    assert_non_null(cJSON_GetObjectItem(error_fields(&r), "product_id"));
    assert_non_null(cJSON_GetObjectItem(error_fields(&r), "sku"));
    assert_non_null(cJSON_GetObjectItem(error_fields(&r), "quantity"));
    t_resp_free(&r);
    r = call("POST", "/cart/items", token,
             "{\"product_id\":\"nope\",\"sku\":\"has space\",\"quantity\":1}", 400);
    assert_non_null(cJSON_GetObjectItem(error_fields(&r), "product_id"));
    assert_non_null(cJSON_GetObjectItem(error_fields(&r), "sku"));
    t_resp_free(&r);
    r = call("POST", "/cart/items", token, "{\"product_id\":", 400);
    t_resp_free(&r);
    r = call("PATCH", path, token, "[1,2]", 400);
    t_resp_free(&r);
    r = call("PATCH", path, token, "{}", 400);
    t_resp_free(&r);

    assert_int_equal(cart_lines_in_db(customer_id), 1);
    assert_int_equal(item_quantity(item), 2);
    free(token);
}

/* Products and SKUs that cannot be added. */
static void test_cart_unknown_or_unapproved_product(void **state)
{
    (void)state;
    char customer_id[37], id[37], sku[32], other[37], other_sku[32], pending[37], body[256];
    char *token = t_register_login("customer", customer_id);
    stocked_product("Thangka", 25000, "NPR", 3, id, sku);
    stocked_product("Rice paper", 150, "NPR", 3, other, other_sku);
    create_product("Not yet approved", 100, "NPR", pending);

    t_resp_t r = add_item(token, "6f0c2b1e-9a4d-4c57-8e1f-2b3c4d5e6f70", sku, 1, 404);
    assert_string_equal(error_code(&r), "NOT_FOUND");
    t_resp_free(&r);
    r = add_item(token, pending, sku, 1, 404);
    t_resp_free(&r);
    /* A SKU of another product, and a SKU nobody created. */
    r = add_item(token, id, other_sku, 1, 404);
    t_resp_free(&r);
    r = add_item(token, id, "NO-SUCH-SKU-AT-ALL", 1, 404);
    t_resp_free(&r);
    assert_int_equal(cart_lines_in_db(customer_id), 0);

    /* The pending product approved: it can be added at once, even if the cart's read
     * model has not seen the approval yet (the catalog is asked). */
    approve(pending);
    char pending_sku[32];
    new_sku(pending_sku);
    create_sku(pending, pending_sku, 1);
    snprintf(body, sizeof body, "{\"product_id\":\"%s\",\"sku\":\"%s\",\"quantity\":1}", pending,
             pending_sku);
    r = call("POST", "/cart/items", token, body, 201);
    t_resp_free(&r);
    assert_int_equal(cart_lines_in_db(customer_id), 1);
    free(token);
}

/* A cart holds at most CART_MAX_LINES (50) lines; merging into a line still works. */
static void test_cart_full(void **state)
{
    (void)state;
    enum { LINES = 50 };
    char customer_id[37], id[37], skus[LINES + 1][32];
    char *token = t_register_login("customer", customer_id);
    create_product("Bead assortment", 50, "NPR", id);
    approve(id);
    for (int i = 0; i <= LINES; i++) {
        new_sku(skus[i]);
        create_sku(id, skus[i], 5);
    }
    for (int i = 0; i < LINES; i++) {
        t_resp_t r = add_item(token, id, skus[i], 1, 201);
        t_resp_free(&r);
    }
    t_resp_t r = add_item(token, id, skus[LINES], 1, 409);
    assert_string_equal(error_code(&r), "CART_FULL");
    t_resp_free(&r);
    r = add_item(token, id, skus[0], 1, 200);
    assert_true(num(r.json, "quantity") == 2);
    t_resp_free(&r);
    assert_int_equal(cart_lines_in_db(customer_id), LINES);
    r = get_cart(token);
    assert_true(num(r.json, "line_count") == LINES);
    assert_true(num(r.json, "subtotal") == (LINES + 1) * 50);
    t_resp_free(&r);
    free(token);
}

typedef struct patcher {
    const char *token;
    const char *path;
    int quantity;
    long status;
    long answered;
} patcher_t;

static void *patch_once(void *arg)
{
    patcher_t *p = arg;
    char body[64];
    t_resp_t r;
    snprintf(body, sizeof body, "{\"quantity\":%d}", p->quantity);
    if (t_gw("PATCH", p->path, p->token, body, &r) == 0) {
        p->status = r.status;
        const cJSON *q = cJSON_GetObjectItemCaseSensitive(r.json, "quantity");
        p->answered = cJSON_IsNumber(q) ? (long)q->valuedouble : -1;
        t_resp_free(&r);
    }
    return NULL;
}

/* Concurrent PATCHes of one line leave one of the sent quantities, never a mix. */
static void test_cart_concurrent_patches_of_one_line(void **state)
{
    (void)state;
    enum { N = 12 };
    char id[37], sku[32], path[128], item[37];
    char *token = t_register_login("customer", NULL);
    stocked_product("Yak wool socks", 1100, "NPR", 100, id, sku);
    t_resp_t r = add_item(token, id, sku, 1, 201);
    snprintf(item, sizeof item, "%s", str(r.json, "id"));
    t_resp_free(&r);
    snprintf(path, sizeof path, "/cart/items/%s", item);

    for (int round = 0; round < 3; round++) {
        patcher_t p[N];
        pthread_t th[N];
        for (int i = 0; i < N; i++) {
            p[i] = (patcher_t){.token = token, .path = path, .quantity = 10 + i + round * N};
            assert_int_equal(pthread_create(&th[i], NULL, patch_once, &p[i]), 0);
        }
        for (int i = 0; i < N; i++)
            pthread_join(th[i], NULL);
        long final = item_quantity(item);
        bool one_of_them = false;
        for (int i = 0; i < N; i++) {
            assert_int_equal(p[i].status, 200);
            /* Each answer shows the quantity that request wrote. */
            assert_int_equal(p[i].answered, p[i].quantity);
            one_of_them = one_of_them || final == p[i].quantity;
        }
        assert_true(one_of_them);
    }
    free(token);
}

/* The internal route renders the cart like GET /cart, for the service credential only. */
static void test_cart_internal_route_for_checkout(void **state)
{
    (void)state;
    char customer_id[37], id[37], sku[32], url[256], header[128];
    char *token = t_register_login("customer", customer_id);
    stocked_product("Lokta notebook", 450, "NPR", 9, id, sku);
    t_resp_t r = add_item(token, id, sku, 2, 201);
    t_resp_free(&r);

    const char *urls = stack_get("CART_URLS");
    snprintf(url, sizeof url, "%.*s/internal/carts/%s", (int)strcspn(urls, ","), urls, customer_id);
    snprintf(header, sizeof header, "X-Service-Token: %s", stack_get("SERVICE_TOKEN"));
    const char *headers[] = {header, NULL};
    assert_int_equal(t_http("GET", url, NULL, NULL, headers, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(str(r.json, "customer_id"), customer_id);
    assert_true(num(r.json, "subtotal") == 900);
    assert_non_null(line_of(r.json, sku));
    t_resp_free(&r);

    const char *wrong[] = {"X-Service-Token: not-the-token", NULL};
    assert_int_equal(t_http("GET", url, NULL, NULL, wrong, &r), 0);
    assert_int_equal(r.status, 401);
    t_resp_free(&r);
    /* A customer's token is not a service credential. */
    assert_int_equal(t_http("GET", url, token, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 401);
    t_resp_free(&r);
    /* And the gateway does not expose it at all. */
    char path[128];
    snprintf(path, sizeof path, "/internal/carts/%s", customer_id);
    assert_int_equal(t_gw("GET", path, token, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);
    free(token);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cart_live_price_and_archived_line),
        cmocka_unit_test(test_cart_stock_flags_follow_inventory),
        cmocka_unit_test(test_cart_merge_patch_delete),
        cmocka_unit_test(test_cart_new_customer_has_empty_cart),
        cmocka_unit_test(test_cart_currency_mismatch),
        cmocka_unit_test(test_cart_other_customers_item_is_404),
        cmocka_unit_test(test_cart_roles),
        cmocka_unit_test(test_cart_bad_input),
        cmocka_unit_test(test_cart_unknown_or_unapproved_product),
        cmocka_unit_test(test_cart_full),
        cmocka_unit_test(test_cart_concurrent_patches_of_one_line),
        cmocka_unit_test(test_cart_internal_route_for_checkout),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
