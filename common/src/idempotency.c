/* idempotency.c - Idempotency-Key claims, insert-first, with the owner's liveness.
 *
 * The INSERT ... ON CONFLICT DO NOTHING decides which of several concurrent requests
 * owns a key: the unique (scope, key) makes exactly one of them see its row come back.
 * A loser waits inside that INSERT while the winner's row is uncommitted, then reads
 * it. Tables are unqualified: the connection's search_path names the service schema.
 *
 * A claim names the process working on it (owner: an id made at the first claim).
 * Each process holds a session advisory lock on its own id for as long as it lives,
 * on a connection of its own, so the server drops that lock the moment the process
 * dies. A claim still in progress whose owner's lock can be taken belongs to a dead
 * process and is taken over at once: a client retrying after a crash gets its work
 * done instead of a 409 until some timeout. Within a live process, the claims its
 * requests are working on are kept in memory from the claim to idem_finish or
 * idem_abandon (whether or not those reach the database): a claim of this process
 * that is not among them belongs to a request that has ended, typically one whose
 * abandon failed because the database had just restarted, and is taken over too.
 * Anything else left in progress is taken over after IDEM_STALE_INTERVAL. After a
 * database restart every process's lock is gone until its next claim takes it again,
 * so a claim of a process that lives on may be taken over then; its requests lost
 * their connections in the restart as well.
 */
#include "common/idempotency.h"

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"

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

/* A claim of a live process left in progress this long belongs to a request that
 * ended without finishing (requests are bounded by timeouts of seconds). */
#define IDEM_STALE_INTERVAL "5 minutes"

/* The claims this process's requests are working on, by a 64-bit hash of (scope, key):
 * a hash may stand twice while two requests race for one key. */
#define ACTIVE_MAX 1024
static pthread_mutex_t g_active_mutex = PTHREAD_MUTEX_INITIALIZER;
static uint64_t g_active[ACTIVE_MAX];
static int g_active_count;

