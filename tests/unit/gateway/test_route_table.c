/* test_route_table.c - the gateway's route table: every roadmap and identity route
 * with its exact method and path, no internal routes, parameters, 404 and 405. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "route_table.h"

typedef struct expected {
    const char *method;
    const char *pattern;
    enum gw_service service;
} expected_t;

/* ROADMAP-seed.txt's routes, exactly as written there. */
static const expected_t roadmap[] = {
    {"POST", "/seller/products", GW_CATALOG},
    {"PUT", "/seller/products/:id", GW_CATALOG},
    {"GET", "/products", GW_CATALOG},
    {"GET", "/products/:id", GW_CATALOG},
    {"PUT", "/admin/products/:id/approve", GW_CATALOG},
    {"POST", "/seller/products/:id/inventory", GW_INVENTORY},
    {"PATCH", "/inventory/:sku", GW_INVENTORY},
    {"GET", "/cart", GW_CART},
    {"POST", "/cart/items", GW_CART},
    {"PATCH", "/cart/items/:id", GW_CART},
    {"DELETE", "/cart/items/:id", GW_CART},
    {"POST", "/checkout", GW_ORDER},
    {"POST", "/orders", GW_ORDER},
    {"GET", "/orders/:id", GW_ORDER},
    {"GET", "/user/orders", GW_ORDER},
    {"POST", "/payment/initiate", GW_PAYMENT},
    {"POST", "/payment/webhook", GW_PAYMENT},
};

/* identity's routes (issue 2) and those the later issues name. */
static const expected_t others[] = {
    {"POST", "/auth/register", GW_IDENTITY},
    {"POST", "/auth/login", GW_IDENTITY},
    {"POST", "/auth/refresh", GW_IDENTITY},
    {"POST", "/auth/logout", GW_IDENTITY},
    {"GET", "/user/me", GW_IDENTITY},
    {"GET", "/user/addresses", GW_IDENTITY},
    {"POST", "/user/addresses", GW_IDENTITY},
    {"PUT", "/user/addresses/:id", GW_IDENTITY},
    {"DELETE", "/user/addresses/:id", GW_IDENTITY},
    {"GET", "/.well-known/jwks.json", GW_IDENTITY},
    {"GET", "/seller/products", GW_CATALOG},
    {"PUT", "/seller/products/:id/archive", GW_CATALOG},
    {"POST", "/seller/products/:id/images", GW_CATALOG},
    {"DELETE", "/seller/products/:id/images/:image_id", GW_CATALOG},
    {"PUT", "/seller/products/:id/images/order", GW_CATALOG},
    {"PUT", "/admin/products/:id/reject", GW_CATALOG},
    {"GET", "/admin/products", GW_CATALOG},
    {"POST", "/admin/categories", GW_CATALOG},
    {"GET", "/categories", GW_CATALOG},
    {"GET", "/images/:name", GW_CATALOG},
    {"GET", "/inventory/:sku", GW_INVENTORY},
    {"GET", "/inventory/:sku/ledger", GW_INVENTORY},
    {"GET", "/products/:id/availability", GW_INVENTORY},
    {"DELETE", "/cart", GW_CART},
    {"POST", "/orders/:id/cancel", GW_ORDER},
    {"GET", "/admin/orders", GW_ORDER},
    {"POST", "/payment/webhook/fake", GW_PAYMENT},
    {"POST", "/payment/webhook/stripe", GW_PAYMENT},
    {"POST", "/payment/webhook/khalti", GW_PAYMENT},
    {"POST", "/payment/webhook/esewa", GW_PAYMENT},
    {"GET", "/payment/return/:provider", GW_PAYMENT},
    {"GET", "/payment/fake/:id", GW_PAYMENT},
    {"POST", "/payment/fake/:id", GW_PAYMENT},
    {"GET", "/payments/:id", GW_PAYMENT},
    {"GET", "/orders/:id/tracking", GW_FULFILLMENT},
    {"GET", "/seller/shipments", GW_FULFILLMENT},
    {"PATCH", "/seller/shipments/:id/status", GW_FULFILLMENT},
    {"GET", "/admin/shipments", GW_FULFILLMENT},
    {"PUT", "/admin/shipments/:id/courier", GW_FULFILLMENT},
    {"PATCH", "/admin/shipments/:id/status", GW_FULFILLMENT},
    {"GET", "/admin/couriers", GW_FULFILLMENT},
    {"POST", "/admin/couriers", GW_FULFILLMENT},
    {"GET", "/admin/zones", GW_FULFILLMENT},
    {"POST", "/admin/zones", GW_FULFILLMENT},
    {"PUT", "/admin/zones/:id", GW_FULFILLMENT},
    {"DELETE", "/admin/zones/:id", GW_FULFILLMENT},
    {"POST", "/couriers/callback", GW_FULFILLMENT},
    {"GET", "/user/notifications", GW_NOTIFICATION},
    {"GET", "/admin/notifications", GW_NOTIFICATION},
    {"GET", "/user/notification-preferences", GW_NOTIFICATION},
    {"PUT", "/user/notification-preferences", GW_NOTIFICATION},
};

