/* test_idempotency.c - Idempotency-Key claims against the stack's PostgreSQL: one
 * winner among concurrent requests, replay, mismatch, abandon, and the takeover of a
 * claim whose request died. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/idempotency.h"
#include "common/ids.h"
#include "common/log.h"
#include "support.h"

#define RACERS 8

static char g_schema[64];

static int setup(void **state)
{
    char conninfo[2048];
    (void)state;
    stack_load();
    log_init("it-idempotency");
    t_schema_create("it_idem", g_schema, conninfo);
    if (db_init(conninfo) != 0)
        return -1;
    return db_migrate(g_schema, NULL);
}

static int teardown(void **state)
{
    (void)state;
    db_thread_close();
    t_schema_drop(g_schema);
    return 0;
}

static const char body[] = "{\"items\":[{\"sku\":\"A\",\"qty\":1}]}";

typedef struct racer {
    pthread_barrier_t *barrier;
    const char *key;
    int rc;
    idem_result_t res;
} racer_t;

static void *race(void *arg)
{
    racer_t *r = arg;
    PGconn *conn = db_conn(); /* connect before the barrier so the start is even */
    pthread_barrier_wait(r->barrier);
    r->rc = idem_begin(conn, "user-1", r->key, body, strlen(body), &r->res);
    db_thread_close();
    return NULL;
}

static void test_idem_concurrent_same_key_has_one_winner(void **state)
{
    (void)state;
    pthread_barrier_t barrier;
    racer_t racers[RACERS];
    pthread_t threads[RACERS];
    char key[ID_UUID_LEN];
    int winners = 0, in_progress = 0;

    id_uuid(key);
    pthread_barrier_init(&barrier, NULL, RACERS);
    for (int i = 0; i < RACERS; i++) {
        racers[i] = (racer_t){.barrier = &barrier, .key = key, .rc = -99};
        assert_int_equal(pthread_create(&threads[i], NULL, race, &racers[i]), 0);
    }
    for (int i = 0; i < RACERS; i++)
        pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&barrier);
    for (int i = 0; i < RACERS; i++) {
        assert_int_equal(racers[i].rc, 0);
        winners += racers[i].res.state == IDEM_NEW;
        in_progress += racers[i].res.state == IDEM_IN_PROGRESS;
        free(racers[i].res.body);
    }
    assert_int_equal(winners, 1);
    assert_int_equal(in_progress, RACERS - 1);
}

static void test_idem_finished_key_replays_response(void **state)
{
    (void)state;
    char key[ID_UUID_LEN];
    idem_result_t r;
    id_uuid(key);

    assert_int_equal(idem_begin(db_conn(), "user-1", key, body, strlen(body), &r), 0);
    assert_int_equal(r.state, IDEM_NEW);
    assert_int_equal(idem_finish(db_conn(), "user-1", key, 201, "{\"id\":\"o-1\"}"), 0);

    assert_int_equal(idem_begin(db_conn(), "user-1", key, body, strlen(body), &r), 0);
    assert_int_equal(r.state, IDEM_REPLAY);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body, "{\"id\":\"o-1\"}");
    free(r.body);

    /* A finished key cannot be finished again or abandoned. */
    assert_int_equal(idem_finish(db_conn(), "user-1", key, 500, "{}"), ERR_NOT_FOUND);
}

static void test_idem_same_key_other_body_is_mismatch(void **state)
{
    (void)state;
    char key[ID_UUID_LEN];
    idem_result_t r;
    const char other[] = "{\"items\":[{\"sku\":\"A\",\"qty\":2}]}";
    id_uuid(key);

    assert_int_equal(idem_begin(db_conn(), "user-1", key, body, strlen(body), &r), 0);
    assert_int_equal(r.state, IDEM_NEW);
    assert_int_equal(idem_begin(db_conn(), "user-1", key, other, strlen(other), &r), 0);
    assert_int_equal(r.state, IDEM_MISMATCH);
    assert_int_equal(idem_finish(db_conn(), "user-1", key, 200, "{}"), 0);
    assert_int_equal(idem_begin(db_conn(), "user-1", key, other, strlen(other), &r), 0);
    assert_int_equal(r.state, IDEM_MISMATCH);
    assert_null(r.body);
}

static void test_idem_keys_are_scoped(void **state)
{
    (void)state;
    char key[ID_UUID_LEN];
    idem_result_t r;
    id_uuid(key);

    assert_int_equal(idem_begin(db_conn(), "user-1", key, body, strlen(body), &r), 0);
    assert_int_equal(r.state, IDEM_NEW);
    assert_int_equal(idem_begin(db_conn(), "user-2", key, body, strlen(body), &r), 0);
    assert_int_equal(r.state, IDEM_NEW);
}

static void test_idem_abandoned_key_can_be_claimed_again(void **state)
{
    (void)state;
    char key[ID_UUID_LEN];
    idem_result_t r;
    id_uuid(key);

    assert_int_equal(idem_begin(db_conn(), "user-1", key, body, strlen(body), &r), 0);
    assert_int_equal(r.state, IDEM_NEW);
    assert_int_equal(idem_abandon(db_conn(), "user-1", key), 0);
    assert_int_equal(idem_begin(db_conn(), "user-1", key, body, strlen(body), &r), 0);
    assert_int_equal(r.state, IDEM_NEW);
}

typedef struct claim_wait {
    const char *key;
    enum idem_state state;
} claim_wait_t;

