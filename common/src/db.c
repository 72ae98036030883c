/* db.c - PostgreSQL access: a bounded pool of connections, parameterized (and
 * prepared) statements, SQLSTATE mapping and transactions that retry on
 * serialization failure or deadlock.
 *
 * A thread leases one pooled connection on its first db_conn() and keeps it until
 * db_release(): request threads give it back after every request (the http server's
 * request_done hook), long-lived threads (relay, consumer) keep theirs. The pool is
 * small (DB_POOL_SIZE, default 10) because PostgreSQL pays a process per connection:
 * 64 civetweb workers with a connection each would mean 64 backends per replica, a
 * connection storm whenever new workers wake up, and max_connections exhausted once
 * a few services run. Connections are opened lazily and kept; db_init() with a new
 * connection string retires the old ones. A pthread key returns the lease of a
 * thread that exits without releasing it.
 */
#include "common/db.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/config.h"
#include "common/errors.h"
#include "common/log.h"

/* Statements run on a pooled connection are prepared once and then executed by name:
 * the server skips parsing and planning on every later call, a large part of a short
 * primary-key read. Keyed by the SQL text (compared in full, since callers may build
 * SQL in reused buffers); forgotten when the connection is remade. */
#define DB_PREPARED_MAX 64
#define DB_POOL_DEFAULT 10
#define DB_POOL_WAIT_MS 5000

typedef struct prepared {
    char *sql;
    char name[16];
} prepared_t;

typedef struct pooled {
    PGconn *conn;
    unsigned generation; /* the conninfo generation conn was made with */
    bool leased;
    prepared_t prepared[DB_PREPARED_MAX];
    int prepared_count;
} pooled_t;

static char *g_conninfo;
static unsigned g_generation;
static pooled_t *g_pool;
static int g_pool_size;
static pthread_mutex_t g_pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_pool_free = PTHREAD_COND_INITIALIZER;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t g_key;
static __thread pooled_t *t_lease;
static __thread uint64_t t_rand;

static void prepared_clear(pooled_t *slot)
{
    for (int i = 0; i < slot->prepared_count; i++)
        free(slot->prepared[i].sql);
    slot->prepared_count = 0;
}

static void slot_close(pooled_t *slot)
{
    prepared_clear(slot);
    PQfinish(slot->conn);
    slot->conn = NULL;
}

static void release_at_thread_exit(void *slot)
{
    t_lease = slot;
    db_release();
}

static void make_key(void)
{
    if (pthread_key_create(&g_key, release_at_thread_exit) != 0)
        log_error("db: pthread_key_create failed; leases return only explicitly");
}

int db_init(const char *conninfo)
{
    char *copy;

    if (!conninfo || !*conninfo)
        return ERR_INVALID;
    copy = strdup(conninfo);
    if (!copy)
        return ERR_INTERNAL;
    pthread_once(&g_key_once, make_key);
    pthread_mutex_lock(&g_pool_lock);
    if (!g_pool) {
        long size = config_long("DB_POOL_SIZE", DB_POOL_DEFAULT);
        g_pool_size = size < 2 ? 2 : size > 1000 ? 1000 : (int)size;
        g_pool = calloc((size_t)g_pool_size, sizeof *g_pool);
    }
    free(g_conninfo);
    g_conninfo = copy;
    /* Connections made with the old string are remade on their next lease. */
    g_generation++;
    for (int i = 0; g_pool && i < g_pool_size; i++)
        if (!g_pool[i].leased && g_pool[i].conn)
            slot_close(&g_pool[i]);
    pthread_mutex_unlock(&g_pool_lock);
    return g_pool ? 0 : ERR_INTERNAL;
}

/* Server notices ("relation already exists, skipping") would go to stderr as bare
 * text; they belong in the structured log, at debug level. */
static void on_notice(void *arg, const char *message)
{
    (void)arg;
    log_debug("db: notice: %.*s", (int)strcspn(message, "\n"), message);
}

/* The conninfo is expanded as "dbname", so either form (URI or key=value) works; the
 * defaults given before it (a connect timeout) lose to whatever it says itself. */
