/* test_catalog_search.c - GET /products: every sort paged with cursors (each product
 * exactly once, in order, ties included), category facets, hostile search strings
 * (never a 5xx), bad parameters named, and the in_stock filter fed by inventory's
 * events when the inventory service is in the stack. */
#include "catalog_support.h"

#define N 5

static char *admin, *seller;
static char root_cat[32], child_cat[64], other_cat[64], word[32];
static char ids[N][37];
static const long prices[N] = {300, 100, 200, 200, 200};

static int setup(void **state)
{
    (void)state;
    stack_load();
    admin = c_admin_token();
    seller = t_register_login("seller", NULL);
    c_unique_word(root_cat, sizeof root_cat, "kitchen");
    snprintf(child_cat, sizeof child_cat, "%s-pots", root_cat);
    snprintf(other_cat, sizeof other_cat, "%s-pans", root_cat);
    c_category(admin, root_cat, "Kitchen", NULL);
    c_category(admin, child_cat, "Pots", root_cat);
    c_category(admin, other_cat, "Pans", root_cat);
    c_unique_word(word, sizeof word, "pot");
    for (int i = 0; i < N; i++) {
        char title[128];
        /* The word twice in the first title, once in the others: relevance differs. */
        if (i == 0)
            snprintf(title, sizeof title, "%s %s deluxe", word, word);
        else
            snprintf(title, sizeof title, "Cast iron %s no %d", word, i);
        c_product(seller, title, "enamel", prices[i], i < 4 ? child_cat : other_cat, ids[i]);
        c_approve(admin, ids[i]);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(admin);
    free(seller);
    return 0;
}

/* Pages through base with limit 2, collecting ids (and prices) in order. */
static int collect(const char *base, char got[][37], long *got_prices, int max)
{
    int n = 0, pages = 0;
    char *cursor = NULL;
    do {
        char path[1024];
        snprintf(path, sizeof path, "%s&limit=2%s%s", base, cursor ? "&cursor=" : "",
                 cursor ? cursor : "");
        free(cursor);
        cursor = NULL;
        t_resp_t r;
        assert_int_equal(t_gw("GET", path, NULL, NULL, &r), 0);
        if (r.status != 200)
            fail_msg("GET %s: %ld %s", path, r.status, r.body);
        const cJSON *item;
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(r.json, "items"))
        {
            assert_true(n < max);
            snprintf(got[n], 37, "%s", c_str(item, "id"));
            got_prices[n] = (long)c_num(item, "price");
            n++;
        }
        /* Facets come with the first page only. */
        assert_true((pages == 0) == (cJSON_GetObjectItemCaseSensitive(r.json, "facets") != NULL));
        const char *next = c_str(r.json, "next_cursor");
        cursor = next ? strdup(next) : NULL;
        t_resp_free(&r);
        pages++;
    } while (cursor != NULL && pages < 10);
    free(cursor);
    return n;
}

static void assert_each_once(char got[][37], int n)
{
    assert_int_equal(n, N);
    for (int i = 0; i < N; i++) {
        int count = 0;
        for (int j = 0; j < n; j++)
            count += strcmp(got[j], ids[i]) == 0;
        if (count != 1)
            fail_msg("product %d seen %d times", i, count);
    }
}

static void test_catalog_search_pages_every_sort(void **state)
{
    (void)state;
    char base[256], got[N + 2][37];
    long got_prices[N + 2];
    const char *sorts[] = {"price_asc", "price_desc", "newest", "relevance"};
    for (int s = 0; s < 4; s++) {
        snprintf(base, sizeof base, "/products?q=%s&category=%s&sort=%s", word, root_cat, sorts[s]);
        int n = collect(base, got, got_prices, N + 2);
        assert_each_once(got, n);
        for (int i = 1; i < n; i++) {
            if (s == 0)
                assert_true(got_prices[i - 1] <= got_prices[i]);
            if (s == 1)
                assert_true(got_prices[i - 1] >= got_prices[i]);
        }
        if (s == 2) /* newest first: created last, listed first */
            assert_string_equal(got[0], ids[N - 1]);
        if (s == 3) /* the word twice in the title ranks first */
            assert_string_equal(got[0], ids[0]);
    }
    /* Without q: the category alone, newest first. */
    snprintf(base, sizeof base, "/products?category=%s", root_cat);
    assert_each_once(got, collect(base, got, got_prices, N + 2));
}

static void test_catalog_search_facets(void **state)
{
    (void)state;
    char path[256];
    t_resp_t r;
    /* Facets count the result without the category filter, so a shopper sees the
     * neighbours of the category chosen. */
    snprintf(path, sizeof path, "/products?q=%s&category=%s", word, child_cat);
    assert_int_equal(t_gw("GET", path, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 4);
    const cJSON *cats = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r.json, "facets"), "category");
    int seen = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, cats)
    {
        if (strcmp(c_str(f, "slug"), child_cat) == 0) {
            assert_int_equal(c_num(f, "count"), 4);
            assert_string_equal(c_str(f, "name"), "Pots");
            seen |= 1;
        }
        if (strcmp(c_str(f, "slug"), other_cat) == 0) {
            assert_int_equal(c_num(f, "count"), 1);
            seen |= 2;
        }
    }
    assert_int_equal(seen, 3);
    t_resp_free(&r);
}