static const gw_route_t *find(const char *method, const char *pattern)
{
    for (size_t i = 0; i < gw_route_count; i++)
        if (strcmp(gw_routes[i].method, method) == 0 && strcmp(gw_routes[i].pattern, pattern) == 0)
            return &gw_routes[i];
    return NULL;
}

static void check_present(const expected_t *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const gw_route_t *r = find(list[i].method, list[i].pattern);
        if (r == NULL)
            fail_msg("missing route %s %s", list[i].method, list[i].pattern);
        assert_int_equal(r->service, list[i].service);
    }
}

static void test_route_table_has_every_roadmap_route(void **state)
{
    (void)state;
    check_present(roadmap, sizeof roadmap / sizeof roadmap[0]);
}

static void test_route_table_has_identity_and_later_routes(void **state)
{
    (void)state;
    check_present(others, sizeof others / sizeof others[0]);
}

static bool roles_valid(const char *roles)
{
    if (strcmp(roles, GW_ROLE_PUBLIC) == 0 || strcmp(roles, GW_ROLE_ANY) == 0)
        return true;
    char copy[64];
    snprintf(copy, sizeof copy, "%s", roles);
    char *save = NULL;
    int n = 0;
    for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save), n++)
        if (strcmp(t, "customer") != 0 && strcmp(t, "seller") != 0 && strcmp(t, "admin") != 0)
            return false;
    return n > 0;
}

static void test_route_table_entries_are_well_formed(void **state)
{
    (void)state;
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    for (size_t i = 0; i < gw_route_count; i++) {
        const gw_route_t *r = &gw_routes[i];
        bool known = false;
        for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++)
            known |= strcmp(r->method, methods[m]) == 0;
        assert_true(known);
        assert_true(r->pattern[0] == '/');
        assert_true((int)r->service >= 0 && r->service < GW_SERVICE_COUNT);
        if (!roles_valid(r->roles))
            fail_msg("bad roles \"%s\" on %s %s", r->roles, r->method, r->pattern);
        assert_true(r->summary != NULL && r->summary[0] != '\0');
        for (size_t j = 0; j < i; j++)
            if (strcmp(gw_routes[j].method, r->method) == 0 &&
                strcmp(gw_routes[j].pattern, r->pattern) == 0)
                fail_msg("duplicate route %s %s", r->method, r->pattern);
    }
}

/* No entry hides another: a path built from each pattern finds that very entry. */
static void test_route_table_no_route_shadows_another(void **state)
{
    (void)state;
    for (size_t i = 0; i < gw_route_count; i++) {
        char path[GW_MAX_PATH];
        size_t at = 0;
        for (const char *p = gw_routes[i].pattern; *p != '\0';) {
            if (*p == ':') {
                at += (size_t)snprintf(path + at, sizeof path - at, "v%zu", i);
                p += strcspn(p, "/");
            } else {
                path[at++] = *p++;
            }
        }
        path[at] = '\0';
        gw_match_t m;
        assert_int_equal(gw_route_lookup(gw_routes[i].method, path, &m), GW_FOUND);
        if (m.route != &gw_routes[i])
            fail_msg("%s %s is answered by %s", gw_routes[i].method, path, m.route->pattern);
    }
}

static void test_route_table_never_exposes_internal(void **state)
{
    (void)state;
    gw_match_t m;
    for (size_t i = 0; i < gw_route_count; i++)
        assert_null(strstr(gw_routes[i].pattern, "/internal"));
    assert_int_equal(gw_route_lookup("GET", "/internal/users/42", &m), GW_NOT_FOUND);
    assert_int_equal(gw_route_lookup("POST", "/internal", &m), GW_NOT_FOUND);
    char methods[64];
    assert_int_equal(gw_route_methods("/internal/users/42", methods, sizeof methods), 0);
}

static void test_route_table_lookup_fills_params(void **state)
{
    (void)state;
    gw_match_t m;
    assert_int_equal(gw_route_lookup("GET", "/products/p-17", &m), GW_FOUND);
    assert_string_equal(m.route->pattern, "/products/:id");
    assert_int_equal(m.route->service, GW_CATALOG);
    assert_string_equal(gw_match_param(&m, "id"), "p-17");
    assert_null(gw_match_param(&m, "sku"));

    /* Same prefix, more segments: inventory answers availability. */
    assert_int_equal(gw_route_lookup("GET", "/products/p-17/availability", &m), GW_FOUND);
    assert_string_equal(m.route->pattern, "/products/:id/availability");
    assert_int_equal(m.route->service, GW_INVENTORY);

    assert_int_equal(gw_route_lookup("DELETE", "/seller/products/p1/images/i9", &m), GW_FOUND);
    assert_string_equal(gw_match_param(&m, "id"), "p1");
    assert_string_equal(gw_match_param(&m, "image_id"), "i9");

    assert_int_equal(gw_route_lookup("PUT", "/seller/products/p1/images/order", &m), GW_FOUND);
    assert_string_equal(m.route->pattern, "/seller/products/:id/images/order");

    assert_int_equal(gw_route_lookup("GET", "/cart", &m), GW_FOUND);
    assert_int_equal(m.count, 0);
}

