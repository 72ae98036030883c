/* auth.h - verifying identity's access tokens in every service, role checks, and the
 * service credential that guards /internal/... routes.
 *
 * Tokens are RS256 JWTs signed by identity; services hold only the public key
 * (JWT_PUBLIC_KEY or JWT_PUBLIC_KEY_FILE). Claims: sub (user id), role, email,
 * iss "store-identity", aud "store", exp, iat, jti.
 */
#ifndef COMMON_AUTH_H
#define COMMON_AUTH_H

#include <stdbool.h>

#include "common/http.h"

#define AUTH_ISSUER   "store-identity"
#define AUTH_AUDIENCE "store"

typedef struct auth_principal {
    char user_id[37];
    char role[16]; /* "customer", "seller", "admin" */
    char email[256];
} auth_principal_t;

/* Loads the public key from the environment (JWT_PUBLIC_KEY[_FILE]) and the service
 * credential (SERVICE_TOKEN[_FILE]). 0, or ERR_INVALID when the key is missing. */
int auth_init(void);

/* Sets the public key from PEM text directly (tests, identity itself). */
int auth_set_public_key(const char *pem);

/* True once a public key is loaded (by auth_init or auth_set_public_key). */
bool auth_has_public_key(void);

/* Verifies "Bearer <jwt>": signature, algorithm RS256 only, issuer, audience, expiry.
 * 0 with *out filled, or ERR_UNAUTHORIZED. */
int auth_verify_bearer(const char *authorization, auth_principal_t *out);

/* True when role is one of the comma-separated roles ("customer,admin"). Pure. */
bool auth_role_allowed(const char *role, const char *roles);

/* Authenticates the request and checks its role. On failure it has replied 401 or 403
 * and returns a negative code. roles NULL means any authenticated user. */
int auth_require(http_req_t *req, const char *roles, auth_principal_t *out);

/* Checks the X-Service-Token header against the service credential in constant time.
 * On failure it has replied 401 and returns ERR_UNAUTHORIZED. */
int auth_require_service(http_req_t *req);

/* The service credential for calls to peers' /internal routes (NULL if unset). */
const char *auth_service_token(void);

#endif
