/* consumer.c - the idempotent consumer loop: a consumer-group member that applies
 * each event at most once and stores its offset only once the event is dealt with.
 *
 * For each message, in one transaction: insert the event id into processed_events
 * (ON CONFLICT DO NOTHING); no row back means a redelivery, which is skipped;
 * otherwise the handler of (topic, type) runs. Only after COMMIT is the offset
 * stored (enable.auto.offset.store=false) for the periodic auto-commit, so a crash
 * replays at most the uncommitted tail, which the processed_events row turns into
 * no-ops. A handler that fails CONSUMER_MAX_ATTEMPTS times, or an event that is not
 * a valid envelope, is produced to "<topic>.dlq" with the error in its headers; its
 * offset is stored once the DLQ delivery is confirmed, and the consumer moves on.
 *
 * Rebalances use librdkafka's default handling (no rebalance callback): it assigns
 * and revokes partitions itself, committing stored offsets on revoke.
 *
 * Threads: the loop, the handlers and the DLQ producer's reports run on the consumer
 * thread; consumer_stop()/consumer_stats() touch only atomics and the thread handle;
 * consumer_lag_each() only librdkafka's thread-safe reads of the assignment.
 */
#include "common/events.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/log.h"

#define DLQ_SUFFIX ".dlq"

struct consumer {
    pthread_t thread;
    rd_kafka_t *rk;  /* the group member */
    rd_kafka_t *dlq; /* producer for "<topic>.dlq" */
    event_route_t *routes;
    int route_count;
    atomic_bool stop;
    atomic_long handled, duplicates, dead_lettered;
};

/* What one transaction attempt needs and learns. */
typedef struct delivery {
    const cJSON *event;
    const char *topic;
    const char *id;
    const char *type;
    const event_route_t *route;
    bool duplicate;
} delivery_t;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* Sleeps ms in short steps so that consumer_stop() is noticed. False when stopping. */
static bool pause_unless_stopped(consumer_t *c, long ms)
{
    for (long slept = 0; slept < ms; slept += 20) {
        if (atomic_load(&c->stop))
            return false;
        sleep_ms(20);
    }
    return !atomic_load(&c->stop);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (err == RD_KAFKA_RESP_ERR__TRANSPORT)
        log_debug("consumer: kafka: %s", reason);
    else
        log_warn("consumer: kafka: %s: %s", rd_kafka_err2name(err), reason);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    if (level <= 4 && strcmp(fac, "FAIL") != 0)
        log_warn("kafka %s: %s", fac, buf);
    else
        log_debug("kafka %s: %s", fac, buf);
}

/* The DLQ producer's report lands in the int the message's opaque points at. */
static void on_dlq_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    int *result = msg->_private;

    (void)rk;
    (void)opaque;
    if (result)
        *result = msg->err == RD_KAFKA_RESP_ERR_NO_ERROR ? 1 : -1;
}

static int set_all(rd_kafka_conf_t *conf, const char *const (*settings)[2], size_t n)
{
    char errstr[512];

    for (size_t i = 0; i < n; i++)
        if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], errstr, sizeof errstr) !=
            RD_KAFKA_CONF_OK) {
            log_error("consumer: config %s: %s", settings[i][0], errstr);
            return -1;
        }
    return 0;
}

static rd_kafka_t *make_client(rd_kafka_type_t type, const char *brokers, const char *group_id)
{
    /* fetch.wait.max.ms=10: the broker answers a fetch within 10 ms even when it has
     * little data, which is what keeps event latency in milliseconds. */
    static const char *const consumer_settings[][2] = {
        {"client.id", "event-consumer"},       {"enable.auto.commit", "true"},
        {"enable.auto.offset.store", "false"}, {"auto.commit.interval.ms", "1000"},
        {"auto.offset.reset", "earliest"},     {"fetch.wait.max.ms", "10"},
        {"session.timeout.ms", "6000"},        {"heartbeat.interval.ms", "1000"},
        {"reconnect.backoff.max.ms", "1000"},
    };
    static const char *const dlq_settings[][2] = {
        {"client.id", "event-consumer-dlq"},
        {"enable.idempotence", "true"},
        {"acks", "all"},
        {"linger.ms", "1"},
        {"message.timeout.ms", "10000"},
        {"reconnect.backoff.max.ms", "1000"},
    };
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk;
    int bad;

    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
        log_error("consumer: bootstrap.servers: %s", errstr);
        goto fail;
    }
    if (type == RD_KAFKA_CONSUMER) {
        bad = rd_kafka_conf_set(conf, "group.id", group_id, errstr, sizeof errstr) !=
                  RD_KAFKA_CONF_OK ||
              set_all(conf, consumer_settings,
                      sizeof consumer_settings / sizeof consumer_settings[0]);
    } else {
        bad = set_all(conf, dlq_settings, sizeof dlq_settings / sizeof dlq_settings[0]);
        rd_kafka_conf_set_dr_msg_cb(conf, on_dlq_delivery);
    }
    if (bad)
        goto fail;
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_log_cb(conf, on_log);
    rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
    if (!rk) {
        log_error("consumer: rd_kafka_new: %s", errstr);
        goto fail;
    }
    return rk;