static uint64_t claim_hash(const char *scope, const char *key)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (const char *s = scope; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    h = (h ^ 0xffu) * 1099511628211ULL; /* a separator no UTF-8 text holds */
    for (const char *s = key; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void active_add(uint64_t h)
{
    pthread_mutex_lock(&g_active_mutex);
    if (g_active_count < ACTIVE_MAX)
        g_active[g_active_count++] = h;
    else
        log_warn("idempotency: over %d claims in progress; not tracking one", ACTIVE_MAX);
    pthread_mutex_unlock(&g_active_mutex);
}

static void active_remove(uint64_t h)
{
    pthread_mutex_lock(&g_active_mutex);
    for (int i = 0; i < g_active_count; i++) {
        if (g_active[i] == h) {
            g_active[i] = g_active[--g_active_count];
            break;
        }
    }
    pthread_mutex_unlock(&g_active_mutex);
}

static bool active_has(uint64_t h)
{
    bool found = false;
    pthread_mutex_lock(&g_active_mutex);
    for (int i = 0; i < g_active_count && !found; i++)
        found = g_active[i] == h;
    pthread_mutex_unlock(&g_active_mutex);
    return found;
}

static pthread_mutex_t g_owner_mutex = PTHREAD_MUTEX_INITIALIZER;
static PGconn *g_owner_conn; /* holds the lock on g_owner while this process lives */
static char g_owner[ID_UUID_LEN];

#define OWNER_LOCK_SQL(fn) "SELECT " fn "(hashtextextended('idempotency owner ' || $1, 0))"

/* True when the owner connection is up and holds the lock; (re)connects and locks when
 * it is not. Without it claims are still made, only never taken over before they are
 * stale. */
static bool owner_ready(void)
{
    pthread_mutex_lock(&g_owner_mutex);
    if (g_owner[0] == '\0')
        id_uuid(g_owner);
    /* PQconsumeInput notices a connection the server closed (a restart). */
    if (g_owner_conn != NULL &&
        (!PQconsumeInput(g_owner_conn) || PQstatus(g_owner_conn) != CONNECTION_OK)) {
        PQfinish(g_owner_conn);
        g_owner_conn = NULL;
    }
    if (g_owner_conn == NULL && (g_owner_conn = db_connect_new()) != NULL) {
        const char *params[1] = {g_owner};
        PGresult *res = PQexecParams(g_owner_conn, OWNER_LOCK_SQL("pg_advisory_lock"), 1, NULL,
                                     params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            log_warn("idempotency: cannot take the owner lock: %s", PQerrorMessage(g_owner_conn));
            PQfinish(g_owner_conn);
            g_owner_conn = NULL;
        }
        PQclear(res);
    }
    bool ready = g_owner_conn != NULL;
    pthread_mutex_unlock(&g_owner_mutex);
    return ready;
}

/* 1 when the process named owner is gone (its lock is free), 0 when it lives, or a
 * database error. The lock is only tried, never kept. */
static int owner_dead(PGconn *conn, const char *owner)
{
    int err;
    const char *params[1] = {owner};
    PGresult *res = db_query(conn, OWNER_LOCK_SQL("pg_try_advisory_lock"), 1, params, &err);
    if (!res)
        return err;
    bool free_lock = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    if (free_lock) {
        res = db_query(conn, OWNER_LOCK_SQL("pg_advisory_unlock"), 1, params, &err);
        if (!res)
            return err;
        PQclear(res);
    }
    return free_lock ? 1 : 0;
}

/* Makes a claim seen in progress this process's, if it is still the one seen (owner
 * NULL: a claim without owner). True when taken. */
static int take_over(PGconn *conn, const char *scope, const char *key, const char *owner,
                     bool *taken)
{
    int err;
    const char *params[4] = {scope, key, g_owner, owner};
    PGresult *res = db_query(conn,
                             "UPDATE idempotency_keys SET owner = $3, created_at = now() "
                             "WHERE scope = $1 AND key = $2 AND status IS NULL "
                             "AND owner IS NOT DISTINCT FROM $4 RETURNING 1",
                             4, params, &err);
    if (!res)
        return err;
    *taken = PQntuples(res) == 1;
    PQclear(res);
    return 0;
}

/* The claim itself. The caller's entry for it is in the active set throughout, so that
 * a request of this process racing for the same key sees it as live. */
static int claim_round(PGconn *conn, const char *const params[4], const char *hash, uint64_t claim,
                       idem_result_t *out)
{
    const char *scope = params[0], *key = params[1], *owner = params[3];
    int rc, err;

    /* Two rounds at most: a row seen missing in the first round is claimed again
     * once; a loop without bound could spin against a steady stream of abandons. */
    for (int round = 0; round < 2; round++) {
        PGresult *res = db_query(conn,
                                 "INSERT INTO idempotency_keys (scope, key, request_hash, owner) "
                                 "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1",
                                 4, params, &err);
        if (!res)
            return err;
        bool won = PQntuples(res) == 1;
        PQclear(res);
        if (won) {
            out->state = IDEM_NEW;
            return 0;
        }

        res = db_query(conn,
                       "SELECT request_hash, status, response, owner, "
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
            out->state = IDEM_IN_PROGRESS;
            bool stale = PQgetvalue(res, 0, 4)[0] == 't';
            char seen[ID_UUID_LEN] = "";
            bool has_owner = !PQgetisnull(res, 0, 3);
            if (has_owner)
                snprintf(seen, sizeof seen, "%s", PQgetvalue(res, 0, 3));
            PQclear(res);
            int gone = 0;
            if (owner != NULL && has_owner && strcmp(seen, owner) != 0) {
                gone = owner_dead(conn, seen);
                if (gone < 0)
                    return gone;
            } else if (owner != NULL && has_owner) {
                /* Ours: live only while another of our requests holds it. */
                active_remove(claim);
                gone = !active_has(claim);
                active_add(claim);
            }
            if (owner != NULL && (gone || stale)) {
                bool taken = false;
                rc = take_over(conn, scope, key, has_owner ? seen : NULL, &taken);
                if (rc)
                    return rc;
                if (taken) {
                    log_warn("idempotency: took over a key whose request %s",
                             gone ? "has ended" : "was left stale");
                    out->state = IDEM_NEW;
                }
            }
            return 0;
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

int idem_begin(PGconn *conn, const char *scope, const char *key, const void *body, size_t len,
               idem_result_t *out)
{
    char hash[crypto_hash_sha256_BYTES * 2 + 1];

    memset(out, 0, sizeof *out);
    if (!scope || !key)
        return ERR_INVALID;
    int rc = hash_hex(body, len, hash);
    if (rc)
        return rc;
    const char *owner = owner_ready() ? g_owner : NULL;
    const char *params[4] = {scope, key, hash, owner};
    uint64_t claim = claim_hash(scope, key);
    active_add(claim);
    rc = claim_round(conn, params, hash, claim, out);
    if (rc != 0 || out->state != IDEM_NEW)
        active_remove(claim);
    return rc;
}

int idem_finish(PGconn *conn, const char *scope, const char *key, int status, const char *body)
{
    char status_text[16];
    const char *params[4] = {scope, key, status_text, body ? body : ""};
    PGresult *res;
    int err, rc = 0;

    if (!scope || !key)
        return ERR_INVALID;
    /* The request is over whether or not the row below can be written. */
    active_remove(claim_hash(scope, key));
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
    active_remove(claim_hash(scope, key));
    return db_exec(conn,
                   "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status IS NULL",
                   2, params);
}
