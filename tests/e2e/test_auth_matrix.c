/* test_auth_matrix.c - the authorization matrix, generated from the gateway's route table
 * (services/gateway/route_table.c): every public route x (anonymous, customer, another
 * customer, seller, another seller, admin) through the gateway of the running stack.
 *
 * What each cell must answer, from the route's roles alone:
 *   public route              never the gateway's 401 or 403 (a webhook may still refuse
 *                             a bad signature itself);
 *   anonymous, not public     401;
 *   role not listed           403;
 *   role listed (or "any")    neither 401 nor 403: parameters are fresh random UUIDs and
 *                             bodies are "{}", so the service answers 404, 400 or 2xx;
 *                             and never 405 or "no such route" from the service, which
 *                             would mean it does not serve a route the table publishes.
 * In every cell a 5xx is a failure, except 503 from a service the stack does not run
 * (its <NAME>_URLS is absent from stack.env): that cell is skipped and shown as "skip".
 *
 * Random ids cannot show ownership, so a second table uses real resources: a product
 * and SKU of one seller, an address and (when the order service runs) an order of one
 * customer, and a cart item of the other, each tried by its owner and by the other user
 * of the same role, who must get 403 or 404 and change nothing.
 *
 * The route table is read, not copied: routes added to it are checked without touching
 * this file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <time.h>

#include "common/auth.h"
#include "common/ids.h"
#include "journey_support.h"
#include "route_table.h"

enum who { ANON, CUST, CUST2, SELLER, SELLER2, ADMIN, WHO_COUNT };

static const char *const who_name[WHO_COUNT] = {"anon",   "customer", "customer2",
                                                "seller", "seller2",  "admin"};
static const char *const who_role[WHO_COUNT] = {NULL,     "customer", "customer",
                                                "seller", "seller",   "admin"};
static j_user_t users[WHO_COUNT];

/* The gateway's own refusals (services/gateway/routes.c), told apart from a service's
 * by their message: a public route may be refused by its service, never by the gateway. */
#define GW_401_MESSAGE "a valid bearer token is required"
#define GW_403_MESSAGE "this route is not open to your role"

static const char *token_of(enum who w)
{
    return w == ANON ? NULL : (w == ADMIN ? j_admin() : users[w].token);
}

