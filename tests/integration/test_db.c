/* test_db.c - db.c against the stack's PostgreSQL: transactions retried on a real
 * serialization failure, rollback, SQLSTATE mapping, hostile parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"
#include "support.h"

static char g_schema[64];
static char g_conninfo[2048];

/* A schema of this run's own, made by the superuser; db_init() connects with it as
 * search_path, as a service's DATABASE_URL does. */
static int setup(void **state)
{
    char sql[256];
    (void)state;
    stack_load();
    log_init("it-db");
    t_schema_create("it_db", g_schema, g_conninfo);
    PGconn *su = t_db();
    snprintf(sql, sizeof sql, "CREATE TABLE %s.acct (id serial PRIMARY KEY, v int NOT NULL)",
             g_schema);
    free(t_sql_value(su, sql, 0, NULL));
    snprintf(sql, sizeof sql, "CREATE TABLE %s.notes (id serial PRIMARY KEY, body text UNIQUE)",
             g_schema);
    free(t_sql_value(su, sql, 0, NULL));
    PQfinish(su);
    return db_init(g_conninfo);
}

static int teardown(void **state)
{
    (void)state;
    db_thread_close();
    t_schema_drop(g_schema);
    return 0;
}

static void test_db_ping_reaches_database(void **state)
{
    (void)state;
    assert_true(db_ping());
}

static void test_db_connection_uses_search_path(void **state)
{
    (void)state;
    int err;
    PGresult *res = db_query(db_conn(), "SELECT current_schema()", 0, NULL, &err);
    assert_non_null(res);
    assert_string_equal(PQgetvalue(res, 0, 0), g_schema);
    PQclear(res);
}

/* Write skew under SERIALIZABLE: both read the sum, meet at the barrier, then both
 * insert. PostgreSQL must fail one with 40001; db_tx must run it again. */
typedef struct skew {
    pthread_barrier_t *barrier;
    atomic_int *attempts;
    int rc;
} skew_t;

static int skew_tx(PGconn *conn, void *arg)
{
    skew_t *s = arg;
    int err;
    int attempt = atomic_fetch_add(s->attempts, 1);
    PGresult *res = db_query(conn, "SELECT coalesce(sum(v), 0) FROM acct", 0, NULL, &err);
    if (!res)
        return err;
    char sum[32];
    snprintf(sum, sizeof sum, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    /* Only the first two attempts meet, so the retry runs alone. */
    if (attempt < 2)
        pthread_barrier_wait(s->barrier);
    const char *params[1] = {sum};
    return db_exec(conn, "INSERT INTO acct (v) VALUES ($1::int + 1)", 1, params);
}

static void *skew_thread(void *arg)
{
    skew_t *s = arg;
    s->rc = db_tx_isolated("SERIALIZABLE", skew_tx, s);
    db_thread_close();
    return NULL;
}

static void test_db_tx_retries_serialization_failure(void **state)
{
    (void)state;
    pthread_barrier_t barrier;
    atomic_int attempts = 0;
    skew_t a = {&barrier, &attempts, -99}, b = {&barrier, &attempts, -99};
    pthread_t ta, tb;

    assert_int_equal(db_exec(db_conn(), "TRUNCATE acct", 0, NULL), 0);
    pthread_barrier_init(&barrier, NULL, 2);
    assert_int_equal(pthread_create(&ta, NULL, skew_thread, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, skew_thread, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&barrier);

    assert_int_equal(a.rc, 0);
    assert_int_equal(b.rc, 0);
    /* Two first attempts and at least one retry. */
    assert_true(atomic_load(&attempts) >= 3);
    /* Serial outcome: the second insert saw the first (1, then 2). */
    int err;
    PGresult *res =
        db_query(db_conn(), "SELECT string_agg(v::text, ',' ORDER BY v) FROM acct", 0, NULL, &err);
    assert_non_null(res);
    assert_string_equal(PQgetvalue(res, 0, 0), "1,2");
    PQclear(res);
}

static int insert_then_fail_tx(PGconn *conn, void *arg)
{
    (void)arg;
    int rc = db_exec(conn, "INSERT INTO notes (body) VALUES ('rolled back')", 0, NULL);
    return rc ? rc : ERR_CONFLICT;
}

static void test_db_tx_rolls_back_when_body_fails(void **state)
{
    (void)state;
    assert_int_equal(db_tx(insert_then_fail_tx, NULL), ERR_CONFLICT);
    PGconn *su = t_db();
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.notes WHERE body = 'rolled back'", g_schema);
    char *n = t_sql_value(su, sql, 0, NULL);
    assert_string_equal(n, "0");
    free(n);
    PQfinish(su);
    /* The connection is usable again: no transaction left open. */
    assert_int_equal(PQtransactionStatus(db_conn()), PQTRANS_IDLE);
}

static int ignore_error_tx(PGconn *conn, void *arg)
{
    (void)arg;
    /* A failed statement whose error the body swallows aborts the transaction. */
    (void)db_exec(conn, "SELECT 1/0", 0, NULL);
    return 0;
}

static void test_db_tx_reports_aborted_commit(void **state)
{
    (void)state;
    assert_int_equal(db_tx(ignore_error_tx, NULL), ERR_INTERNAL);
    assert_int_equal(PQtransactionStatus(db_conn()), PQTRANS_IDLE);
}

static void test_db_query_maps_unique_violation(void **state)
{
    (void)state;
    const char *params[1] = {"only once"};
    assert_int_equal(db_exec(db_conn(), "INSERT INTO notes (body) VALUES ($1)", 1, params), 0);
    assert_int_equal(db_exec(db_conn(), "INSERT INTO notes (body) VALUES ($1)", 1, params),
                     ERR_CONFLICT);
}

static void test_db_query_maps_bad_input(void **state)
{
    (void)state;
    const char *params[1] = {"not a number"};
    int err;
    assert_null(db_query(db_conn(), "SELECT $1::int", 1, params, &err));
    assert_int_equal(err, ERR_INVALID);
}

static void test_db_query_stores_hostile_input_verbatim(void **state)
{
    (void)state;
    const char *hostile = "Robert'); DROP TABLE notes;-- \\\" $1 %s \n\t 'x' \xc3\xa9\xe2\x82\xac";
    const char *params[1] = {hostile};
    int err;

    assert_int_equal(db_exec(db_conn(), "INSERT INTO notes (body) VALUES ($1)", 1, params), 0);
    PGresult *res = db_query(db_conn(), "SELECT body FROM notes WHERE body = $1", 1, params, &err);
    assert_non_null(res);
    assert_int_equal(PQntuples(res), 1);
    assert_string_equal(PQgetvalue(res, 0, 0), hostile);
    PQclear(res);
    res = db_query(db_conn(), "SELECT count(*) FROM notes", 0, NULL, &err);
    assert_non_null(res); /* the table survived */
    PQclear(res);
}

static void test_db_tx_rejects_unknown_isolation(void **state)
{
    (void)state;
    assert_int_equal(db_tx_isolated("SERIALIZABLE; DROP TABLE notes", insert_then_fail_tx, NULL),
                     ERR_INVALID);
}

static int insert_note_tx(PGconn *conn, void *arg)
{
    const char *params[1] = {arg};
    return db_exec(conn, "INSERT INTO notes (body) VALUES ($1)", 1, params);
}

static void test_db_tx_survives_lost_connection(void **state)
{
    (void)state;
    int err;
    PGresult *res = db_query(db_conn(), "SELECT pg_backend_pid()", 0, NULL, &err);
    assert_non_null(res);
    const char *params[1] = {PQgetvalue(res, 0, 0)};
    PGconn *su = t_db();
    char *ok = t_sql_value(su, "SELECT pg_terminate_backend($1::int)", 1, params);
    assert_string_equal(ok, "t");
    free(ok);
    PQfinish(su);
    PQclear(res);

    /* The server closed the session; BEGIN fails, db_tx reconnects and runs the body. */
    assert_int_equal(db_tx(insert_note_tx, "after reconnect"), 0);
    assert_true(db_ping());
}

#define POOL_THREADS 30
#define POOL_ROUNDS  20

static int insert_note(PGconn *conn, void *arg)
{
    const char *params[] = {arg};
    return db_exec(conn, "INSERT INTO notes (body) VALUES ($1)", 1, params);
}

/* Each thread runs transactions and gives its lease back after each, as a request
 * thread does; far more threads than pooled connections all get their turn. */
static void *pool_worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < POOL_ROUNDS; i++) {
        char body[64];
        snprintf(body, sizeof body, "pool-%d-%d", id, i);
        if (db_tx(insert_note, body) != 0)
            return (void *)1;
        db_release();
    }
    return NULL;
}

