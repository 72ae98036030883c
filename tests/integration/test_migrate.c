/* test_migrate.c - the migration runner against the stack's PostgreSQL: concurrent
 * runners apply each migration exactly once, a re-run changes nothing, a failing file
 * leaves no trace, and the common tables exist. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"
#include "support.h"

static char g_schema[64];
static char g_dir[256];
static char g_bad_dir[256];

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *value(const char *fmt)
{
    char sql[512];
    snprintf(sql, sizeof sql, fmt, g_schema);
    PGconn *su = t_db();
    char *v = t_sql_value(su, sql, 0, NULL);
    PQfinish(su);
    return v;
}

static int setup(void **state)
{
    char uuid[ID_UUID_LEN], conninfo[2048];
    (void)state;
    stack_load();
    log_init("it-migrate");
    id_uuid(uuid);
    t_schema_create("it_migrate", g_schema, conninfo);

    /* Migrations are unqualified, as a service writes them. The pg_sleep widens the
     * window in which a second runner without the lock would apply 0002 again. */
    snprintf(g_dir, sizeof g_dir, "/tmp/it-migrate-%.8s", uuid);
    snprintf(g_bad_dir, sizeof g_bad_dir, "/tmp/it-migrate-bad-%.8s", uuid);
    if (mkdir(g_dir, 0700) || mkdir(g_bad_dir, 0700))
        return -1;
    write_file(g_dir, "0001_create_items.sql",
               "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);\n");
    write_file(g_dir, "0002_seed_items.sql",
               "SELECT pg_sleep(0.2);\nINSERT INTO counter_log DEFAULT VALUES;\n"
               "INSERT INTO items VALUES ((SELECT count(*) FROM counter_log), 'first');\n");
    write_file(g_dir, "0001a_create_counter_log.sql",
               "CREATE TABLE counter_log (id serial PRIMARY KEY);\n");
    write_file(g_dir, "README.md", "not a migration\n");
    write_file(g_bad_dir, "0001_create_good.sql", "CREATE TABLE good (id int);\n");
    write_file(g_bad_dir, "0002_create_half.sql",
               "CREATE TABLE half (id int);\nCREATE TABLE oops (id int REFERENCES nowhere);\n");
    return db_init(conninfo);
}

static int teardown(void **state)
{
    char cmd[600];
    (void)state;
    db_thread_close();
    t_schema_drop(g_schema);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", g_dir, g_bad_dir);
    return system(cmd) == 0 ? 0 : -1;
}

typedef struct runner {
    const char *dir;
    int rc;
} runner_t;

static void *migrate_thread(void *arg)
{
    runner_t *r = arg;
    r->rc = db_migrate(g_schema, r->dir);
    db_thread_close();
    return NULL;
}

static void test_migrate_concurrent_runners_apply_each_once(void **state)
{
    (void)state;
    runner_t runs[3] = {{g_dir, -99}, {g_dir, -99}, {g_dir, -99}};
    pthread_t threads[3];

    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, migrate_thread, &runs[i]), 0);
    for (int i = 0; i < 3; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(runs[i].rc, 0);
    }

    char *n = value("SELECT count(*) FROM %s.schema_migrations");
    assert_string_equal(n, "7"); /* 4 common + 3 files */
    free(n);
    n = value("SELECT count(*) FROM %s.counter_log");
    assert_string_equal(n, "1");
    free(n);
    /* Name order: 0001a ran before 0002, which found counter_log. */
    n = value(
        "SELECT string_agg(version, ',' ORDER BY version COLLATE \"C\") FROM %s.schema_migrations");
    assert_string_equal(n, "0000_common_idempotency_keys,0000_common_idempotency_owner,"
                           "0000_common_outbox,0000_common_processed_events,0001_create_items,"
                           "0001a_create_counter_log,0002_seed_items");
    free(n);
}

static void test_migrate_rerun_is_noop(void **state)
{
    (void)state;
    char *before = value("SELECT max(applied_at)::text FROM %s.schema_migrations");
    assert_int_equal(db_migrate(g_schema, g_dir), 0);
    char *after = value("SELECT max(applied_at)::text FROM %s.schema_migrations");
    assert_string_equal(before, after);
    free(before);
    free(after);
    char *n = value("SELECT count(*) FROM %s.items");
    assert_string_equal(n, "1");
    free(n);
}

static void test_migrate_creates_common_tables(void **state)
{
    (void)state;
    char *n = value("SELECT count(*) FROM pg_tables WHERE schemaname = '%s' AND tablename IN "
                    "('outbox', 'processed_events', 'idempotency_keys')");
    assert_string_equal(n, "3");
    free(n);
    n = value("SELECT count(*) FROM pg_indexes WHERE schemaname = '%s' AND "
              "indexname = 'outbox_unsent_idx'");
    assert_string_equal(n, "1");
    free(n);
}

static void test_migrate_failing_file_leaves_no_trace(void **state)
{
    (void)state;
    assert_int_not_equal(db_migrate(g_schema, g_bad_dir), 0);
    char *n = value("SELECT count(*) FROM %s.schema_migrations WHERE version LIKE '%%good'");
    assert_string_equal(n, "1");
    free(n);
    n = value("SELECT count(*) FROM %s.schema_migrations WHERE version LIKE '%%half'");
    assert_string_equal(n, "0");
    free(n);
    n = value("SELECT count(*) FROM pg_tables WHERE schemaname = '%s' AND tablename = 'half'");
    assert_string_equal(n, "0");
    free(n);
    /* The advisory lock was released: another runner is not blocked. */
    assert_int_equal(db_migrate(g_schema, g_dir), 0);
}

static void test_migrate_rejects_bad_schema_names(void **state)
{
    (void)state;
    assert_int_equal(db_migrate("Robert\"; DROP SCHEMA public; --", NULL), ERR_INVALID);
    assert_int_equal(db_migrate("Upper", NULL), ERR_INVALID);
    assert_int_equal(db_migrate("", NULL), ERR_INVALID);
    assert_int_equal(db_migrate("9lives", NULL), ERR_INVALID);
}

static void test_migrate_missing_dir_fails(void **state)
{
    (void)state;
    assert_int_not_equal(db_migrate(g_schema, "/nonexistent/migrations"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_concurrent_runners_apply_each_once),
        cmocka_unit_test(test_migrate_rerun_is_noop),
        cmocka_unit_test(test_migrate_creates_common_tables),
        cmocka_unit_test(test_migrate_failing_file_leaves_no_trace),
        cmocka_unit_test(test_migrate_rejects_bad_schema_names),
        cmocka_unit_test(test_migrate_missing_dir_fails),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