static bool claim_taken_over(void *arg)
{
    claim_wait_t *w = arg;
    idem_result_t r;
    if (idem_begin(db_conn(), "user-1", w->key, body, strlen(body), &r) != 0)
        return false;
    free(r.body);
    w->state = r.state;
    return r.state == IDEM_NEW;
}

/* Runs sql with two parameters as the superuser. */
static void su_exec(const char *sql, const char *a, const char *b)
{
    const char *params[2] = {a, b};
    PGconn *su = t_db();
    free(t_sql_value(su, sql, 2, params));
    PQfinish(su);
}

static void test_idem_claim_of_a_dead_process_is_taken_over(void **state)
{
    (void)state;
    char key[ID_UUID_LEN], other[ID_UUID_LEN], sql[256];
    idem_result_t r;
    id_uuid(key);
    id_uuid(other);

    /* Another process claimed the key and lives: it holds the lock on its id. */
    PGconn *process = t_db();
    const char *params[1] = {other};
    free(t_sql_value(process,
                     "SELECT pg_advisory_lock(hashtextextended('idempotency owner ' || $1, 0))", 1,
                     params));
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.idempotency_keys (scope, key, request_hash, owner) VALUES "
             "('user-1', $1, encode(sha256(convert_to($2, 'UTF8')), 'hex'), $3)",
             g_schema);
    const char *insert[3] = {key, body, other};
    PGconn *su = t_db();
    free(t_sql_value(su, sql, 3, insert));
    PQfinish(su);

    /* While it lives, a retry here is told the request is in progress. */
    assert_int_equal(idem_begin(db_conn(), "user-1", key, body, strlen(body), &r), 0);
    assert_int_equal(r.state, IDEM_IN_PROGRESS);

    /* It dies: the retry takes the key over once the server has seen the connection go
     * (the backend ends a moment after the socket closes). */
    PQfinish(process);
    claim_wait_t w = {.key = key};
    assert_true(t_wait_until(claim_taken_over, &w, 5000));
    assert_int_equal(idem_finish(db_conn(), "user-1", key, 201, "{\"id\":\"o-2\"}"), 0);
    assert_int_equal(idem_begin(db_conn(), "user-1", key, body, strlen(body), &r), 0);
    assert_int_equal(r.state, IDEM_REPLAY);
    assert_string_equal(r.body, "{\"id\":\"o-2\"}");
    free(r.body);
}

static void test_idem_claim_of_an_ended_request_is_taken_over(void **state)
{
    (void)state;
    char key[ID_UUID_LEN];
    idem_result_t r;
    id_uuid(key);

    /* A request of this process claims the key... */
    PGconn *request = db_connect_new();
    assert_non_null(request);
    assert_int_equal(idem_begin(request, "user-1", key, body, strlen(body), &r), 0);
    assert_int_equal(r.state, IDEM_NEW);
    assert_int_equal(idem_begin(db_conn(), "user-1", key, body, strlen(body), &r), 0);
    assert_int_equal(r.state, IDEM_IN_PROGRESS);

    /* ...and fails as the database restarts: its connection is cut, so its abandon
     * cannot reach the row, which stays in progress under this live process. */
    char pid[16], sql[64];
    snprintf(pid, sizeof pid, "%d", PQbackendPID(request));
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%s)", pid);
    PGconn *su = t_db();
    free(t_sql_value(su, sql, 0, NULL));
    PQfinish(su);
    assert_int_not_equal(idem_abandon(request, "user-1", key), 0);
    PQfinish(request);

    /* The client's retry is served at once, not after the stale interval. */
    assert_int_equal(idem_begin(db_conn(), "user-1", key, body, strlen(body), &r), 0);
    assert_int_equal(r.state, IDEM_NEW);
    assert_int_equal(idem_finish(db_conn(), "user-1", key, 201, "{}"), 0);
}

static void test_idem_stale_claim_is_taken_over(void **state)
{
    (void)state;
    char key[ID_UUID_LEN], sql[256];
    idem_result_t r;
    id_uuid(key);

    /* This process claimed it long ago and never finished. */
    assert_int_equal(idem_begin(db_conn(), "user-1", key, body, strlen(body), &r), 0);
    assert_int_equal(r.state, IDEM_NEW);
    assert_int_equal(idem_begin(db_conn(), "user-1", key, body, strlen(body), &r), 0);
    assert_int_equal(r.state, IDEM_IN_PROGRESS);
    snprintf(sql, sizeof sql,
             "UPDATE %s.idempotency_keys SET created_at = now() - interval '1 hour' "
             "WHERE key = $1 AND $2::text IS NOT NULL",
             g_schema);
    su_exec(sql, key, "-");
    assert_int_equal(idem_begin(db_conn(), "user-1", key, body, strlen(body), &r), 0);
    assert_int_equal(r.state, IDEM_NEW);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idem_concurrent_same_key_has_one_winner),
        cmocka_unit_test(test_idem_finished_key_replays_response),
        cmocka_unit_test(test_idem_same_key_other_body_is_mismatch),
        cmocka_unit_test(test_idem_keys_are_scoped),
        cmocka_unit_test(test_idem_abandoned_key_can_be_claimed_again),
        cmocka_unit_test(test_idem_claim_of_a_dead_process_is_taken_over),
        cmocka_unit_test(test_idem_claim_of_an_ended_request_is_taken_over),
        cmocka_unit_test(test_idem_stale_claim_is_taken_over),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