static PGconn *connect_now(void)
{
    const char *keys[] = {"connect_timeout", "dbname", NULL};
    const char *vals[] = {"5", g_conninfo, NULL};
    PGconn *conn;

    if (!g_conninfo) {
        log_error("db: db_init() was not called");
        return NULL;
    }
    conn = PQconnectdbParams(keys, vals, 1);
    if (!conn) {
        log_error("db: out of memory connecting");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        /* The message names host and port, never the password. */
        char *msg = PQerrorMessage(conn);
        size_t len = strcspn(msg, "\n");
        log_error("db: cannot connect: %.*s", (int)len, msg);
        PQfinish(conn);
        return NULL;
    }
    PQsetNoticeProcessor(conn, on_notice, NULL);
    return conn;
}

PGconn *db_connect_new(void)
{
    return connect_now();
}

/* Takes a free slot, waiting up to DB_POOL_WAIT_MS for one. Idle slots that already
 * hold a connection are preferred, so the pool opens connections only as needed. */
static pooled_t *lease_slot(void)
{
    struct timespec deadline;
    pooled_t *slot = NULL;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += DB_POOL_WAIT_MS / 1000;
    pthread_mutex_lock(&g_pool_lock);
    while (g_pool && !slot) {
        for (int i = 0; i < g_pool_size; i++) {
            if (g_pool[i].leased)
                continue;
            if (!slot || (!slot->conn && g_pool[i].conn))
                slot = &g_pool[i];
        }
        if (slot) {
            slot->leased = true;
            break;
        }
        if (pthread_cond_timedwait(&g_pool_free, &g_pool_lock, &deadline) == ETIMEDOUT) {
            log_error("db: all %d pooled connections busy for %d ms", g_pool_size, DB_POOL_WAIT_MS);
            break;
        }
    }
    unsigned generation = g_generation;
    pthread_mutex_unlock(&g_pool_lock);
    if (slot && slot->conn && slot->generation != generation)
        slot_close(slot);
    if (slot)
        slot->generation = generation;
    return slot;
}

PGconn *db_conn(void)
{
    if (!g_pool) {
        log_error("db: db_init() was not called");
        return NULL;
    }
    if (!t_lease) {
        t_lease = lease_slot();
        if (!t_lease)
            return NULL;
        pthread_setspecific(g_key, t_lease);
    }
    if (t_lease->conn && PQstatus(t_lease->conn) == CONNECTION_OK)
        return t_lease->conn;
    if (t_lease->conn) {
        log_warn("db: connection lost, reconnecting");
        slot_close(t_lease);
    }
    t_lease->conn = connect_now();
    return t_lease->conn;
}

void db_release(void)
{
    pooled_t *slot = t_lease;

    if (!slot)
        return;
    t_lease = NULL;
    pthread_setspecific(g_key, NULL);
    /* A lease never hands an open transaction to the next thread. */
    if (slot->conn && PQtransactionStatus(slot->conn) != PQTRANS_IDLE) {
        log_warn("db: connection released inside a transaction; closing it");
        slot_close(slot);
    }
    pthread_mutex_lock(&g_pool_lock);
    slot->leased = false;
    pthread_cond_signal(&g_pool_free);
    pthread_mutex_unlock(&g_pool_lock);
}

void db_thread_close(void)
{
    db_release();
}

bool db_ping(void)
{
    PGconn *conn = db_conn();
    PGresult *res;
    bool ok;

    if (!conn)
        return false;
    res = PQexec(conn, "SELECT 1");
    ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    PQclear(res);
    /* A server restart shows up only on use: try once more on a fresh connection. */
    if (!ok && PQstatus(conn) != CONNECTION_OK && (conn = db_conn()) != NULL) {
        res = PQexec(conn, "SELECT 1");
        ok = PQresultStatus(res) == PGRES_TUPLES_OK;
        PQclear(res);
    }
    return ok;
}