fail:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

static const event_route_t *find_route(const consumer_t *c, const char *topic, const char *type)
{
    const event_route_t *wildcard = NULL;

    for (int i = 0; i < c->route_count; i++) {
        const event_route_t *r = &c->routes[i];
        if (strcmp(r->topic, topic) != 0)
            continue;
        if (!strcmp(r->type, type))
            return r;
        if (!strcmp(r->type, "*") && !wildcard)
            wildcard = r;
    }
    return wildcard;
}

static int handle_tx(PGconn *conn, void *arg)
{
    delivery_t *d = arg;
    const char *params[3] = {d->id, d->topic, d->type};
    int err;
    PGresult *res = db_query(conn,
                             "INSERT INTO processed_events (event_id, topic, type) "
                             "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1",
                             3, params, &err);

    if (!res)
        return err;
    d->duplicate = PQntuples(res) == 0;
    PQclear(res);
    if (d->duplicate || !d->route)
        return 0;
    return d->route->handler(conn, d->event, d->route->arg);
}

/* Produces the original message to "<topic>.dlq" and waits for its report; retried
 * until it is delivered or the consumer stops. 0 once delivered. */
static int dead_letter(consumer_t *c, const rd_kafka_message_t *msg, const char *error,
                       int attempts)
{
    const char *topic = rd_kafka_topic_name(msg->rkt);
    char dlq_topic[512], attempts_s[16], partition_s[16], offset_s[32];

    if (snprintf(dlq_topic, sizeof dlq_topic, "%s" DLQ_SUFFIX, topic) >= (int)sizeof dlq_topic)
        return ERR_INVALID;
    snprintf(attempts_s, sizeof attempts_s, "%d", attempts);
    snprintf(partition_s, sizeof partition_s, "%d", (int)msg->partition);
    snprintf(offset_s, sizeof offset_s, "%lld", (long long)msg->offset);

    for (int round = 0; !atomic_load(&c->stop); round++) {
        int result = 0;
        rd_kafka_resp_err_t err = rd_kafka_producev(
            c->dlq, RD_KAFKA_V_TOPIC(dlq_topic), RD_KAFKA_V_KEY(msg->key, msg->key_len),
            RD_KAFKA_V_VALUE(msg->payload, msg->len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_HEADER("error", error, -1), RD_KAFKA_V_HEADER("attempts", attempts_s, -1),
            RD_KAFKA_V_HEADER("original.topic", topic, -1),
            RD_KAFKA_V_HEADER("original.partition", partition_s, -1),
            RD_KAFKA_V_HEADER("original.offset", offset_s, -1), RD_KAFKA_V_OPAQUE(&result),
            RD_KAFKA_V_END);

        if (err) {
            log_warn("consumer: cannot queue to %s: %s", dlq_topic, rd_kafka_err2str(err));
        } else {
            /* result lives on this stack frame, so leave only once the report
             * came; on stop, purging the queue makes it come at once (as a failure:
             * the offset is then not stored and the event is seen again). */
            bool purged = false;
            while (result == 0) {
                rd_kafka_poll(c->dlq, 50);
                if (!purged && atomic_load(&c->stop)) {
                    rd_kafka_purge(c->dlq, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
                    purged = true;
                }
            }
            if (result > 0)
                return 0;
            log_warn("consumer: delivery to %s failed; retrying", dlq_topic);
        }
        if (!pause_unless_stopped(c, round < 5 ? 200L << round : 5000))
            break;
    }
    return ERR_UNAVAILABLE;
}

/* Stores offset+1 (the next to read) for the periodic commit. After a rebalance took
 * the partition away this fails harmlessly: the new owner sees the event again and
 * processed_events makes it a no-op. */
static void store_offset(consumer_t *c, const rd_kafka_message_t *msg)
{
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_resp_err_t err;

    if (!list)
        return;
    rd_kafka_topic_partition_list_add(list, rd_kafka_topic_name(msg->rkt), msg->partition)->offset =
        msg->offset + 1;
    err = rd_kafka_offsets_store(c->rk, list);
    if (err || list->elems[0].err)
        log_debug("consumer: offset not stored: %s",
                  rd_kafka_err2str(err ? err : list->elems[0].err));
    rd_kafka_topic_partition_list_destroy(list);
}

static void handle_message(consumer_t *c, const rd_kafka_message_t *msg)
{
    const char *topic = rd_kafka_topic_name(msg->rkt);
    cJSON *event = msg->payload ? cJSON_ParseWithLength(msg->payload, msg->len) : NULL;
    char error[256] = "";
    int attempts = 0, rc = 0;

    if (!event || event_validate(event) != 0) {
        snprintf(error, sizeof error, "invalid event envelope");
        attempts = 1;
        goto dlq;
    }

    delivery_t d = {
        .event = event,
        .topic = topic,
        .id = cJSON_GetObjectItemCaseSensitive(event, "id")->valuestring,
        .type = cJSON_GetObjectItemCaseSensitive(event, "type")->valuestring,
    };
    d.route = find_route(c, topic, d.type);
    while (attempts < CONSUMER_MAX_ATTEMPTS) {
        rc = db_tx(handle_tx, &d);
        if (rc == 0) {
            if (d.duplicate)
                atomic_fetch_add(&c->duplicates, 1);
            else
                atomic_fetch_add(&c->handled, 1);
            if (!d.duplicate && d.route && d.route->after_commit)
                d.route->after_commit(d.route->arg);
            store_offset(c, msg);
            goto out;
        }
        /* An unreachable database is an outage, not a poison event: wait for it
         * without using up the attempts, or the DLQ would fill with good events. */
        if (rc == ERR_UNAVAILABLE && !db_ping()) {
            log_warn("consumer: database unavailable; waiting");
            if (!pause_unless_stopped(c, 1000))
                goto out; /* not stored: redelivered after restart */
            continue;
        }
        attempts++;
        snprintf(error, sizeof error, "handler failed: %s (%d)", err_code(rc), rc);
        log_warn("consumer: %s %s on %s: attempt %d: %s", d.type, d.id, topic, attempts, error);
        if (rc == ERR_INVALID)
            break;
        if (attempts < CONSUMER_MAX_ATTEMPTS && !pause_unless_stopped(c, 50L << attempts))
            goto out;
    }
dlq:
    if (dead_letter(c, msg, error, attempts) == 0) {
        atomic_fetch_add(&c->dead_lettered, 1);
        log_error("consumer: event at %s [%d] @%lld sent to %s" DLQ_SUFFIX ": %s", topic,
                  (int)msg->partition, (long long)msg->offset, topic, error);
        store_offset(c, msg);
    }
out:
    cJSON_Delete(event);
}

static void *consumer_main(void *arg)
{
    consumer_t *c = arg;

    while (!atomic_load(&c->stop)) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(c->rk, 100);

        rd_kafka_poll(c->dlq, 0);
        if (!msg)
            continue;
        if (msg->err) {
            if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                log_warn("consumer: %s", rd_kafka_message_errstr(msg));
        } else {
            handle_message(c, msg);
        }
        rd_kafka_message_destroy(msg);
    }
    /* Leaves the group and commits the stored offsets; must not overlap a poll, so
     * it runs here on the polling thread. */
    rd_kafka_resp_err_t err = rd_kafka_consumer_close(c->rk);
    if (err)
        log_warn("consumer: close: %s", rd_kafka_err2str(err));
    db_thread_close();
    return NULL;
}

consumer_t *consumer_start(const char *brokers, const char *group_id, const event_route_t *routes,
                           int route_count)
{
    consumer_t *c;
    rd_kafka_topic_partition_list_t *topics = NULL;
    rd_kafka_resp_err_t err;

    if (!brokers || !*brokers || !group_id || !*group_id || !routes || route_count <= 0)
        return NULL;
    c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    atomic_init(&c->stop, false);
    atomic_init(&c->handled, 0);
    atomic_init(&c->duplicates, 0);
    atomic_init(&c->dead_lettered, 0);
    c->routes = malloc(sizeof *routes * (size_t)route_count);
    if (!c->routes)
        goto fail;
    memcpy(c->routes, routes, sizeof *routes * (size_t)route_count);
    c->route_count = route_count;

    c->dlq = make_client(RD_KAFKA_PRODUCER, brokers, NULL);
    if (!c->dlq)
        goto fail;
    c->rk = make_client(RD_KAFKA_CONSUMER, brokers, group_id);
    if (!c->rk)
        goto fail;
    rd_kafka_poll_set_consumer(c->rk);

    topics = rd_kafka_topic_partition_list_new(route_count);
    if (!topics)
        goto fail;
    for (int i = 0; i < route_count; i++)
        if (!rd_kafka_topic_partition_list_find(topics, routes[i].topic, RD_KAFKA_PARTITION_UA))
            rd_kafka_topic_partition_list_add(topics, routes[i].topic, RD_KAFKA_PARTITION_UA);
    err = rd_kafka_subscribe(c->rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err) {
        log_error("consumer: subscribe: %s", rd_kafka_err2str(err));
        goto fail;
    }
    if (pthread_create(&c->thread, NULL, consumer_main, c) != 0) {
        log_error("consumer: cannot start its thread");
        rd_kafka_consumer_close(c->rk);
        goto fail;
    }
    return c;
fail:
    if (c->rk)
        rd_kafka_destroy(c->rk);
    if (c->dlq)
        rd_kafka_destroy(c->dlq);
    free(c->routes);
    free(c);
    return NULL;
}

void consumer_stop(consumer_t *consumer)
{
    if (!consumer)
        return;
    atomic_store(&consumer->stop, true);
    pthread_join(consumer->thread, NULL);
    rd_kafka_destroy(consumer->rk);
    if (rd_kafka_flush(consumer->dlq, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        log_warn("consumer: DLQ messages still in flight at stop");
    rd_kafka_destroy(consumer->dlq);
    free(consumer->routes);
    free(consumer);
}

void consumer_stats(consumer_t *consumer, long *handled, long *duplicates, long *dead_lettered)
{
    if (handled)
        *handled = consumer ? atomic_load(&consumer->handled) : 0;
    if (duplicates)
        *duplicates = consumer ? atomic_load(&consumer->duplicates) : 0;
    if (dead_lettered)
        *dead_lettered = consumer ? atomic_load(&consumer->dead_lettered) : 0;
}

int consumer_assigned_count(consumer_t *consumer)
{
    rd_kafka_topic_partition_list_t *parts = NULL;
    if (!consumer || rd_kafka_assignment(consumer->rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return 0;
    int count = parts->cnt;
    rd_kafka_topic_partition_list_destroy(parts);
    return count;
}

void consumer_lag_each(consumer_t *consumer,
                       void (*fn)(const char *topic, int partition, long lag, void *arg), void *arg)
{
    rd_kafka_topic_partition_list_t *parts = NULL;
    if (!consumer || rd_kafka_assignment(consumer->rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return;
    if (rd_kafka_position(consumer->rk, parts) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int i = 0; i < parts->cnt; i++) {
            const rd_kafka_topic_partition_t *p = &parts->elems[i];
            int64_t low = 0, high = 0;
            /* A partition not read from yet has no position: its lag is unknown. */
            if (p->offset < 0 ||
                rd_kafka_get_watermark_offsets(consumer->rk, p->topic, p->partition, &low, &high) !=
                    RD_KAFKA_RESP_ERR_NO_ERROR ||
                high < 0)
                continue;
            fn(p->topic, (int)p->partition, high > p->offset ? (long)(high - p->offset) : 0L, arg);
        }
    }
    rd_kafka_topic_partition_list_destroy(parts);
}
