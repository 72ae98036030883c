/* store.c - identity's SQL. Statements only: no rules, no HTTP.
 *
 * Times leave the database already formatted as RFC 3339 UTC with milliseconds,
 * which is both what the API shows and what proto3 JSON accepts for a Timestamp.
 */
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/errors.h"

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

#define USER_COLUMNS "id, email, name, role, password_hash, " TS("created_at")

#define ADDRESS_COLUMNS                                                                            \
    "id, name, phone, line1, line2, city, district, postal_code, country, " TS(                    \
        "created_at") ", " TS("updated_at")

static void copy_field(char *dst, size_t cap, const PGresult *res, int row, int col)
{
    snprintf(dst, cap, "%s", PQgetvalue(res, row, col));
}

static int user_row_from(PGresult *res, user_row_t *out)
{
    if (PQntuples(res) == 0)
        return ERR_NOT_FOUND;
    copy_field(out->id, sizeof out->id, res, 0, 0);
    copy_field(out->email, sizeof out->email, res, 0, 1);
    copy_field(out->name, sizeof out->name, res, 0, 2);
    copy_field(out->role, sizeof out->role, res, 0, 3);
    copy_field(out->password_hash, sizeof out->password_hash, res, 0, 4);
    copy_field(out->created_at, sizeof out->created_at, res, 0, 5);
    return 0;
}

int store_user_insert(PGconn *conn, const char *id, const char *email, const char *password_hash,
                      const char *name, const char *role, char created_at[STORE_TIME_LEN])
{
    /* Insert first and let the unique index decide: checking first would race. */
    const char *p[] = {id, email, password_hash, name, role};
    PGresult *res;
    int rc = db_run(conn,
                    "INSERT INTO users (id, email, password_hash, name, role) "
                    "VALUES ($1, $2, $3, $4, $5) RETURNING " TS("created_at"),
                    5, p, &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 1)
        copy_field(created_at, STORE_TIME_LEN, res, 0, 0);
    else
        rc = ERR_INTERNAL;
    PQclear(res);
    return rc;
}

int store_user_insert_if_absent(PGconn *conn, const char *id, const char *email,
                                const char *password_hash, const char *name, const char *role,
                                bool *inserted, char created_at[STORE_TIME_LEN])
{
    const char *p[] = {id, email, password_hash, name, role};
    PGresult *res;
    int rc = db_run(conn,
                    "INSERT INTO users (id, email, password_hash, name, role) "
                    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING "
                    "RETURNING " TS("created_at"),
                    5, p, &res);
    if (rc != 0)
        return rc;
    *inserted = PQntuples(res) == 1;
    if (*inserted)
        copy_field(created_at, STORE_TIME_LEN, res, 0, 0);
    PQclear(res);
    return 0;
}

int store_user_by_email(PGconn *conn, const char *email, user_row_t *out)
{
    const char *p[] = {email};
    PGresult *res;
    int rc = db_run(conn, "SELECT " USER_COLUMNS " FROM users WHERE email = $1", 1, p, &res);
    if (rc != 0)
        return rc;
    rc = user_row_from(res, out);
    PQclear(res);
    return rc;
}

int store_user_by_id(PGconn *conn, const char *id, user_row_t *out)
{
    const char *p[] = {id};
    PGresult *res;
    int rc = db_run(conn, "SELECT " USER_COLUMNS " FROM users WHERE id = $1", 1, p, &res);
    if (rc != 0)
        return rc;
    rc = user_row_from(res, out);
    PQclear(res);
    return rc;
}

int store_refresh_insert(PGconn *conn, const char *token_hash, const char *user_id,
                         const char *family_id, long ttl_seconds)
{
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%ld", ttl_seconds);
    const char *p[] = {token_hash, user_id, family_id, ttl};
    return db_exec(conn,
                   "INSERT INTO refresh_tokens (token_hash, user_id, family_id, expires_at) "
                   "VALUES ($1, $2, $3, now() + make_interval(secs => $4::bigint))",
                   4, p);
}

int store_refresh_lock(PGconn *conn, const char *token_hash, refresh_row_t *out)
{
    const char *p[] = {token_hash};
    PGresult *res;
    /* FOR UPDATE: two refreshes of the same token serialize here, so exactly one
     * rotates it and the other sees it revoked. */
    int rc = db_run(conn,
                    "SELECT user_id, family_id, revoked_at IS NOT NULL, expires_at <= now() "
                    "FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE",
                    1, p, &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 0) {
        rc = ERR_NOT_FOUND;
    } else {
        copy_field(out->user_id, sizeof out->user_id, res, 0, 0);
        copy_field(out->family_id, sizeof out->family_id, res, 0, 1);
        out->revoked = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
        out->expired = strcmp(PQgetvalue(res, 0, 3), "t") == 0;
    }
    PQclear(res);
    return rc;
}

