/* test_consumer.c - the idempotent consumer against the stack's PostgreSQL and
 * development broker: a redelivered event changes nothing, a poison event goes to
 * "<topic>.dlq" with its error and the consumer moves on.
 *
 * The events go to a topic of this run's own ("it.consumer.<random>"), created by the
 * mock cluster when the test first produces to it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/events.h"
#include "common/ids.h"
#include "common/log.h"
#include "support.h"

static char g_schema[64];
static char g_topic[64];
static char g_dlq[80];
static consumer_t *g_consumer;
static atomic_int g_poison_calls;

/* The effect of an event: a row per application, so a double application shows. */
static int record_effect(PGconn *conn, const cJSON *event, void *arg)
{
    const char *params[2] = {cJSON_GetObjectItemCaseSensitive(event, "subject")->valuestring, arg};
    return db_exec(conn, "INSERT INTO effects (subject, kind) VALUES ($1, $2)", 2, params);
}

static int always_fail(PGconn *conn, const cJSON *event, void *arg)
{
    (void)event;
    (void)arg;
    atomic_fetch_add(&g_poison_calls, 1);
    /* Its write must be rolled back with the failure. */
    if (record_effect(conn, event, "poison") != 0)
        return ERR_INTERNAL;
    return ERR_UNAVAILABLE;
}

static atomic_int g_after_commits;
static atomic_long g_effects_seen;

/* After a Credited event committed: what another connection sees of its effects then. */
static void after_credited(void *arg)
{
    char sql[256];
    (void)arg;
    atomic_fetch_add(&g_after_commits, 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.effects WHERE kind = 'credited'", g_schema);
    PGconn *other = t_db();
    char *n = t_sql_value(other, sql, 0, NULL);
    PQfinish(other);
    atomic_store(&g_effects_seen, n != NULL ? atol(n) : -1);
    free(n);
}

static event_route_t g_routes[3] = {
    {NULL, "Credited", record_effect, "credited", after_credited},
    {NULL, "Good", record_effect, "good", NULL},
    {NULL, "Poison", always_fail, NULL, NULL},
};

static void produce(const char *key, const char *payload)
{
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers", stack_get("KAFKA_BROKERS"),
                                       errstr, sizeof errstr),
                     RD_KAFKA_CONF_OK);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    assert_non_null(rk);
    assert_int_equal(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(g_topic),
                                       RD_KAFKA_V_KEY(key, strlen(key)),
                                       RD_KAFKA_V_VALUE((void *)payload, strlen(payload)),
                                       RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                     RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rd_kafka_flush(rk, 15000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(rk);
}

/* A valid envelope of type with a fresh subject (copied out) and id (copied out). */
static char *envelope(const char *type, char subject[ID_UUID_LEN], char id[ID_UUID_LEN])
{
    id_uuid(subject);
    cJSON *ev = event_envelope(type, subject, "store.test.v1.Event", 1, cJSON_CreateObject(), NULL);
    assert_non_null(ev);
    snprintf(id, ID_UUID_LEN, "%s", cJSON_GetObjectItemCaseSensitive(ev, "id")->valuestring);
    char *text = cJSON_PrintUnformatted(ev);
    cJSON_Delete(ev);
    return text;
}

static long count_sql(const char *fmt, const char *param)
{
    return t_schema_count(fmt, g_schema, param);
}

static bool effect_seen(void *subject)
{
    return count_sql("SELECT count(*) FROM %s.effects WHERE subject = $1", subject) > 0;
}

typedef struct seen_target {
    long handled, duplicates, dead;
} seen_target_t;

static bool stats_reached(void *arg)
{
    seen_target_t *t = arg;
    long h, d, x;
    consumer_stats(g_consumer, &h, &d, &x);
    return h >= t->handled && d >= t->duplicates && x >= t->dead;
}

static int setup(void **state)
{
    char sql[256], conninfo[2048], subject[ID_UUID_LEN], id[ID_UUID_LEN];
    (void)state;
    stack_load();
    log_init("it-consumer");
    events_init("it-consumer");
    t_schema_create("it_consumer", g_schema, conninfo);
    snprintf(g_topic, sizeof g_topic, "it.consumer.%s", g_schema + strlen("it_consumer_"));
    snprintf(g_dlq, sizeof g_dlq, "%s.dlq", g_topic);
    for (int i = 0; i < 3; i++)
        g_routes[i].topic = g_topic;
    PGconn *su = t_db();
    snprintf(sql, sizeof sql, "CREATE TABLE %s.effects (subject text NOT NULL, kind text)",
             g_schema);
    free(t_sql_value(su, sql, 0, NULL));
    PQfinish(su);
    if (db_init(conninfo) != 0 || db_migrate(g_schema, NULL) != 0)
        return -1;

    /* The topic must exist before subscribing; the first event makes it. Waiting for
     * it to be handled also waits out the group join. */
    char *warm = envelope("Warmup", subject, id);
    produce(subject, warm);
    free(warm);
    g_consumer = consumer_start(stack_get("KAFKA_BROKERS"), g_schema, g_routes, 3);
    if (!g_consumer)
        return -1;
    seen_target_t one = {1, 0, 0};
    return t_wait_until(stats_reached, &one, 30000) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    consumer_stop(g_consumer);
    db_thread_close();
    t_schema_drop(g_schema);
    return 0;
}

typedef struct lag_seen {
    int partitions;
    long total;
} lag_seen_t;

static void count_lag(const char *topic, int partition, long lag, void *arg)
{
    lag_seen_t *s = arg;
    (void)partition;
    if (strcmp(topic, g_topic) == 0) {
        s->partitions++;
        s->total += lag;
    }
}

/* The member reports a position on the test topic, and nothing left to read there. */
static bool caught_up(void *arg)
{
    lag_seen_t s = {0};
    (void)arg;
    consumer_lag_each(g_consumer, count_lag, &s);
    return s.partitions > 0 && s.total == 0;
}

static void test_consumer_duplicate_event_applied_once(void **state)
{
    (void)state;
    char subject[ID_UUID_LEN], id[ID_UUID_LEN];
    long h0, d0;
    consumer_stats(g_consumer, &h0, &d0, NULL);

    char *ev = envelope("Credited", subject, id);
    produce(subject, ev);
    produce(subject, ev); /* redelivery: the very same event */
    free(ev);

    seen_target_t target = {h0 + 1, d0 + 1, 0};
    assert_true(t_wait_until(stats_reached, &target, 30000));
    assert_int_equal(count_sql("SELECT count(*) FROM %s.effects WHERE subject = $1", subject), 1);
    assert_int_equal(count_sql("SELECT count(*) FROM %s.processed_events WHERE event_id = $1", id),
                     1);
    /* The after-commit hook ran once (not for the duplicate), when the effect was already
     * visible to everyone. */
    assert_int_equal(atomic_load(&g_after_commits), 1);
    assert_int_equal(atomic_load(&g_effects_seen), 1);
    /* /metrics' consumer lag: both messages read, none left behind. */
    assert_true(t_wait_until(caught_up, NULL, 10000));
    /* The only member of its group holds partitions (what scripts/stack.sh waits on). */
    assert_true(consumer_assigned_count(g_consumer) > 0);
    assert_int_equal(consumer_assigned_count(NULL), 0);
}

/* The DLQ copy of the event with this id, and its "error" header. */
static bool find_dead_letter(const char *id, char *error, size_t error_len, char *origin,
                             size_t origin_len)
{
    char errstr[512], group[96];
    snprintf(group, sizeof group, "%s-dlq-reader", g_schema);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", stack_get("KAFKA_BROKERS"), errstr,
                          sizeof errstr) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof errstr) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", errstr, sizeof errstr) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", errstr, sizeof errstr) !=
            RD_KAFKA_CONF_OK)
        return false;
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!rk)
        return false;
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, g_dlq, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);

    bool found = false;
    for (int i = 0; i < 300 && !found; i++) { /* 30 s */
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m)
            continue;
        if (!m->err && m->len > 0 && memmem(m->payload, m->len, id, strlen(id))) {
            rd_kafka_headers_t *h = NULL;
            const void *v;
            size_t len;
            found = true;
            if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                if (rd_kafka_header_get_last(h, "error", &v, &len) == RD_KAFKA_RESP_ERR_NO_ERROR)
                    snprintf(error, error_len, "%.*s", (int)len, (const char *)v);
                if (rd_kafka_header_get_last(h, "original.topic", &v, &len) ==
                    RD_KAFKA_RESP_ERR_NO_ERROR)
                    snprintf(origin, origin_len, "%.*s", (int)len, (const char *)v);
            }
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return found;
}