static void test_catalog_search_hostile_strings_never_5xx(void **state)
{
    (void)state;
    const char *hostile[] = {
        "'",
        "\"",
        "\\",
        "%",
        "_",
        "%_%",
        "\\'; DROP TABLE catalog.products; --",
        "' OR '1'='1",
        "SELECT * FROM products WHERE 1=1 UNION SELECT",
        "a:* | !b & (c <-> d)",
        "foo''bar\\\\baz",
        "<script>alert(1)</script>",
        "\xf0\x9f\x94\xa5 lamp",
        "$1 $$ ::text",
        "   ",
        "null",
        "' || pg_sleep(5) || '",
    };
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        char enc[512], path[700];
        c_urlencode(hostile[i], enc, sizeof enc);
        const char *forms[] = {"/products?q=%s", "/products?q=%s&sort=price_desc&limit=3",
                               "/products?q=%s&category=%s"};
        for (int f = 0; f < 3; f++) {
            snprintf(path, sizeof path, forms[f], enc, root_cat);
            t_resp_t r;
            assert_int_equal(t_gw("GET", path, NULL, NULL, &r), 0);
            if (r.status != 200)
                fail_msg("q=%s: %ld %s", hostile[i], r.status, r.body);
            assert_non_null(cJSON_GetObjectItemCaseSensitive(r.json, "items"));
            t_resp_free(&r);
        }
    }
    /* Invalid UTF-8, and hostile text in other parameters: a 400 naming them. */
    struct {
        const char *path, *field;
    } bad[] = {
        {"/products?q=%FF%FE", "q"},
        {"/products?category=%27%3B%20DROP", "category"},
        {"/products?seller=%27%20OR%201%3D1", "seller"},
        {"/products?min_price=1%3B%20DROP", "min_price"},
        {"/products?max_price=-5", "max_price"},
        {"/products?sort=price%3B", "sort"},
        {"/products?limit=1000", "limit"},
        {"/products?cursor=%27%22%5C", "cursor"},
        {"/products?in_stock=maybe", "in_stock"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t_resp_t r;
        assert_int_equal(t_gw("GET", bad[i].path, NULL, NULL, &r), 0);
        if (r.status != 400 || !c_names_field(&r, bad[i].field))
            fail_msg("%s: %ld %s", bad[i].path, r.status, r.body);
        t_resp_free(&r);
    }
    /* The table is still there. */
    assert_true(c_sql_long("SELECT count(*) FROM catalog.products", NULL) >= N);
}

typedef struct stock_wait {
    const char *path;
    bool want;
} stock_wait_t;

static bool in_stock_is(void *arg)
{
    stock_wait_t *w = arg;
    t_resp_t r;
    if (t_gw("GET", w->path, NULL, NULL, &r) != 0)
        return false;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r.json, "in_stock");
    bool ok = r.status == 200 && cJSON_IsBool(v) && cJSON_IsTrue(v) == w->want;
    t_resp_free(&r);
    return ok;
}

static void test_catalog_search_in_stock_follows_inventory(void **state)
{
    (void)state;
    const char *inventory = getenv("INVENTORY_URLS");
    if (inventory == NULL || *inventory == '\0') {
        print_message("inventory is not in this stack: the in_stock flow is not exercised\n");
        skip();
    }
    char path[256], body[256], sku[64], search[256];
    snprintf(sku, sizeof sku, "SKU-%s", word);
    snprintf(path, sizeof path, "/seller/products/%s/inventory", ids[1]);
    snprintf(body, sizeof body, "{\"sku\":\"%s\",\"quantity\":3}", sku);
    t_resp_t r;
    assert_int_equal(t_gw("POST", path, seller, body, &r), 0);
    if (r.status != 201)
        fail_msg("create SKU: %ld %s", r.status, r.body);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/products/%s", ids[1]);
    stock_wait_t w = {.path = path, .want = true};
    assert_true(t_wait_until(in_stock_is, &w, 15000));
    snprintf(search, sizeof search, "/products?q=%s&in_stock=true&limit=100", word);
    assert_true(c_listed(search, ids[1]));
    assert_false(c_listed(search, ids[2]));
    snprintf(search, sizeof search, "/products?q=%s&in_stock=false&limit=100", word);
    assert_false(c_listed(search, ids[1]));

    /* Sold out: the product stays listed, out of stock. */
    snprintf(path, sizeof path, "/inventory/%s", sku);
    assert_int_equal(t_gw("PATCH", path, seller, "{\"delta\":-3}", &r), 0);
    assert_int_equal(r.status, 200);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/products/%s", ids[1]);
    w.want = false;
    assert_true(t_wait_until(in_stock_is, &w, 15000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog_search_pages_every_sort),
        cmocka_unit_test(test_catalog_search_facets),
        cmocka_unit_test(test_catalog_search_hostile_strings_never_5xx),
        cmocka_unit_test(test_catalog_search_in_stock_follows_inventory),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