/* True when the stack runs the service (stack.sh writes <NAME>_URLS only for those). */
static bool service_running(enum gw_service s)
{
    char var[64];
    const char *name = gw_service_name(s);
    size_t i = 0;
    for (; name[i] != '\0' && i < sizeof var - 6; i++)
        var[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
    snprintf(var + i, sizeof var - i, "_URLS");
    const char *v = getenv(var);
    return v != NULL && v[0] != '\0';
}

/* Sends through the gateway, waiting out a 429 (the matrix sends a few hundred requests
 * from one address) for at most 30 s. */
static t_resp_t send_req(const char *method, const char *path, const char *token, const char *body)
{
    struct timespec start, now, pause = {0, 200 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        t_resp_t r;
        assert_int_equal(t_gw(method, path, token, body, &r), 0);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (r.status != 429 || now.tv_sec - start.tv_sec > 30)
            return r;
        t_resp_free(&r);
        nanosleep(&pause, NULL);
    }
}

static const char *error_message(const t_resp_t *r)
{
    const cJSON *e = r->json ? cJSON_GetObjectItemCaseSensitive(r->json, "error") : NULL;
    const cJSON *m = e ? cJSON_GetObjectItemCaseSensitive(e, "message") : NULL;
    return cJSON_IsString(m) ? m->valuestring : "";
}

/* The route's pattern with every ":param" replaced by a fresh random UUID. */
static void fill_path(const char *pattern, char *out, size_t len)
{
    size_t at = 0;
    for (const char *p = pattern; *p != '\0' && at + 1 < len;) {
        if (*p == ':' && p > pattern && p[-1] == '/') {
            char id[ID_UUID_LEN];
            id_uuid(id);
            at += (size_t)snprintf(out + at, len - at, "%s", id);
            p += strcspn(p, "/");
        } else {
            out[at++] = *p++;
        }
    }
    out[at < len ? at : len - 1] = '\0';
}

enum verdict { V_OK, V_FAIL, V_SKIP };

/* Judges one cell of the route matrix; *why says what was wrong. */
static enum verdict judge(const gw_route_t *route, enum who w, const t_resp_t *r, const char **why)
{
    long s = r->status;
    bool gateway_refused = (s == 401 && strcmp(error_message(r), GW_401_MESSAGE) == 0) ||
                           (s == 403 && strcmp(error_message(r), GW_403_MESSAGE) == 0);
    bool allowed;
    *why = NULL;
    if (s == 503 && !service_running(route->service))
        return V_SKIP;
    if (gw_route_is_public(route)) {
        if (gateway_refused)
            *why = "the gateway refused a public route";
        allowed = true;
    } else if (w == ANON) {
        if (s != 401)
            *why = "anonymous must get 401";
        return *why ? V_FAIL : V_OK;
    } else {
        allowed = gw_route_any_role(route) || auth_role_allowed(who_role[w], route->roles);
        if (!allowed && s != 403)
            *why = "a role the route does not list must get 403";
        if (allowed && (s == 401 || s == 403))
            *why = "a role the route lists was refused";
    }
    if (*why == NULL && s >= 500)
        *why = "server error";
    /* The gateway forwarded it, so a 405 or a "no such route" came from a service that
     * does not serve what the table publishes. */
    if (*why == NULL && (s == 405 || (s == 404 && strcmp(error_message(r), "no such route") == 0)))
        *why = "the service does not serve this route";
    if (*why == NULL && s == 429)
        *why = "still rate limited after 30 s";
    return *why ? V_FAIL : V_OK;
}

static void print_rule(void)
{
    printf("%.*s\n", 58 + 14 + WHO_COUNT * 11,
           "--------------------------------------------------------------------------------"
           "--------------------------------------------------------------------------------");
}

/* Every route of the table x every kind of caller. */
static void test_auth_matrix_routes(void **state)
{
    (void)state;
    int failures = 0, skipped = 0, cells = 0;
    char path[GW_MAX_PATH + 1];

    printf("\nAuthorization matrix: %zu routes of the gateway's table\n", gw_route_count);
    printf("%-58s %-13s", "route", "roles");
    for (int w = 0; w < WHO_COUNT; w++)
        printf(" %10s", who_name[w]);
    printf("\n");
    print_rule();
    for (size_t i = 0; i < gw_route_count; i++) {
        const gw_route_t *route = &gw_routes[i];
        char label[80];
        snprintf(label, sizeof label, "%s %s", route->method, route->pattern);
        printf("%-58.58s %-13.13s", label, route->roles);
        const char *notes[WHO_COUNT] = {0};
        long statuses[WHO_COUNT] = {0};
        for (int w = 0; w < WHO_COUNT; w++) {
            fill_path(route->pattern, path, sizeof path);
            bool has_body = strcmp(route->method, "POST") == 0 ||
                            strcmp(route->method, "PUT") == 0 ||
                            strcmp(route->method, "PATCH") == 0;
            t_resp_t r =
                send_req(route->method, path, token_of((enum who)w), has_body ? "{}" : NULL);
            enum verdict v = judge(route, (enum who)w, &r, &notes[w]);
            statuses[w] = r.status;
            char cell[16];
            if (v == V_SKIP) {
                snprintf(cell, sizeof cell, "skip");
                skipped++;
            } else {
                snprintf(cell, sizeof cell, "%ld%s", r.status, v == V_FAIL ? " FAIL" : "");
                failures += v == V_FAIL;
            }
            cells++;
            printf(" %10s", cell);
            t_resp_free(&r);
        }
        printf("\n");
        for (int w = 0; w < WHO_COUNT; w++)
            if (notes[w] != NULL)
                printf("    FAIL %s as %s: %ld: %s\n", label, who_name[w], statuses[w], notes[w]);
    }
    print_rule();
    printf("%d cells, %d failed, %d skipped (503 from a service the stack does not run)\n", cells,
           failures, skipped);
    fflush(stdout);
    if (failures > 0)
        fail_msg("%d cells of the authorization matrix are wrong (see the table)", failures);
}

/* ---- ownership -------------------------------------------------------------------------- */

enum want { OWNER_OK, DENIED };

typedef struct own_row {
    const char *what;
    const char *method;
    char path[160];
    const char *body;
    enum who who;
    enum want want;
    enum gw_service service;
} own_row_t;

#define MAX_ROWS 40

static int add_row(own_row_t *rows, int n, const char *what, const char *method, const char *path,
                   const char *body, enum who who, enum want want, enum gw_service service)
{
    assert_true(n < MAX_ROWS);
    rows[n] = (own_row_t){
        .what = what, .method = method, .body = body, .who = who, .want = want, .service = service};
    snprintf(rows[n].path, sizeof rows[n].path, "%s", path);
    return n + 1;
}

/* True when the customer's address list still holds id. */
static bool address_listed(enum who w, const char *id)
{
    t_resp_t r = send_req("GET", "/user/addresses", token_of(w), NULL);
    bool found = r.status == 200 && r.body != NULL && strstr(r.body, id) != NULL;
    t_resp_free(&r);
    return found;
}

/* Another user of the owner's role reading or changing the owner's resources. */
static void test_auth_matrix_ownership(void **state)
{
    (void)state;
    own_row_t rows[MAX_ROWS];
    int n = 0, failures = 0, skipped = 0;
    char p[160];

    /* The resources: a product with a SKU of the seller, an address and a cart item of
     * the customer, and an order of the customer when the order service runs. */
    j_product_t product = j_product(&users[SELLER], "Matrix lamp", 2500, 10);
    char address[37], item[37], order[37] = "";
    j_address(&users[CUST], J_COUNTRY, address);
    char body[256];
    snprintf(body, sizeof body, "{\"product_id\":\"%s\",\"sku\":\"%s\",\"quantity\":1}", product.id,
             product.sku);
    /* The cart item is the second customer's: the first one's cart empties, at some
     * point, after the checkout below (cart consumes OrderCreated). */
    t_resp_t r = j_call("POST", "/cart/items", users[CUST2].token, body, 201);
    snprintf(item, sizeof item, "%s", c_str(r.json, "id"));
    t_resp_free(&r);
    if (service_running(GW_ORDER)) {
        /* A zone for the address, as j_zone_ensure makes it, but a missing zone route
         * only costs the order rows (checkout then answers 422). */
        if (service_running(GW_FULFILLMENT)) {
            r = send_req("POST", "/admin/zones", j_admin(),
                         "{\"name\":\"journey-" J_COUNTRY "\",\"country\":\"" J_COUNTRY
                         "\",\"fee\":0,\"currency\":\"NPR\"}");
            if (r.status != 201 && r.status != 409)
                printf("note: POST /admin/zones answered %ld: %s\n", r.status, r.body);
            t_resp_free(&r);
        }
        r = j_call("POST", "/cart/items", users[CUST].token, body, 201);
        t_resp_free(&r);
        r = j_checkout_raw(&users[CUST], address, "fake", NULL);
        if (r.status == 201 && c_str(r.json, "order_id") != NULL)
            snprintf(order, sizeof order, "%s", c_str(r.json, "order_id"));
        else
            printf("note: checkout answered %ld, so the order rows are left out: %s\n", r.status,
                   r.body);
        t_resp_free(&r);
    }

    /* The seller's product and stock. */
    snprintf(p, sizeof p, "/seller/products/%s", product.id);
    n = add_row(rows, n, "update a product", "PUT", p, "{\"title\":\"Taken over\"}", SELLER2,
                DENIED, GW_CATALOG);
    n = add_row(rows, n, "update a product", "PUT", p, "{\"title\":\"Matrix lamp, blue\"}", SELLER,
                OWNER_OK, GW_CATALOG);
    snprintf(p, sizeof p, "/seller/products/%s/archive", product.id);
    n = add_row(rows, n, "archive a product", "PUT", p, "{}", SELLER2, DENIED, GW_CATALOG);
    snprintf(p, sizeof p, "/seller/products/%s/images/order", product.id);
    n = add_row(rows, n, "reorder images", "PUT", p, "{\"image_ids\":[]}", SELLER2, DENIED,
                GW_CATALOG);
    snprintf(p, sizeof p, "/seller/products/%s/inventory", product.id);
    n = add_row(rows, n, "add a SKU to a product", "POST", p,
                "{\"sku\":\"MATRIX-HIJACK\",\"quantity\":5}", SELLER2, DENIED, GW_INVENTORY);
    snprintf(p, sizeof p, "/inventory/%s", product.sku);
    n = add_row(rows, n, "read a SKU", "GET", p, NULL, SELLER2, DENIED, GW_INVENTORY);
    n = add_row(rows, n, "read a SKU", "GET", p, NULL, SELLER, OWNER_OK, GW_INVENTORY);
    n = add_row(rows, n, "change a SKU's stock", "PATCH", p, "{\"delta\":-10}", SELLER2, DENIED,
                GW_INVENTORY);
    snprintf(p, sizeof p, "/inventory/%s/ledger", product.sku);
    n = add_row(rows, n, "read a SKU's ledger", "GET", p, NULL, SELLER2, DENIED, GW_INVENTORY);

    /* The customer's address and cart. */
    snprintf(p, sizeof p, "/user/addresses/%s", address);
    static const char addr_body[] =
        "{\"name\":\"Someone Else\",\"phone\":\"+977 1 5550199\",\"line1\":\"Elsewhere 1\","
        "\"city\":\"Pokhara\",\"district\":\"Kaski\",\"postal_code\":\"33700\",\"country\":\"NP\"}";
    n = add_row(rows, n, "replace an address", "PUT", p, addr_body, CUST2, DENIED, GW_IDENTITY);
    n = add_row(rows, n, "replace an address", "PUT", p, addr_body, SELLER2, DENIED, GW_IDENTITY);
    n = add_row(rows, n, "delete an address", "DELETE", p, NULL, CUST2, DENIED, GW_IDENTITY);
    snprintf(p, sizeof p, "/cart/items/%s", item);
    n = add_row(rows, n, "change a cart item", "PATCH", p, "{\"quantity\":3}", CUST, DENIED,
                GW_CART);
    n = add_row(rows, n, "delete a cart item", "DELETE", p, NULL, CUST, DENIED, GW_CART);
    n = add_row(rows, n, "change a cart item", "PATCH", p, "{\"quantity\":2}", CUST2, OWNER_OK,
                GW_CART);

    /* The customer's order. */
    if (order[0] != '\0') {
        snprintf(p, sizeof p, "/orders/%s", order);
        n = add_row(rows, n, "read an order", "GET", p, NULL, CUST2, DENIED, GW_ORDER);
        n = add_row(rows, n, "read an order", "GET", p, NULL, SELLER2, DENIED, GW_ORDER);
        n = add_row(rows, n, "read an order", "GET", p, NULL, CUST, OWNER_OK, GW_ORDER);
        n = add_row(rows, n, "read an order", "GET", p, NULL, ADMIN, OWNER_OK, GW_ORDER);
        snprintf(p, sizeof p, "/orders/%s/cancel", order);
        n = add_row(rows, n, "cancel an order", "POST", p, "{}", CUST2, DENIED, GW_ORDER);
        snprintf(p, sizeof p, "/orders/%s/shipment", order);
        n = add_row(rows, n, "read an order's shipment", "GET", p, NULL, CUST2, DENIED,
                    GW_FULFILLMENT);
    }

    printf("\nOwnership: the owner's resources tried by another user of the same role\n");
    printf("%-26s %-6s %-12s %-10s %-6s %s\n", "action", "method", "caller", "want", "got", "path");
    print_rule();
    for (int i = 0; i < n; i++) {
        const own_row_t *row = &rows[i];
        r = send_req(row->method, row->path, token_of(row->who), row->body);
        const char *mark = "";
        bool failed = false;
        if (r.status == 503 && !service_running(row->service)) {
            mark = " skip";
            skipped++;
        } else if (row->want == DENIED ? (r.status != 403 && r.status != 404)
                                       : (r.status < 200 || r.status > 299)) {
            mark = " FAIL";
            failed = true;
            failures++;
        }
        printf("%-26s %-6s %-12s %-10s %-6ld%s %s\n", row->what, row->method, who_name[row->who],
               row->want == DENIED ? "403/404" : "2xx", r.status, mark, row->path);
        if (failed)
            printf("    %s\n", r.body);
        t_resp_free(&r);
    }
    print_rule();

    /* What the others tried changed nothing. */
    if (!address_listed(CUST, address)) {
        printf("FAIL: the customer's address is gone after another user's DELETE\n");
        failures++;
    }
    r = send_req("GET", "/cart", users[CUST2].token, NULL);
    if (r.status != 200 || r.body == NULL || strstr(r.body, item) == NULL) {
        printf("FAIL: the second customer's cart item is gone: %ld %s\n", r.status, r.body);
        failures++;
    }
    t_resp_free(&r);
    long on_hand, reserved, available;
    j_stock(product.sku, &on_hand, &reserved, &available);
    if (on_hand != 10) {
        printf("FAIL: the SKU's stock changed to %ld after another seller's PATCH\n", on_hand);
        failures++;
    }
    printf("%d ownership checks, %d failed, %d skipped\n", n, failures, skipped);
    fflush(stdout);
    if (failures > 0)
        fail_msg("%d ownership checks failed (see the table)", failures);
}

static int group_setup(void **state)
{
    (void)state;
    /* The tables interleave with cmocka's lines on stderr: keep them in order. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    stack_load();
    for (int w = CUST; w < ADMIN; w++)
        users[w] = j_user(who_role[w]);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    for (int w = 0; w < WHO_COUNT; w++)
        j_user_free(&users[w]);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_matrix_ownership),
        cmocka_unit_test(test_auth_matrix_routes),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