static void test_consumer_failing_handler_dead_letters_and_moves_on(void **state)
{
    (void)state;
    char poison_subject[ID_UUID_LEN], poison_id[ID_UUID_LEN];
    char good_subject[ID_UUID_LEN], good_id[ID_UUID_LEN];
    char error[256] = "", origin[128] = "";
    long x0;
    consumer_stats(g_consumer, NULL, NULL, &x0);
    atomic_store(&g_poison_calls, 0);

    char *poison = envelope("Poison", poison_subject, poison_id);
    char *good = envelope("Good", good_subject, good_id);
    /* Same key, same partition: the good event waits behind the poison one. */
    produce(poison_subject, poison);
    produce(poison_subject, good);
    free(poison);
    free(good);

    assert_true(t_wait_until(effect_seen, good_subject, 30000));
    long x;
    consumer_stats(g_consumer, NULL, NULL, &x);
    assert_int_equal(x, x0 + 1);
    assert_int_equal(atomic_load(&g_poison_calls), CONSUMER_MAX_ATTEMPTS);
    /* Every failed attempt rolled back, including its processed_events row. */
    assert_int_equal(
        count_sql("SELECT count(*) FROM %s.effects WHERE subject = $1", poison_subject), 0);
    assert_int_equal(
        count_sql("SELECT count(*) FROM %s.processed_events WHERE event_id = $1", poison_id), 0);

    assert_true(find_dead_letter(poison_id, error, sizeof error, origin, sizeof origin));
    assert_non_null(strstr(error, "SERVICE_UNAVAILABLE"));
    assert_string_equal(origin, g_topic);
}

static void test_consumer_invalid_envelope_dead_letters_at_once(void **state)
{
    (void)state;
    char subject[ID_UUID_LEN], id[ID_UUID_LEN];
    long x0;
    consumer_stats(g_consumer, NULL, NULL, &x0);

    produce("k", "this is not json");
    produce("k", "{\"specversion\":\"1.0\",\"id\":\"not-a-uuid\",\"data\":{}}");
    char *good = envelope("Good", subject, id);
    produce("k", good);
    free(good);

    assert_true(t_wait_until(effect_seen, subject, 30000));
    long x;
    consumer_stats(g_consumer, NULL, NULL, &x);
    assert_int_equal(x, x0 + 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_consumer_duplicate_event_applied_once),
        cmocka_unit_test(test_consumer_failing_handler_dead_letters_and_moves_on),
        cmocka_unit_test(test_consumer_invalid_envelope_dead_letters_at_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
