/* route_table.c - every public route of the system, which service answers it and
 * which roles may call it.
 *
 * To publish a route, add one line here (the service implements it, the gateway
 * forwards it, OpenAPI documents it). The roles are a first line of defence only:
 * every service checks the caller again, including ownership, so an entry here is
 * never stricter than its service. /internal/... routes are never listed.
 */
#include "route_table.h"

#include <stdio.h>
#include <string.h>

#define PUB   GW_ROLE_PUBLIC
#define ANY   GW_ROLE_ANY
#define ADMIN "admin"
#define SELL  "seller,admin"
#define CUST  "customer"

/* Method, pattern, service, roles, summary, upload. Grouped by service in roadmap order;
 * routes of the roadmap keep its exact methods and paths. */
const gw_route_t gw_routes[] = {
    /* identity */
    {"POST", "/auth/register", GW_IDENTITY, PUB, "Register a customer or seller account", false},
    {"POST", "/auth/login", GW_IDENTITY, PUB, "Log in; returns an access and a refresh token",
     false},
    {"POST", "/auth/refresh", GW_IDENTITY, PUB, "Exchange a refresh token for new tokens (rotates)",
     false},
    {"POST", "/auth/logout", GW_IDENTITY, PUB, "Revoke a refresh token", false},
    {"GET", "/user/me", GW_IDENTITY, ANY, "The authenticated user's profile", false},
    {"GET", "/user/addresses", GW_IDENTITY, ANY, "List the user's addresses", false},
    {"POST", "/user/addresses", GW_IDENTITY, ANY, "Add an address", false},
    {"PUT", "/user/addresses/:id", GW_IDENTITY, ANY, "Replace an address", false},
    {"DELETE", "/user/addresses/:id", GW_IDENTITY, ANY, "Delete an address", false},
    {"GET", "/.well-known/jwks.json", GW_IDENTITY, PUB, "Public keys that verify access tokens",
     false},

    /* catalog */
    {"POST", "/seller/products", GW_CATALOG, SELL, "Create a product (pending approval)", false},
    {"PUT", "/seller/products/:id", GW_CATALOG, SELL, "Update one of the seller's products", false},
    {"GET", "/seller/products", GW_CATALOG, SELL, "List the seller's own products", false},
    {"PUT", "/seller/products/:id/archive", GW_CATALOG, SELL,
     "Archive one of the seller's products", false},
    {"POST", "/seller/products/:id/images", GW_CATALOG, SELL, "Upload a product image", true},
    {"DELETE", "/seller/products/:id/images/:image_id", GW_CATALOG, SELL, "Delete a product image",
     false},
    {"PUT", "/seller/products/:id/images/order", GW_CATALOG, SELL, "Reorder a product's images",
     false},
    {"GET", "/products", GW_CATALOG, PUB, "Search and filter approved products", false},
    {"GET", "/products/:id", GW_CATALOG, PUB, "An approved product", false},
    {"PUT", "/admin/products/:id/approve", GW_CATALOG, ADMIN, "Approve a pending product", false},
    {"PUT", "/admin/products/:id/reject", GW_CATALOG, ADMIN,
     "Reject a pending product with a reason", false},
    {"GET", "/admin/products", GW_CATALOG, ADMIN, "List products in any status", false},
    {"POST", "/admin/categories", GW_CATALOG, ADMIN, "Create a category", false},
    {"GET", "/categories", GW_CATALOG, PUB, "List categories", false},
    {"GET", "/images/:name", GW_CATALOG, PUB, "A product image file", false},

    /* inventory */
    /* Only the product's own seller stocks it (inventory refuses admins too). */
    {"POST", "/seller/products/:id/inventory", GW_INVENTORY, "seller",
     "Create a SKU with stock for a product", false},
    {"PATCH", "/inventory/:sku", GW_INVENTORY, SELL, "Increase or decrease a SKU's stock", false},
    {"GET", "/inventory/:sku", GW_INVENTORY, SELL, "A SKU's stock and reservations", false},
    {"GET", "/inventory/:sku/ledger", GW_INVENTORY, SELL, "A SKU's stock movements", false},
    {"GET", "/products/:id/availability", GW_INVENTORY, PUB, "Whether a product is in stock",
     false},

    /* cart */
    {"GET", "/cart", GW_CART, CUST, "The customer's cart with live totals", false},
    {"POST", "/cart/items", GW_CART, CUST, "Add an item to the cart", false},
    {"PATCH", "/cart/items/:id", GW_CART, CUST, "Change a cart item's quantity", false},
    {"DELETE", "/cart/items/:id", GW_CART, CUST, "Remove an item from the cart", false},
    {"DELETE", "/cart", GW_CART, CUST, "Empty the cart", false},

    /* order */
    {"POST", "/checkout", GW_ORDER, CUST, "Check out the cart: reserve stock, create the order",
     false},
    {"POST", "/orders", GW_ORDER, CUST, "Buy now: create an order from explicit items", false},
    /* The roles the order service enforces (tests/e2e/test_auth_matrix.c holds them equal). */
    {"GET", "/orders/:id", GW_ORDER, "customer,admin", "An order (its customer or an admin)",
     false},
    {"GET", "/user/orders", GW_ORDER, CUST, "The customer's orders", false},
    {"POST", "/orders/:id/cancel", GW_ORDER, "customer,admin",
     "Cancel an order that has not shipped", false},
    {"GET", "/admin/orders", GW_ORDER, ADMIN, "List all orders", false},

    /* payment: webhooks, provider returns and the fake provider's page are called by
     * providers and browsers without a token; the payment service verifies them. */
    {"POST", "/payment/initiate", GW_PAYMENT, CUST, "Start paying an order with a provider", false},
    {"POST", "/payment/webhook", GW_PAYMENT, PUB,
     "The roadmap's webhook path: the fake provider's webhook", false},
    {"POST", "/payment/webhook/fake", GW_PAYMENT, PUB, "Webhook of the fake provider", false},
    {"POST", "/payment/webhook/stripe", GW_PAYMENT, PUB, "Stripe webhook (Stripe-Signature)",
     false},
    {"POST", "/payment/webhook/khalti", GW_PAYMENT, PUB, "Khalti callback (verified by lookup)",
     false},
    {"POST", "/payment/webhook/esewa", GW_PAYMENT, PUB, "eSewa callback (signed, status-checked)",
     false},
    {"GET", "/payment/return/:provider", GW_PAYMENT, PUB,
     "Where a provider sends the buyer's browser back", false},
    {"GET", "/payment/fake/:id", GW_PAYMENT, PUB, "The fake provider's hosted confirm page", false},
    {"POST", "/payment/fake/:id", GW_PAYMENT, PUB, "Confirm or decline on the fake provider's page",
     false},
    {"GET", "/payments/:id", GW_PAYMENT, ANY, "A payment attempt", false},
    {"POST", "/admin/payments/:id/refund", GW_PAYMENT, ADMIN,
     "Refund a captured payment, in full or in part", false},

    /* fulfillment */
    {"GET", "/orders/:id/tracking", GW_FULFILLMENT, ANY,
     "An order's shipments with courier, tracking number and history", false},
    {"GET", "/seller/shipments", GW_FULFILLMENT, SELL, "The seller's own shipments", false},
    {"PATCH", "/seller/shipments/:id/status", GW_FULFILLMENT, SELL,
     "Move one of the seller's shipments to its next status", false},
    {"GET", "/admin/shipments", GW_FULFILLMENT, ADMIN, "List shipments, by status", false},
    {"PUT", "/admin/shipments/:id/courier", GW_FULFILLMENT, ADMIN, "Assign a courier", false},
    {"PATCH", "/admin/shipments/:id/status", GW_FULFILLMENT, ADMIN,
     "Move a shipment to its next status", false},
    {"GET", "/admin/couriers", GW_FULFILLMENT, ADMIN, "List couriers", false},
    {"POST", "/admin/couriers", GW_FULFILLMENT, ADMIN, "Add a courier", false},
    {"GET", "/admin/zones", GW_FULFILLMENT, ADMIN, "List delivery zones", false},
    {"POST", "/admin/zones", GW_FULFILLMENT, ADMIN, "Add a delivery zone with its fee", false},
    {"PUT", "/admin/zones/:id", GW_FULFILLMENT, ADMIN, "Replace a delivery zone", false},
    {"DELETE", "/admin/zones/:id", GW_FULFILLMENT, ADMIN, "Delete a delivery zone", false},
    {"POST", "/couriers/callback", GW_FULFILLMENT, PUB,
     "A courier's signed status update (HMAC-SHA256)", false},

    /* notification */
    {"GET", "/user/notifications", GW_NOTIFICATION, ANY, "Notifications sent to the user", false},
    {"GET", "/admin/notifications", GW_NOTIFICATION, ADMIN, "All notifications and their delivery",
     false},
    {"GET", "/user/notification-preferences", GW_NOTIFICATION, ANY,
     "The user's notification channels (email, sms)", false},
    {"PUT", "/user/notification-preferences", GW_NOTIFICATION, ANY,
     "Opt in or out of a notification channel", false},
};