int store_refresh_rotate(PGconn *conn, const char *old_hash, const char *new_hash)
{
    const char *p[] = {old_hash, new_hash};
    return db_exec(conn,
                   "UPDATE refresh_tokens SET revoked_at = now(), replaced_by = $2 "
                   "WHERE token_hash = $1",
                   2, p);
}

int store_refresh_revoke_family(PGconn *conn, const char *family_id)
{
    const char *p[] = {family_id};
    return db_exec(conn,
                   "UPDATE refresh_tokens SET revoked_at = now() "
                   "WHERE family_id = $1 AND revoked_at IS NULL",
                   1, p);
}

int store_refresh_revoke(PGconn *conn, const char *token_hash, const char *user_id)
{
    const char *p[] = {token_hash, user_id};
    return db_exec(conn,
                   "UPDATE refresh_tokens SET revoked_at = now() "
                   "WHERE token_hash = $1 AND user_id = $2 AND revoked_at IS NULL",
                   2, p);
}

int store_refresh_purge(PGconn *conn, const char *user_id)
{
    const char *p[] = {user_id};
    return db_exec(conn,
                   "DELETE FROM refresh_tokens "
                   "WHERE user_id = $1 AND expires_at < now() - interval '1 day'",
                   1, p);
}

static void window_from(const PGresult *res, int row, rl_window_t *w)
{
    w->start = strtoll(PQgetvalue(res, row, 1), NULL, 10);
    w->failures = atoi(PQgetvalue(res, row, 2));
}

int store_attempts_read(PGconn *conn, const char *key1, rl_window_t *w1, const char *key2,
                        rl_window_t *w2)
{
    const char *p[] = {key1, key2};
    PGresult *res;
    memset(w1, 0, sizeof *w1);
    memset(w2, 0, sizeof *w2);
    int rc = db_run(conn,
                    "SELECT key, extract(epoch FROM window_start)::bigint, failures "
                    "FROM login_attempts WHERE key IN ($1, $2)",
                    2, p, &res);
    if (rc != 0)
        return rc;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *key = PQgetvalue(res, i, 0);
        if (strcmp(key, key1) == 0)
            window_from(res, i, w1);
        else if (strcmp(key, key2) == 0)
            window_from(res, i, w2);
    }
    PQclear(res);
    return 0;
}

int store_attempts_lock(PGconn *conn, const char *key, rl_window_t *out)
{
    const char *p[] = {key};
    PGresult *res;
    /* Make sure a row exists so that FOR UPDATE has something to lock; an empty
     * window (start at the epoch, no failures) changes nothing if we roll back. */
    int rc = db_exec(conn,
                     "INSERT INTO login_attempts (key, window_start, failures) "
                     "VALUES ($1, to_timestamp(0), 0) ON CONFLICT (key) DO NOTHING",
                     1, p);
    if (rc != 0)
        return rc;
    rc = db_run(conn,
                "SELECT key, extract(epoch FROM window_start)::bigint, failures "
                "FROM login_attempts WHERE key = $1 FOR UPDATE",
                1, p, &res);
    if (rc != 0)
        return rc;
    memset(out, 0, sizeof *out);
    if (PQntuples(res) == 1)
        window_from(res, 0, out);
    PQclear(res);
    return 0;
}

int store_attempts_write(PGconn *conn, const char *key, const rl_window_t *w)
{
    char start[24], failures[16];
    snprintf(start, sizeof start, "%" PRId64, w->start);
    snprintf(failures, sizeof failures, "%d", w->failures);
    const char *p[] = {key, start, failures};
    return db_exec(conn,
                   "UPDATE login_attempts SET window_start = to_timestamp($2::bigint), "
                   "failures = $3::int WHERE key = $1",
                   3, p);
}

int store_attempts_clear(PGconn *conn, const char *key)
{
    const char *p[] = {key};
    return db_exec(conn, "DELETE FROM login_attempts WHERE key = $1", 1, p);
}

int store_attempts_purge(PGconn *conn, int64_t before)
{
    char b[24];
    snprintf(b, sizeof b, "%" PRId64, before);
    const char *p[] = {b};
    /* Small batches, skipping rows another login holds, so housekeeping never waits. */
    return db_exec(conn,
                   "DELETE FROM login_attempts WHERE key IN (SELECT key FROM login_attempts "
                   "WHERE window_start < to_timestamp($1::bigint) LIMIT 100 "
                   "FOR UPDATE SKIP LOCKED)",
                   1, p);
}

