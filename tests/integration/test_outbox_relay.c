/* test_outbox_relay.c - the outbox and its relay against the stack's PostgreSQL and
 * development broker: committed events are published exactly once, rolled-back ones
 * never, an outage delays events without losing or doubling them, and two relays on
 * one outbox publish each event once.
 *
 * Events go to a topic of this run's own ("it.outbox.<random>", created by the mock
 * cluster on first use), so the contract topics stay clean. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/events.h"
#include "common/ids.h"
#include "common/log.h"
#include "support.h"

static char g_schema[64];
static char g_topic[64];
static relay_t *g_relay;

static int setup(void **state)
{
    char conninfo[2048];
    (void)state;
    stack_load();
    log_init("it-outbox");
    events_init("it-outbox");
    t_schema_create("it_outbox", g_schema, conninfo);
    snprintf(g_topic, sizeof g_topic, "it.outbox.%s", g_schema + strlen("it_outbox_"));
    if (db_init(conninfo) != 0 || db_migrate(g_schema, NULL) != 0)
        return -1;
    g_relay = relay_start(stack_get("KAFKA_BROKERS"));
    return g_relay ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    /* Whatever happened, leave the shared broker up. */
    kill((pid_t)atol(stack_get("DEVBROKER_PID")), SIGUSR2);
    relay_stop(g_relay);
    db_thread_close();
    t_schema_drop(g_schema);
    return 0;
}

typedef struct put {
    const char *type;
    int count;
    char (*subjects)[ID_UUID_LEN];
    int fail_with; /* 0 commits; an error code rolls back */
} put_t;

static int put_tx(PGconn *conn, void *arg)
{
    put_t *p = arg;
    for (int i = 0; i < p->count; i++) {
        cJSON *data = cJSON_CreateObject();
        cJSON_AddNumberToObject(data, "n", i);
        int rc = outbox_put(conn, g_topic, p->subjects[i], p->type, "store.test.v1.Event", 1, data,
                            NULL);
        if (rc)
            return rc;
    }
    return p->fail_with;
}

static int put(const char *type, int count, char (*subjects)[ID_UUID_LEN], int fail_with)
{
    for (int i = 0; i < count; i++)
        id_uuid(subjects[i]);
    put_t p = {type, count, subjects, fail_with};
    return db_tx(put_tx, &p);
}

static long count_sql(const char *fmt, const char *param)
{
    return t_schema_count(fmt, g_schema, param);
}

static bool all_sent(void *arg)
{
    (void)arg;
    return count_sql("SELECT count(*) FROM %s.outbox WHERE sent_at IS NULL", NULL) == 0;
}

static bool subject_sent(void *subject)
{
    return count_sql("SELECT count(*) FROM %s.outbox WHERE key = $1 AND sent_at IS NOT NULL",
                     subject) == 1;
}

static bool subject_tried(void *subject)
{
    return count_sql("SELECT count(*) FROM %s.outbox WHERE key = $1 AND attempts > 0", subject) ==
           1;
}

/* How many messages on the topic have this subject, per subject, in one read. */
static void count_subjects(const char *type, int n, char (*subjects)[ID_UUID_LEN], int *counts)
{
    cJSON *all = t_topic_read_all(g_topic);
    const cJSON *ev;
    memset(counts, 0, sizeof *counts * (size_t)n);
    cJSON_ArrayForEach(ev, all)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(ev, "type");
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(ev, "subject");
        if (!cJSON_IsString(t) || !cJSON_IsString(s) || strcmp(t->valuestring, type) != 0)
            continue;
        for (int i = 0; i < n; i++)
            if (!strcmp(s->valuestring, subjects[i]))
                counts[i]++;
    }
    cJSON_Delete(all);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_outbox_committed_events_published_once(void **state)
{
    (void)state;
    char subjects[3][ID_UUID_LEN];
    int counts[3];

    int64_t t0 = now_ms();
    assert_int_equal(put("Committed", 3, subjects, 0), 0);
    assert_true(t_wait_until(all_sent, NULL, 15000));
    printf("# commit -> marked sent: %lld ms\n", (long long)(now_ms() - t0));
    count_subjects("Committed", 3, subjects, counts);
    for (int i = 0; i < 3; i++)
        assert_int_equal(counts[i], 1);

    /* The envelope on the topic is the one written. */
    cJSON *all = t_topic_read_all(g_topic);
    const cJSON *ev, *found = NULL;
    cJSON_ArrayForEach(ev, all)
    {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(ev, "subject");
        if (cJSON_IsString(s) && !strcmp(s->valuestring, subjects[0]))
            found = ev;
    }
    assert_non_null(found);
    assert_int_equal(event_validate(found), 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(found, "source")->valuestring,
                        "/services/it-outbox");
    cJSON_Delete(all);
}