const char *db_text(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

int64_t db_int64(const PGresult *res, int row, int col)
{
    /* Stores keep counts and money as bigint; a NULL one (an outer join) counts as 0. */
    return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

bool db_bool(const PGresult *res, int row, int col)
{
    return strcmp(PQgetvalue(res, row, col), "t") == 0;
}

int db_error_from_sqlstate(const char *sqlstate)
{
    /* No SQLSTATE means libpq itself failed: the server did not answer. */
    if (!sqlstate || strlen(sqlstate) != 5)
        return ERR_UNAVAILABLE;
    if (!strcmp(sqlstate, "23505"))
        return ERR_CONFLICT;
    if (!strcmp(sqlstate, "40001") || !strcmp(sqlstate, "40P01"))
        return ERR_RETRY;
    /* 08 connection exception, 57P01-03 shutdown or not yet accepting, 53 resources. */
    if (!strncmp(sqlstate, "08", 2) || !strcmp(sqlstate, "57P01") || !strcmp(sqlstate, "57P02") ||
        !strcmp(sqlstate, "57P03") || !strncmp(sqlstate, "53", 2))
        return ERR_UNAVAILABLE;
    if (!strncmp(sqlstate, "22", 2) || !strncmp(sqlstate, "23", 2))
        return ERR_INVALID;
    return ERR_INTERNAL;
}

/* Logs a failed statement: its SQL (never the parameters) and SQLSTATE. The primary
 * message of a data exception (22xxx) may quote an input value, so it is left out. */
static void log_failure(const PGresult *res, PGconn *conn, const char *sql, int code)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    int sql_len = (int)strcspn(sql, "\n");

    if (!msg)
        msg = PQerrorMessage(conn);
    if (state && !strncmp(state, "22", 2))
        msg = "(data exception)";
    if (code == ERR_CONFLICT || code == ERR_RETRY)
        log_debug("db: %s [%s] constraint=%s: %.*s", state, msg, constraint ? constraint : "-",
                  sql_len > 120 ? 120 : sql_len, sql);
    else
        log_warn("db: %s [%.*s] constraint=%s: %.*s", state ? state : "-", (int)strcspn(msg, "\n"),
                 msg, constraint ? constraint : "-", sql_len > 120 ? 120 : sql_len, sql);
}

/* The index of sql among a slot's prepared statements, or -1. */
static int prepared_find(const pooled_t *slot, const char *sql)
{
    for (int i = 0; i < slot->prepared_count; i++)
        if (strcmp(slot->prepared[i].sql, sql) == 0)
            return i;
    return -1;
}

/* Runs a statement, prepared where possible (on this thread's leased connection, while
 * its cache has room). A failed prepare is returned as the statement's own error, so
 * the caller sees the real SQLSTATE. A prepared statement the server no longer has
 * (26000) or whose plan a migration invalidated (0A000) is forgotten and the statement
 * runs unprepared once. */
static PGresult *exec_statement(PGconn *conn, const char *sql, int nparams,
                                const char *const *params)
{
    pooled_t *slot = t_lease;
    if (!slot || conn != slot->conn)
        return PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    int i = prepared_find(slot, sql);
    if (i < 0) {
        if (slot->prepared_count == DB_PREPARED_MAX)
            return PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
        prepared_t *p = &slot->prepared[slot->prepared_count];
        snprintf(p->name, sizeof p->name, "s%d", slot->prepared_count);
        PGresult *prep = PQprepare(conn, p->name, sql, nparams, NULL);
        if (PQresultStatus(prep) != PGRES_COMMAND_OK)
            return prep;
        PQclear(prep);
        if ((p->sql = strdup(sql)) == NULL) {
            PQclear(PQexec(conn, "DEALLOCATE ALL"));
            prepared_clear(slot);
            return PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
        }
        i = slot->prepared_count++;
    }
    PGresult *res = PQexecPrepared(conn, slot->prepared[i].name, nparams, params, NULL, NULL, 0);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state != NULL && (!strcmp(state, "26000") || !strcmp(state, "0A000")) &&
        PQtransactionStatus(conn) == PQTRANS_IDLE) {
        PQclear(res);
        PQclear(PQexec(conn, "DEALLOCATE ALL"));
        prepared_clear(slot);
        res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    }
    return res;
}

PGresult *db_query(PGconn *conn, const char *sql, int nparams, const char *const *params, int *err)
{
    PGresult *res;
    ExecStatusType st;
    int code;

    if (err)
        *err = 0;
    if (!conn) {
        if (err)
            *err = ERR_UNAVAILABLE;
        return NULL;
    }
    res = exec_statement(conn, sql, nparams, params);
    st = PQresultStatus(res);
    if (res && (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK))
        return res;
    if (PQstatus(conn) != CONNECTION_OK)
        code = ERR_UNAVAILABLE;
    else if (!res)
        code = ERR_INTERNAL; /* out of memory */
    else
        code = db_error_from_sqlstate(PQresultErrorField(res, PG_DIAG_SQLSTATE));
    log_failure(res, conn, sql, code);
    PQclear(res);
    if (err)
        *err = code;
    return NULL;
}

