/* routes.h - identity's HTTP surface: the static route table and its handlers. */
#ifndef IDENTITY_ROUTES_H
#define IDENTITY_ROUTES_H

#include <stddef.h>

#include "common/http.h"
#include "tokens.h"

/* Prepares what handlers share (the JWKS document, the address cap). tokens is
 * borrowed and must outlive the server. Call before http_server_start. 0 or an error. */
int routes_init(const tokens_t *tokens, int max_addresses);

/* The route table for http_server_start. */
const http_route_t *routes_table(size_t *count);

/* Frees what routes_init made; call after http_server_stop. */
void routes_free(void);

#endif