static void test_outbox_rolled_back_tx_publishes_nothing(void **state)
{
    (void)state;
    char gone[2][ID_UUID_LEN], marker[1][ID_UUID_LEN];
    int counts[2];

    assert_int_equal(put("RolledBack", 2, gone, ERR_CONFLICT), ERR_CONFLICT);
    /* Once an event committed after it is out, the relay has passed that point. */
    int64_t t0 = now_ms();
    assert_int_equal(put("Marker", 1, marker, 0), 0);
    assert_true(t_wait_until(subject_sent, marker[0], 15000));
    printf("# commit -> marked sent (topic known): %lld ms (test polling), %ld ms (database)\n",
           (long long)(now_ms() - t0),
           count_sql("SELECT (extract(epoch FROM sent_at - created_at) * 1000)::bigint "
                     "FROM %s.outbox WHERE key = $1",
                     marker[0]));
    assert_int_equal(count_sql("SELECT count(*) FROM %s.outbox WHERE type = $1", "RolledBack"), 0);
    count_subjects("RolledBack", 2, gone, counts);
    assert_int_equal(counts[0], 0);
    assert_int_equal(counts[1], 0);
}

static void test_outbox_broker_outage_delays_not_loses(void **state)
{
    (void)state;
    pid_t broker = (pid_t)atol(stack_get("DEVBROKER_PID"));
    char subject[1][ID_UUID_LEN];
    int counts[1];

    assert_int_equal(kill(broker, SIGUSR1), 0);
    assert_int_equal(put("DuringOutage", 1, subject, 0), 0);
    /* The relay tried (its delivery timed out) and left the row unsent. */
    assert_true(t_wait_until(subject_tried, subject[0], 30000));
    assert_false(subject_sent(subject[0]));

    assert_int_equal(kill(broker, SIGUSR2), 0);
    assert_true(t_wait_until(subject_sent, subject[0], 60000));
    count_subjects("DuringOutage", 1, subject, counts);
    assert_int_equal(counts[0], 1);
}

static void test_outbox_two_relays_publish_each_once(void **state)
{
    (void)state;
    enum { TXS = 20, PER_TX = 10, N = TXS * PER_TX };
    static char subjects[N][ID_UUID_LEN];
    static int counts[N];
    relay_t *second = relay_start(stack_get("KAFKA_BROKERS"));
    assert_non_null(second);

    for (int i = 0; i < TXS; i++)
        assert_int_equal(put("TwoRelays", PER_TX, subjects + i * PER_TX, 0), 0);
    assert_true(t_wait_until(all_sent, NULL, 30000));
    relay_stop(second);

    count_subjects("TwoRelays", N, subjects, counts);
    for (int i = 0; i < N; i++)
        assert_int_equal(counts[i], 1);
}

static bool backlog_zero(void *arg)
{
    (void)arg;
    return relay_backlog(g_relay) == 0;
}

static void test_outbox_backlog_reports_unsent(void **state)
{
    (void)state;
    assert_true(t_wait_until(backlog_zero, NULL, 5000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outbox_committed_events_published_once),
        cmocka_unit_test(test_outbox_rolled_back_tx_publishes_nothing),
        cmocka_unit_test(test_outbox_broker_outage_delays_not_loses),
        cmocka_unit_test(test_outbox_two_relays_publish_each_once),
        cmocka_unit_test(test_outbox_backlog_reports_unsent),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