static void test_db_pool_serves_more_threads_than_connections(void **state)
{
    (void)state;
    db_release();
    pthread_t threads[POOL_THREADS];
    for (int i = 0; i < POOL_THREADS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, pool_worker, (void *)(intptr_t)i), 0);
    int failures = 0;
    for (int i = 0; i < POOL_THREADS; i++) {
        void *rc;
        pthread_join(threads[i], &rc);
        failures += rc != NULL;
    }
    assert_int_equal(failures, 0);

    int err;
    PGresult *res =
        db_query(db_conn(), "SELECT count(*) FROM notes WHERE body LIKE 'pool-%'", 0, NULL, &err);
    assert_non_null(res);
    assert_int_equal(atoi(PQgetvalue(res, 0, 0)), POOL_THREADS * POOL_ROUNDS);
    PQclear(res);

    /* No more server sessions on this schema than the pool holds (default 10). */
    PGconn *su = t_db();
    const char *params[] = {g_schema};
    char *sessions = t_sql_value(
        su, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", 1, params);
    assert_non_null(sessions);
    assert_true(atoi(sessions) >= 1);
    assert_true(atoi(sessions) <= 10);
    free(sessions);
    PQfinish(su);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_db_ping_reaches_database),
        cmocka_unit_test(test_db_connection_uses_search_path),
        cmocka_unit_test(test_db_tx_retries_serialization_failure),
        cmocka_unit_test(test_db_tx_rolls_back_when_body_fails),
        cmocka_unit_test(test_db_tx_reports_aborted_commit),
        cmocka_unit_test(test_db_query_maps_unique_violation),
        cmocka_unit_test(test_db_query_maps_bad_input),
        cmocka_unit_test(test_db_query_stores_hostile_input_verbatim),
        cmocka_unit_test(test_db_tx_rejects_unknown_isolation),
        cmocka_unit_test(test_db_tx_survives_lost_connection),
        cmocka_unit_test(test_db_pool_serves_more_threads_than_connections),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