const size_t gw_route_count = sizeof gw_routes / sizeof gw_routes[0];

static const char *const service_names[GW_SERVICE_COUNT] = {
    [GW_IDENTITY] = "identity",
    [GW_CATALOG] = "catalog",
    [GW_INVENTORY] = "inventory",
    [GW_CART] = "cart",
    [GW_ORDER] = "order",
    [GW_PAYMENT] = "payment",
    [GW_FULFILLMENT] = "fulfillment",
    [GW_NOTIFICATION] = "notification",
};

const char *gw_service_name(enum gw_service service)
{
    if ((int)service < 0 || service >= GW_SERVICE_COUNT)
        return "unknown";
    return service_names[service];
}

/* True for ".", "..", and their percent-encoded spellings ("%2e", ".%2E", ...). */
static bool dot_segment(const char *s, size_t n)
{
    int dots = 0;
    for (size_t i = 0; i < n; dots++) {
        if (s[i] == '.')
            i += 1;
        else if (n - i >= 3 && s[i] == '%' && s[i + 1] == '2' && (s[i + 2] | 0x20) == 'e')
            i += 3;
        else
            return false;
    }
    return dots == 1 || dots == 2;
}

/* Paths the gateway refuses to route whatever the table says: the internal API, and
 * empty or dot segments, which an upstream may resolve into a different path than
 * the one the role check was made for. Paths arrive percent-encoded, as sent. */