int db_run(PGconn *conn, const char *sql, int nparams, const char *const *params, PGresult **out)
{
    int err = ERR_INTERNAL;
    *out = db_query(conn, sql, nparams, params, &err);
    return *out != NULL ? 0 : err;
}

int db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
    int err;
    PGresult *res = db_query(conn, sql, nparams, params, &err);

    PQclear(res);
    return res ? 0 : err;
}

/* xorshift64*: enough to spread retries apart; no need for a crypto source here. */
static uint64_t next_rand(void)
{
    if (!t_rand) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        t_rand = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uintptr_t)&t_rand;
        if (!t_rand)
            t_rand = 0x9E3779B97F4A7C15ull;
    }
    t_rand ^= t_rand >> 12;
    t_rand ^= t_rand << 25;
    t_rand ^= t_rand >> 27;
    return t_rand * 0x2545F4914F6CDD1Dull;
}

/* Sleeps a random time in [base/2, base*3/2) with base = 5 ms * 2^(attempt-1), so two
 * transactions that collided do not collide again in lockstep. */
static void backoff(int attempt)
{
    long base_us = 5000L << (attempt - 1);
    long us = base_us / 2 + (long)(next_rand() % (uint64_t)base_us);
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};

    nanosleep(&ts, NULL);
}

static const char *begin_statement(const char *isolation)
{
    if (!isolation)
        return "BEGIN";
    if (!strcmp(isolation, "SERIALIZABLE"))
        return "BEGIN ISOLATION LEVEL SERIALIZABLE";
    if (!strcmp(isolation, "REPEATABLE READ"))
        return "BEGIN ISOLATION LEVEL REPEATABLE READ";
    if (!strcmp(isolation, "READ COMMITTED"))
        return "BEGIN ISOLATION LEVEL READ COMMITTED";
    return NULL;
}

/* COMMIT of a transaction in which a statement failed "succeeds" with the tag
 * ROLLBACK; that must not be reported as a commit. */
static int commit(PGconn *conn)
{
    int err;
    PGresult *res = db_query(conn, "COMMIT", 0, NULL, &err);
    int rc = 0;

    if (!res)
        return err;
    if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        log_error("db: transaction was aborted by an ignored error; rolled back");
        rc = ERR_INTERNAL;
    }
    PQclear(res);
    return rc;
}

int db_tx_isolated(const char *isolation, db_tx_fn fn, void *arg)
{
    const char *begin = begin_statement(isolation);
    int rc = ERR_INTERNAL;

    if (!begin) {
        log_error("db: unknown isolation level");
        return ERR_INVALID;
    }
    for (int attempt = 1; attempt <= DB_TX_MAX_ATTEMPTS; attempt++) {
        PGconn *conn = db_conn();
        bool lost;

        if (!conn)
            return ERR_UNAVAILABLE;
        if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
            log_error("db: db_tx called inside an open transaction");
            return ERR_INTERNAL;
        }
        rc = db_exec(conn, begin, 0, NULL);
        if (rc == 0) {
            rc = fn(conn, arg);
            if (rc == 0) {
                rc = commit(conn);
                /* A serialization failure at COMMIT rolled everything back; any other
                 * failure there (a lost connection) leaves the outcome unknown, so the
                 * body must not run again. */
                if (rc != ERR_RETRY)
                    return rc;
            } else if (PQstatus(conn) == CONNECTION_OK &&
                       PQtransactionStatus(conn) != PQTRANS_IDLE) {
                int rb = db_exec(conn, "ROLLBACK", 0, NULL);
                if (rb != 0)
                    log_warn("db: ROLLBACK failed (%d)", rb);
            }
        }
        /* Before COMMIT nothing was applied, so a connection lost on the way may be
         * retried once on a fresh one, like a serialization failure. */
        lost = PQstatus(conn) != CONNECTION_OK;
        if (!(rc == ERR_RETRY || (lost && rc == ERR_UNAVAILABLE)) || attempt == DB_TX_MAX_ATTEMPTS)
            break;
        if (lost && attempt > 1)
            break;
        log_debug("db: transaction attempt %d failed (%d), retrying", attempt, rc);
        backoff(attempt);
    }
    return rc;
}

int db_tx(db_tx_fn fn, void *arg)
{
    return db_tx_isolated(NULL, fn, arg);
}
