/* store.h - every SQL statement of identity, and nothing else.
 *
 * Each function runs on the connection it is given, so callers choose whether it
 * runs inside a transaction (db_tx) or on its own. Returns 0 or a negative code from
 * common/errors.h (ERR_NOT_FOUND when the row does not exist, ERR_CONFLICT on a
 * unique violation, database errors as db_query maps them).
 */
#ifndef IDENTITY_STORE_H
#define IDENTITY_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "ratelimit.h"
#include "users.h"

#define STORE_TIME_LEN 32 /* "2024-01-02T03:04:05.678Z" and room */

typedef struct user_row {
    char id[37];
    char email[USER_EMAIL_MAX + 1];
    char name[USER_NAME_MAX + 1];
    char role[16];
    char password_hash[128]; /* crypto_pwhash_STRBYTES */
    char created_at[STORE_TIME_LEN];
} user_row_t;

/* Inserts a user. ERR_CONFLICT when the (lowercase) email is taken. On success
 * created_at receives the row's creation time in RFC 3339 UTC. */
int store_user_insert(PGconn *conn, const char *id, const char *email, const char *password_hash,
                      const char *name, const char *role, char created_at[STORE_TIME_LEN]);

/* Inserts a user unless the email is taken, in which case *inserted is false and
 * nothing changes (used for the admin seed, which replicas may run at once). */
int store_user_insert_if_absent(PGconn *conn, const char *id, const char *email,
                                const char *password_hash, const char *name, const char *role,
                                bool *inserted, char created_at[STORE_TIME_LEN]);

int store_user_by_email(PGconn *conn, const char *email, user_row_t *out);
int store_user_by_id(PGconn *conn, const char *id, user_row_t *out);

/* Refresh tokens, identified by the SHA-256 hex of the token. */
typedef struct refresh_row {
    char user_id[37];
    char family_id[37];
    bool revoked;
    bool expired;
} refresh_row_t;

int store_refresh_insert(PGconn *conn, const char *token_hash, const char *user_id,
                         const char *family_id, long ttl_seconds);

/* Reads a refresh token and locks its row until the transaction ends. */
int store_refresh_lock(PGconn *conn, const char *token_hash, refresh_row_t *out);

/* Marks a token used: revoked now and replaced by new_hash. */
int store_refresh_rotate(PGconn *conn, const char *old_hash, const char *new_hash);

/* Revokes every still-valid token of a family (reuse of a rotated token). */
int store_refresh_revoke_family(PGconn *conn, const char *family_id);

/* Revokes one token if it belongs to user_id; 0 even when nothing matched. */
int store_refresh_revoke(PGconn *conn, const char *token_hash, const char *user_id);

/* Drops a user's tokens that expired more than a day ago (housekeeping at login). */
int store_refresh_purge(PGconn *conn, const char *user_id);

/* Login attempt windows, keyed "account:<email>" or "client:<address>". */

/* Reads up to two windows without locking; a missing row is an empty window. */
int store_attempts_read(PGconn *conn, const char *key1, rl_window_t *w1, const char *key2,
                        rl_window_t *w2);

/* Reads a window and locks its row (creating an empty one) until the transaction ends. */
int store_attempts_lock(PGconn *conn, const char *key, rl_window_t *out);

int store_attempts_write(PGconn *conn, const char *key, const rl_window_t *w);
int store_attempts_clear(PGconn *conn, const char *key);

/* Deletes up to 100 windows that started before `before` (unix seconds). */
int store_attempts_purge(PGconn *conn, int64_t before);

/* Addresses, always scoped to their owner: another user's address is ERR_NOT_FOUND. */

/* {"items":[address...]} oldest first; caller deletes *out. */
int store_address_list(PGconn *conn, const char *user_id, cJSON **out);

/* Inserts unless the user already has max_per_user addresses (ERR_CONFLICT). */
int store_address_insert(PGconn *conn, const char *id, const char *user_id,
                         const address_fields_t *a, int max_per_user, cJSON **out);

int store_address_update(PGconn *conn, const char *id, const char *user_id,
                         const address_fields_t *a, cJSON **out);
int store_address_delete(PGconn *conn, const char *id, const char *user_id);
int store_address_get(PGconn *conn, const char *id, const char *user_id, cJSON **out);

#endif
