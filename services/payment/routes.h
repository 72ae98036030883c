/* routes.h - the payment service's HTTP surface: the static route table and its
 * handlers. */
#ifndef PAYMENT_ROUTES_H
#define PAYMENT_ROUTES_H

#include <stddef.h>

#include "common/http.h"

/* Remembers what handlers share: PUBLIC_BASE_URL (the gateway as browsers and providers
 * reach it: return URLs and the fake page are built on it), FAKE_WEBHOOK_BASE_URL (the
 * gateway as this service reaches it, where the fake page sends its webhook; "" or NULL:
 * PUBLIC_BASE_URL) and PAYMENT_RESULT_URL (where a browser return is redirected; ""
 * answers JSON instead). Call before the server starts. */
void routes_init(const char *public_base_url, const char *fake_webhook_base_url,
                 const char *result_url);

/* The route table for the HTTP server. */
const http_route_t *routes_table(size_t *count);

#endif
