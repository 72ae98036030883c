/* db.h - PostgreSQL access: a bounded connection pool, transactions with bounded
 * retry, parameterized (prepared) queries only, SQLSTATE mapping, and the migration
 * runner.
 *
 * Threads: db_conn() leases one pooled connection to the calling thread, made on
 * first use and remade when it has gone bad; the thread keeps it until db_release(),
 * so a connection is never shared by two threads at once. HTTP workers release after
 * every request (set http_server_opts.request_done = db_release); the relay and the
 * consumer keep theirs. The pool holds DB_POOL_SIZE connections (default 10).
 * db_init() must run before any thread calls in.
 */
#ifndef COMMON_DB_H
#define COMMON_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#define DB_TX_MAX_ATTEMPTS 5

/* Remembers the connection string (a libpq URI or key=value string) and sizes the
 * pool from DB_POOL_SIZE. Called again, it retires connections made with the old string. */
int db_init(const char *conninfo);

/* This thread's leased connection, leasing, connecting or reconnecting as needed;
 * NULL when the server cannot be reached or every pooled connection stayed busy for
 * 5 s. The connection belongs to the pool: do not close it. */
PGconn *db_conn(void);

/* Returns this thread's lease to the pool (no-op without one). An open transaction
 * is never handed on: such a connection is closed instead. */
void db_release(void);

/* A new connection of the caller's own, outside the pool (e.g. for LISTEN).
 * NULL when the server cannot be reached. Caller PQfinish()es it. */
PGconn *db_connect_new(void);

/* Same as db_release(); for threads that are about to exit. */
void db_thread_close(void);

/* True when this thread can reach the database (SELECT 1). */
bool db_ping(void);

/* Runs a parameterized statement. Returns the result when its status is
 * PGRES_TUPLES_OK or PGRES_COMMAND_OK (caller PQclear()s it); otherwise NULL, with
 * *err (if not NULL) set from the SQLSTATE (ERR_CONFLICT for 23505, ERR_RETRY for
 * 40001/40P01, ERR_UNAVAILABLE for a lost connection, ERR_INVALID for 22xxx/23xxx,
 * ERR_INTERNAL otherwise) and the error logged without the parameters. */
PGresult *db_query(PGconn *conn, const char *sql, int nparams, const char *const *params,
                   int *err);

/* db_query in the 0-or-error convention: 0 with *out (caller PQclear()s it), or the
 * error code with *out NULL. */
int db_run(PGconn *conn, const char *sql, int nparams, const char *const *params, PGresult **out);

/* Like db_query for statements whose rows are not needed; returns 0 or the error code. */
int db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params);

/* A timestamptz column rendered in SQL as every service renders times: RFC 3339 in UTC
 * with milliseconds ("2025-01-31T12:00:00.000Z"). col is a SQL expression. */
#define DB_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* Cell accessors for row and col of a result (both must exist). Pure.
 * db_text: the text, or NULL for SQL NULL (borrowed from res). db_int64: the integer,
 * 0 for SQL NULL. db_bool: true for a boolean 't'. */
const char *db_text(const PGresult *res, int row, int col);
int64_t db_int64(const PGresult *res, int row, int col);
bool db_bool(const PGresult *res, int row, int col);

/* The error code for a SQLSTATE (see db_query). Pure. */
int db_error_from_sqlstate(const char *sqlstate);

/* The body of a transaction: returns 0 to commit, a negative code to roll back.
 * ERR_RETRY (e.g. passed up from db_query) makes db_tx run it again. */
typedef int (*db_tx_fn)(PGconn *conn, void *arg);

/* Runs fn inside BEGIN ... COMMIT on this thread's connection, retrying the whole
 * transaction up to DB_TX_MAX_ATTEMPTS times (with jittered backoff) on
 * serialization failure or deadlock, including at COMMIT. Returns fn's code, or
 * ERR_UNAVAILABLE / ERR_RETRY / ERR_INTERNAL. fn must be safe to run again. */
int db_tx(db_tx_fn fn, void *arg);

/* As db_tx at the given isolation level ("SERIALIZABLE", "REPEATABLE READ"). */
int db_tx_isolated(const char *isolation, db_tx_fn fn, void *arg);

/* Applies the common tables (outbox, processed_events, idempotency_keys) and then
 * dir/NNNN_*.sql in name order, each once, each in its own transaction, recorded in
 * <schema>.schema_migrations, under a session advisory lock so replicas starting
 * together apply each migration exactly once. Returns 0 or a negative code. */
int db_migrate(const char *schema, const char *dir);

#endif