static void test_route_table_detects_method_not_allowed(void **state)
{
    (void)state;
    gw_match_t m;
    char methods[64];
    assert_int_equal(gw_route_lookup("DELETE", "/auth/login", &m), GW_METHOD_NOT_ALLOWED);
    assert_null(m.route);
    assert_int_equal(gw_route_lookup("GET", "/no/such/route", &m), GW_NOT_FOUND);
    assert_int_equal(gw_route_lookup("PUT", "/seller/products/p1/images/i9", &m),
                     GW_METHOD_NOT_ALLOWED);

    assert_int_equal(gw_route_methods("/user/addresses", methods, sizeof methods), 2);
    assert_string_equal(methods, "GET, POST");
    assert_int_equal(gw_route_methods("/cart", methods, sizeof methods), 2);
    assert_string_equal(methods, "GET, DELETE");
    assert_int_equal(gw_route_methods("/nowhere", methods, sizeof methods), 0);
    assert_string_equal(methods, "");
}

static void test_route_table_refuses_odd_paths(void **state)
{
    (void)state;
    gw_match_t m;
    assert_int_equal(gw_route_lookup("GET", "/products/..", &m), GW_NOT_FOUND);
    assert_int_equal(gw_route_lookup("GET", "/products/.", &m), GW_NOT_FOUND);
    assert_int_equal(gw_route_lookup("GET", "/orders/../tracking", &m), GW_NOT_FOUND);
    assert_int_equal(gw_route_lookup("GET", "/orders/%2e%2E/tracking", &m), GW_NOT_FOUND);
    assert_int_equal(gw_route_lookup("GET", "/products/.%2e", &m), GW_NOT_FOUND);
    assert_int_equal(gw_route_lookup("GET", "/products/%2e", &m), GW_NOT_FOUND);
    assert_int_equal(gw_route_lookup("GET", "//products", &m), GW_NOT_FOUND);
    assert_int_equal(gw_route_lookup("GET", "products", &m), GW_NOT_FOUND);
    assert_int_equal(gw_route_lookup("GET", "", &m), GW_NOT_FOUND);

    static char longpath[GW_MAX_PATH + 16];
    memset(longpath, 'a', sizeof longpath - 1);
    memcpy(longpath, "/products/", 10);
    longpath[sizeof longpath - 1] = '\0';
    assert_int_equal(gw_route_lookup("GET", longpath, &m), GW_NOT_FOUND);
    /* Dots inside a segment are an ordinary value. */
    assert_int_equal(gw_route_lookup("GET", "/images/a..b.png", &m), GW_FOUND);
    assert_string_equal(gw_match_param(&m, "name"), "a..b.png");
    assert_int_equal(gw_route_lookup("GET", "/images/...", &m), GW_FOUND);
    assert_int_equal(gw_route_lookup("GET", "/images/%2e%2e%2e", &m), GW_FOUND);
}

static void test_route_table_roles(void **state)
{
    (void)state;
    gw_match_t m;
    assert_int_equal(gw_route_lookup("GET", "/products", &m), GW_FOUND);
    assert_true(gw_route_is_public(m.route));
    assert_int_equal(gw_route_lookup("GET", "/user/me", &m), GW_FOUND);
    assert_false(gw_route_is_public(m.route));
    assert_true(gw_route_any_role(m.route));
    assert_int_equal(gw_route_lookup("PUT", "/admin/products/x/approve", &m), GW_FOUND);
    assert_string_equal(m.route->roles, "admin");
    for (size_t i = 0; i < gw_route_count; i++)
        if (strncmp(gw_routes[i].pattern, "/admin/", 7) == 0)
            assert_string_equal(gw_routes[i].roles, "admin");
}

static void test_route_table_service_names(void **state)
{
    (void)state;
    assert_string_equal(gw_service_name(GW_IDENTITY), "identity");
    assert_string_equal(gw_service_name(GW_ORDER), "order");
    assert_string_equal(gw_service_name(GW_NOTIFICATION), "notification");
    assert_string_equal(gw_service_name(GW_SERVICE_COUNT), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_table_has_every_roadmap_route),
        cmocka_unit_test(test_route_table_has_identity_and_later_routes),
        cmocka_unit_test(test_route_table_entries_are_well_formed),
        cmocka_unit_test(test_route_table_no_route_shadows_another),
        cmocka_unit_test(test_route_table_never_exposes_internal),
        cmocka_unit_test(test_route_table_lookup_fills_params),
        cmocka_unit_test(test_route_table_detects_method_not_allowed),
        cmocka_unit_test(test_route_table_refuses_odd_paths),
        cmocka_unit_test(test_route_table_roles),
        cmocka_unit_test(test_route_table_service_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
