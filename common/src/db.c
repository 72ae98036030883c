/* db.c - PostgreSQL access: a connection per thread, parameterized statements,
 * SQLSTATE mapping and transactions that retry on serialization failure or deadlock.
 *
 * Each thread owns one connection in thread-local storage. A pthread key with a
 * destructor closes it when a thread exits without calling db_thread_close(), so
 * worker threads that come and go do not leak server sessions.
 */
#include "common/db.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/errors.h"
#include "common/log.h"

static char *g_conninfo;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t g_key;
static __thread PGconn *t_conn;
static __thread uint64_t t_rand;

static void close_at_thread_exit(void *conn)
{
    PQfinish(conn);
}

static void make_key(void)
{
    if (pthread_key_create(&g_key, close_at_thread_exit) != 0)
        log_error("db: pthread_key_create failed; connections close only explicitly");
}

int db_init(const char *conninfo)
{
    char *copy;

    if (!conninfo || !*conninfo)
        return ERR_INVALID;
    copy = strdup(conninfo);
    if (!copy)
        return ERR_INTERNAL;
    free(g_conninfo);
    g_conninfo = copy;
    pthread_once(&g_key_once, make_key);
    return 0;
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

PGconn *db_conn(void)
{
    if (t_conn && PQstatus(t_conn) == CONNECTION_OK)
        return t_conn;
    if (t_conn) {
        log_warn("db: connection lost, reconnecting");
        db_thread_close();
    }
    t_conn = connect_now();
    if (t_conn)
        pthread_setspecific(g_key, t_conn);
    return t_conn;
}

void db_thread_close(void)
{
    if (!t_conn)
        return;
    pthread_setspecific(g_key, NULL);
    PQfinish(t_conn);
    t_conn = NULL;
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
    res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
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
