/* idempotency.c - Idempotency-Key claims, insert-first.
 *
 * The INSERT ... ON CONFLICT DO NOTHING decides which of several concurrent requests
 * owns a key: the unique (scope, key) makes exactly one of them see its row come back.
 * A loser waits inside that INSERT while the winner's row is uncommitted, then reads
 * it. Tables are unqualified: the connection's search_path names the service schema.
 */
#include "common/idempotency.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/log.h"

/* A claim left in progress this long belongs to a request that died (requests are
 * bounded by timeouts of seconds); it may be taken over. */
#define IDEM_STALE_INTERVAL "5 minutes"

static int hash_hex(const void *body, size_t len, char hex[crypto_hash_sha256_BYTES * 2 + 1])
{
    unsigned char digest[crypto_hash_sha256_BYTES];

    if (sodium_init() < 0)
        return ERR_INTERNAL;
    if (crypto_hash_sha256(digest, body ? body : (const void *)"", body ? len : 0) != 0)
        return ERR_INTERNAL;
    sodium_bin2hex(hex, crypto_hash_sha256_BYTES * 2 + 1, digest, sizeof digest);
    return 0;
}

int idem_begin(PGconn *conn, const char *scope, const char *key, const void *body, size_t len,
               idem_result_t *out)
{
    char hash[crypto_hash_sha256_BYTES * 2 + 1];
    const char *params[3] = {scope, key, hash};
    int rc, err;

    memset(out, 0, sizeof *out);
    if (!scope || !key)
        return ERR_INVALID;
    rc = hash_hex(body, len, hash);
    if (rc)
        return rc;

    /* Two rounds at most: the row seen missing or stale in the first round is retried
     * once; a loop without bound could spin against a steady stream of abandons. */
    for (int round = 0; round < 2; round++) {
        PGresult *res = db_query(conn,
                                 "INSERT INTO idempotency_keys (scope, key, request_hash) "
                                 "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1",
                                 3, params, &err);
        if (!res)
            return err;
        bool won = PQntuples(res) == 1;
        PQclear(res);
        if (won) {
            out->state = IDEM_NEW;
            return 0;
        }

        res = db_query(conn,
                       "SELECT request_hash, status, response, "
                       " status IS NULL AND created_at < now() - interval '" IDEM_STALE_INTERVAL
                       "' FROM idempotency_keys WHERE scope = $1 AND key = $2",
                       2, params, &err);
        if (!res)
            return err;
        if (PQntuples(res) == 0) {
            /* Abandoned between our INSERT and SELECT: claim it again. */
            PQclear(res);
            continue;
        }
        if (strcmp(PQgetvalue(res, 0, 0), hash) != 0) {
            out->state = IDEM_MISMATCH;
        } else if (PQgetisnull(res, 0, 1)) {
            bool stale = PQgetvalue(res, 0, 3)[0] == 't';
            out->state = IDEM_IN_PROGRESS;
            if (stale && round == 0) {
                PQclear(res);
                /* Only the very claim seen stale is removed; a fresher one survives. */
                rc = db_exec(
                    conn,
                    "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 "
                    "AND status IS NULL AND created_at < now() - interval '" IDEM_STALE_INTERVAL
                    "'",
                    2, params);
                if (rc)
                    return rc;
                log_warn("idempotency: took over a stale in-progress key");
                continue;
            }
        } else {
            out->state = IDEM_REPLAY;
            out->status = atoi(PQgetvalue(res, 0, 1));
            out->body = strdup(PQgetisnull(res, 0, 2) ? "" : PQgetvalue(res, 0, 2));
            if (!out->body) {
                PQclear(res);
                return ERR_INTERNAL;
            }
        }
        PQclear(res);
        return 0;
    }
    out->state = IDEM_IN_PROGRESS;
    return 0;
}

int idem_finish(PGconn *conn, const char *scope, const char *key, int status, const char *body)
{
    char status_text[16];
    const char *params[4] = {scope, key, status_text, body ? body : ""};
    PGresult *res;
    int err, rc = 0;

    if (!scope || !key)
        return ERR_INVALID;
    snprintf(status_text, sizeof status_text, "%d", status);
    res = db_query(conn,
                   "UPDATE idempotency_keys SET status = $3::integer, response = $4 "
                   "WHERE scope = $1 AND key = $2 AND status IS NULL",
                   4, params, &err);
    if (!res)
        return err;
    if (strcmp(PQcmdTuples(res), "1") != 0) {
        log_warn("idempotency: finish of a key this request does not hold");
        rc = ERR_NOT_FOUND;
    }
    PQclear(res);
    return rc;
}

int idem_abandon(PGconn *conn, const char *scope, const char *key)
{
    const char *params[2] = {scope, key};

    if (!scope || !key)
        return ERR_INVALID;
    return db_exec(conn,
                   "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status IS NULL",
                   2, params);
}