static cJSON *address_from(const PGresult *res, int row)
{
    static const char *const names[] = {"id",      "name",       "phone",     "line1",
                                        "line2",   "city",       "district",  "postal_code",
                                        "country", "created_at", "updated_at"};
    cJSON *a = cJSON_CreateObject();
    if (a == NULL)
        return NULL;
    for (int c = 0; c < (int)(sizeof names / sizeof names[0]); c++) {
        cJSON *v = PQgetisnull(res, row, c) ? cJSON_CreateNull()
                                            : cJSON_CreateString(PQgetvalue(res, row, c));
        if (v == NULL || !cJSON_AddItemToObject(a, names[c], v)) {
            cJSON_Delete(v);
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

/* One address row, or ERR_NOT_FOUND when the statement matched none. */
static int one_address(PGresult *res, cJSON **out)
{
    if (PQntuples(res) == 0)
        return ERR_NOT_FOUND;
    *out = address_from(res, 0);
    return *out != NULL ? 0 : ERR_INTERNAL;
}

int store_address_list(PGconn *conn, const char *user_id, cJSON **out)
{
    const char *p[] = {user_id};
    PGresult *res;
    cJSON *root = NULL;
    int rc = db_run(conn,
                    "SELECT " ADDRESS_COLUMNS " FROM addresses WHERE user_id = $1 "
                    "ORDER BY created_at, id",
                    1, p, &res);
    if (rc != 0)
        return rc;
    rc = ERR_INTERNAL;
    root = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(root, "items");
    if (items == NULL || cJSON_AddNullToObject(root, "next_cursor") == NULL)
        goto out;
    for (int i = 0; i < PQntuples(res); i++) {
        cJSON *a = address_from(res, i);
        if (a == NULL || !cJSON_AddItemToArray(items, a)) {
            cJSON_Delete(a);
            goto out;
        }
    }
    *out = root;
    root = NULL;
    rc = 0;
out:
    cJSON_Delete(root);
    PQclear(res);
    return rc;
}

int store_address_insert(PGconn *conn, const char *id, const char *user_id,
                         const address_fields_t *a, int max_per_user, cJSON **out)
{
    char max[16];
    snprintf(max, sizeof max, "%d", max_per_user);
    const char *p[] = {id,      user_id,     a->name,        a->phone,   a->line1, a->line2,
                       a->city, a->district, a->postal_code, a->country, max};
    PGresult *res;
    /* The count and the insert are one statement; concurrent inserts by the same
     * user can overshoot the cap by a few, which is harmless for a soft limit. */
    int rc =
        db_run(conn,
               "INSERT INTO addresses (id, user_id, name, phone, line1, line2, city, district, "
               "postal_code, country) "
               "SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 "
               "WHERE (SELECT count(*) FROM addresses WHERE user_id = $2) < $11::int "
               "RETURNING " ADDRESS_COLUMNS,
               11, p, &res);
    if (rc != 0)
        return rc;
    rc = one_address(res, out);
    if (rc == ERR_NOT_FOUND)
        rc = ERR_CONFLICT;
    PQclear(res);
    return rc;
}

int store_address_update(PGconn *conn, const char *id, const char *user_id,
                         const address_fields_t *a, cJSON **out)
{
    const char *p[] = {id,       user_id, a->name,     a->phone,       a->line1,
                       a->line2, a->city, a->district, a->postal_code, a->country};
    PGresult *res;
    int rc =
        db_run(conn,
               "UPDATE addresses SET name = $3, phone = $4, line1 = $5, line2 = $6, city = $7, "
               "district = $8, postal_code = $9, country = $10, updated_at = now() "
               "WHERE id = $1 AND user_id = $2 RETURNING " ADDRESS_COLUMNS,
               10, p, &res);
    if (rc != 0)
        return rc;
    rc = one_address(res, out);
    PQclear(res);
    return rc;
}

int store_address_delete(PGconn *conn, const char *id, const char *user_id)
{
    const char *p[] = {id, user_id};
    PGresult *res;
    int rc = db_run(conn, "DELETE FROM addresses WHERE id = $1 AND user_id = $2 RETURNING id", 2, p,
                    &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 0)
        rc = ERR_NOT_FOUND;
    PQclear(res);
    return rc;
}

int store_address_get(PGconn *conn, const char *id, const char *user_id, cJSON **out)
{
    const char *p[] = {id, user_id};
    PGresult *res;
    int rc =
        db_run(conn, "SELECT " ADDRESS_COLUMNS " FROM addresses WHERE id = $1 AND user_id = $2", 2,
               p, &res);
    if (rc != 0)
        return rc;
    rc = one_address(res, out);
    PQclear(res);
    return rc;
}
