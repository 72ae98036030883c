/* tokens.h - what identity signs and hands out: RS256 access tokens, opaque refresh
 * tokens (only their SHA-256 is stored), and the JWKS that publishes the public key.
 *
 * Pure crypto over keys passed in as PEM text; no files, database or network.
 * A tokens_t is immutable after tokens_load, so worker threads share it freely.
 */
#ifndef IDENTITY_TOKENS_H
#define IDENTITY_TOKENS_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* 32 random bytes as unpadded base64url: 43 characters and a NUL. */
#define TOKENS_REFRESH_LEN 44
/* SHA-256 in lowercase hex and a NUL. */
#define TOKENS_HASH_LEN 65
/* The key id: the first 16 hex characters of SHA-256 over the DER public key. */
#define TOKENS_KID_LEN 17

typedef struct tokens tokens_t;

/* Loads an RSA private key (PEM, at least 2048 bits) and derives its public key, kid
 * and JWKS entry. 0 with *out set (free with tokens_free), ERR_INVALID for a key that
 * is not usable, ERR_INTERNAL when memory runs out. */
int tokens_load(const char *private_pem, tokens_t **out);

void tokens_free(tokens_t *tokens);

/* The key id placed in every token's header and in the JWKS. Owned by tokens. */
const char *tokens_kid(const tokens_t *tokens);

/* The public key as PEM (for auth_set_public_key). Owned by tokens. */
const char *tokens_public_pem(const tokens_t *tokens);

/* {"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid","n","e"}]}; caller deletes. */
cJSON *tokens_jwks(const tokens_t *tokens);

/* The claims of one access token. */
typedef struct token_claims {
    const char *user_id;
    const char *role;
    const char *email;
    int64_t issued_at; /* unix seconds */
    long ttl_seconds;  /* exp = issued_at + ttl_seconds */
} token_claims_t;

/* Signs an access token with sub, role, email, iss, aud, iat, exp and a random jti,
 * and "kid" in its header. 0 with *out set (caller frees with free()), or ERR_INTERNAL. */
int tokens_mint_access(const tokens_t *tokens, const token_claims_t *claims, char **out);

/* A new random refresh token and the hash stored for it. 0 or ERR_INTERNAL. */
int tokens_new_refresh(char token[TOKENS_REFRESH_LEN], char hash[TOKENS_HASH_LEN]);

/* True when s has the shape of a refresh token (43 base64url characters). */
bool tokens_refresh_format_ok(const char *s);

/* The stored form of a refresh token: lowercase hex SHA-256 of its text. */
void tokens_hash_refresh(const char *token, char hash[TOKENS_HASH_LEN]);

#endif
