/* accounts.h - identity's use cases: register, seed the admin, log in, refresh and
 * log out. Each one hashes or verifies passwords, runs its SQL through store.c
 * inside a transaction where several statements must agree, and writes events
 * through the outbox in the same transaction as the change they announce.
 *
 * Threads: called from civetweb workers (and main, for the seed); every function
 * uses the calling thread's database connection.
 */
#ifndef IDENTITY_ACCOUNTS_H
#define IDENTITY_ACCOUNTS_H

#include <stddef.h>

#include "common/events.h"
#include "ratelimit.h"
#include "store.h"
#include "tokens.h"

typedef struct accounts_config {
    const tokens_t *tokens;         /* borrowed; outlives the accounts module */
    long access_ttl;                /* seconds */
    long refresh_ttl;               /* seconds */
    rl_policy_t per_account;        /* failed logins per account */
    rl_policy_t per_client;         /* failed logins per client address */
    unsigned long long pw_opslimit; /* Argon2id cost for new hashes */
    size_t pw_memlimit;
    int pw_concurrency; /* hashes computed at once (each takes pw_memlimit bytes) */
} accounts_config_t;

/* Copies the configuration. Call once before serving. 0 or ERR_INTERNAL. */
int accounts_init(const accounts_config_t *cfg);

/* A new user (email already validated and lowercased). Inserts the user and its
 * UserRegistered event in one transaction. 0 with *out filled, ERR_CONFLICT when
 * the email is taken, or a database error. */
int account_register(const char *email, const char *password, const char *name, const char *role,
                     const event_ctx_t *ctx, user_row_t *out);

/* Creates the admin account unless a user with that email exists. Safe when several
 * replicas run it at once: exactly one inserts. 0, ERR_INVALID for a bad email or
 * password, or a database error. */
int account_seed_admin(const char *email, const char *password, const char *name);

/* What a successful login or refresh hands to the client. */
typedef struct session {
    char *access_token; /* free with session_clear */
    char refresh_token[TOKENS_REFRESH_LEN];
    long expires_in;
} session_t;

void session_clear(session_t *s);

/* Checks the credentials of email (as typed) from client (an address). 0 with *out
 * filled; ERR_UNAUTHORIZED for an unknown email or a wrong password (the same answer
 * and a similar time for both); ERR_RATE_LIMITED with *retry_after in seconds when
 * the account or the client has too many recent failures. */
int account_login(const char *email, const char *password, const char *client, session_t *out,
                  int *retry_after);

/* Trades a refresh token for a new pair and revokes it. ERR_UNAUTHORIZED when the
 * token is unknown, expired or revoked; presenting a revoked (already rotated) token
 * also revokes every token of its session. */
int account_refresh(const char *refresh_token, session_t *out);

/* Revokes a refresh token of user_id (nothing happens for anyone else's). */
int account_logout(const char *user_id, const char *refresh_token);

#endif