static bool path_refused(const char *path)
{
    if (path[0] != '/' || strlen(path) > GW_MAX_PATH)
        return true;
    if (strncmp(path, "/internal", 9) == 0 && (path[9] == '\0' || path[9] == '/'))
        return true;
    for (const char *seg = path; seg != NULL; seg = strchr(seg + 1, '/')) {
        const char *s = seg + 1;
        size_t n = strcspn(s, "/");
        if (n == 0 || dot_segment(s, n))
            return true;
    }
    return false;
}

enum gw_lookup gw_route_lookup(const char *method, const char *path, gw_match_t *m)
{
    bool path_known = false;
    m->route = NULL;
    m->count = 0;
    if (method == NULL || path == NULL || path_refused(path))
        return GW_NOT_FOUND;
    for (size_t i = 0; i < gw_route_count; i++) {
        int count = 0;
        if (!http_match(gw_routes[i].pattern, path, m->scratch, m->names, m->values, &count))
            continue;
        path_known = true;
        if (strcmp(gw_routes[i].method, method) == 0) {
            m->route = &gw_routes[i];
            m->count = count;
            return GW_FOUND;
        }
    }
    m->count = 0;
    return path_known ? GW_METHOD_NOT_ALLOWED : GW_NOT_FOUND;
}

const char *gw_match_param(const gw_match_t *m, const char *name)
{
    for (int i = 0; i < m->count; i++)
        if (strcmp(m->names[i], name) == 0)
            return m->values[i];
    return NULL;
}

int gw_route_methods(const char *path, char *buf, size_t len)
{
    static _Thread_local char scratch[GW_MAX_PATH + 1];
    const char *names[HTTP_MAX_PARAMS], *values[HTTP_MAX_PARAMS];
    int found = 0;
    size_t at = 0;
    if (len > 0)
        buf[0] = '\0';
    if (path == NULL || path_refused(path))
        return 0;
    for (size_t i = 0; i < gw_route_count; i++) {
        int count = 0;
        if (!http_match(gw_routes[i].pattern, path, scratch, names, values, &count))
            continue;
        /* The same method can appear once per pattern; list it once. */
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++)
            dup = strcmp(gw_routes[j].method, gw_routes[i].method) == 0 &&
                  http_match(gw_routes[j].pattern, path, scratch, names, values, &count);
        if (dup)
            continue;
        size_t need = strlen(gw_routes[i].method) + (found ? 2 : 0);
        if (at + need + 1 > len)
            break;
        at += (size_t)snprintf(buf + at, len - at, "%s%s", found ? ", " : "", gw_routes[i].method);
        found++;
    }
    return found;
}

bool gw_route_is_public(const gw_route_t *route)
{
    return strcmp(route->roles, GW_ROLE_PUBLIC) == 0;
}

bool gw_route_any_role(const gw_route_t *route)
{
    return strcmp(route->roles, GW_ROLE_ANY) == 0;
}
