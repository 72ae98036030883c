/* relay.c - the outbox relay: a thread that publishes committed outbox rows to Kafka.
 *
 * One batch is one transaction: take the schema's relay lock (so only one replica
 * publishes at a time and each aggregate's events keep their order on the topic), claim
 * up to RELAY_BATCH unsent rows with FOR UPDATE SKIP LOCKED, produce them, wait
 * for every delivery report, mark the delivered ones sent, commit. A row whose report
 * failed stays unsent and is tried again; a row delivered but not marked (the database
 * went away before COMMIT) is published again: delivery is at least once, and
 * consumers dedupe by event id.
 *
 * The claiming transaction stays open while the reports come in. message.timeout.ms
 * bounds that: with the brokers down the reports come back as failures after a few
 * seconds, the transaction ends, and the relay backs off.
 *
 * The relay sleeps on LISTEN: outbox_put() notifies "outbox_<schema>" at commit. A
 * 200 ms timeout is the fallback poll, for a lost notification or connection.
 *
 * Threads: everything below runs on the relay thread, except relay_start/relay_stop/
 * relay_backlog (the caller's), which touch only the atomics and the thread handle.
 * Delivery reports are served by rd_kafka_poll() on the relay thread.
 */
#include "common/events.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/log.h"

#define RELAY_BATCH          100
#define RELAY_MSG_TIMEOUT_MS 5000
#define RELAY_IDLE_POLL_MS   200
#define RELAY_BACKOFF_MAX_MS 5000
#define RELAY_KNOWN_TOPICS   64
/* Sent rows are kept this long for inspection, then pruned. */
#define RELAY_KEEP_SENT "7 days"

struct relay {
    pthread_t thread;
    char *brokers;
    rd_kafka_t *rk;
    atomic_bool stop;
    atomic_bool fatal;
    atomic_long backlog;
    PGconn *listen;                         /* relay thread only */
    char *known_topics[RELAY_KNOWN_TOPICS]; /* relay thread only */
    int known_count;
};

/* One produced row; its address is the message's opaque. */
typedef struct slot {
    struct batch *batch;
    long long id;
    rd_kafka_resp_err_t err;
    bool done;
} slot_t;

typedef struct batch {
    relay_t *relay;
    slot_t *slots;
    int rows;
    int pending;
    int sent;
    int failed;
    bool slots_leaked;
} batch_t;

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    slot_t *slot = msg->_private;

    (void)rk;
    (void)opaque;
    if (!slot)
        return;
    slot->err = msg->err;
    slot->done = true;
    slot->batch->pending--;
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    relay_t *r = opaque;

    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char why[512];
        rd_kafka_fatal_error(rk, why, sizeof why);
        log_error("relay: producer fatal error: %s; it will be recreated", why);
        atomic_store(&r->fatal, true);
    } else if (err == RD_KAFKA_RESP_ERR__TRANSPORT) {
        log_debug("relay: kafka: %s", reason);
    } else {
        log_warn("relay: kafka: %s: %s", rd_kafka_err2name(err), reason);
    }
}

/* librdkafka logs from its own threads; connection failures repeat every reconnect
 * while the brokers are down and are already reported once by on_error. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    if (level <= 4 && strcmp(fac, "FAIL") != 0)
        log_warn("kafka %s: %s", fac, buf);
    else
        log_debug("kafka %s: %s", fac, buf);
}

static rd_kafka_t *make_producer(relay_t *r)
{
    /* Idempotence keeps the broker from storing a retried message twice; acks=all
     * makes a delivery report mean "replicated". linger.ms=1 because events are
     * few and their latency matters more than batching. */
    static const char *const settings[][2] = {
        {"client.id", "outbox-relay"},
        {"enable.idempotence", "true"},
        {"acks", "all"},
        {"linger.ms", "1"},
        {"message.timeout.ms", "5000"},
        {"reconnect.backoff.max.ms", "1000"},
    };
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk;

    if (rd_kafka_conf_set(conf, "bootstrap.servers", r->brokers, errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK)
        goto bad;
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
        if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], errstr, sizeof errstr) !=
            RD_KAFKA_CONF_OK)
            goto bad;
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_conf_set_opaque(conf, r);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk)
        goto bad;
    return rk;
bad:
    log_error("relay: producer: %s", errstr);
    rd_kafka_conf_destroy(conf);
    return NULL;
}

/* Appends "id" to a PostgreSQL array literal being built in buf ("{1,2,3}"). */
static void array_add(char *buf, size_t *len, long long id)
{
    *len += (size_t)sprintf(buf + *len, "%s%lld", *len > 1 ? "," : "", id);
}

/* Waits for every report of the batch. message.timeout.ms guarantees them; the purge
 * is the last resort should that ever fail, since the slots must outlive every
 * message that points at them. */
static void await_reports(batch_t *b)
{
    int64_t deadline = now_ms() + RELAY_MSG_TIMEOUT_MS + 5000;

    while (b->pending > 0 && now_ms() < deadline)
        rd_kafka_poll(b->relay->rk, 10);
    if (b->pending == 0)
        return;
    log_error("relay: %d delivery report(s) overdue; purging", b->pending);
    rd_kafka_purge(b->relay->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    deadline = now_ms() + 5000;
    while (b->pending > 0 && now_ms() < deadline)
        rd_kafka_poll(b->relay->rk, 10);
    if (b->pending > 0) {
        /* Freeing the slots now could let a late report write into freed memory. */
        log_error("relay: %d report(s) never came; leaking their slots", b->pending);
        b->slots_leaked = true;
    }
}

/* librdkafka learns a topic it has not produced to before only on its next 1 s
 * metadata scan, so the first event on each topic would wait that long; asking for the
 * topic's metadata right away takes milliseconds. Tried once per topic, successful or
 * not (it is only a shortcut), so an outage costs at most one short wait per topic. */
static void warm_topic(relay_t *r, const char *topic)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt;
    char *copy;

    for (int i = 0; i < r->known_count; i++)
        if (!strcmp(r->known_topics[i], topic))
            return;
    if (r->known_count == RELAY_KNOWN_TOPICS || !(copy = strdup(topic)))
        return;
    r->known_topics[r->known_count++] = copy;
    rkt = rd_kafka_topic_new(r->rk, topic, NULL);
    if (!rkt)
        return;
    if (rd_kafka_metadata(r->rk, 0, rkt, &md, 500) == RD_KAFKA_RESP_ERR_NO_ERROR)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
}

static int batch_tx(PGconn *conn, void *arg)
{
    batch_t *b = arg;
    PGresult *res;
    char *delivered = NULL, *all = NULL;
    size_t dlen = 1, alen = 1;
    int rc = 0, err;

    b->rows = b->sent = b->failed = b->pending = 0;
    /* One relay per schema publishes at a time: with replicas claiming disjoint batches
     * concurrently, two events of one aggregate could reach the topic out of order. The
     * lock ends with the transaction; a replica that misses it tries again on the next
     * notification or poll. */
    res = db_query(conn, "SELECT pg_try_advisory_xact_lock(hashtext('relay:' || current_schema()))",
                   0, NULL, &err);
    if (!res)
        return err;
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
        goto out;
    PQclear(res);
    res = db_query(conn,
                   "SELECT id, topic, key, payload FROM outbox WHERE sent_at IS NULL "
                   "ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED",
                   0, NULL, &err);
    if (!res)
        return err;
    b->rows = PQntuples(res);
    if (b->rows == 0)
        goto out;
    b->slots = calloc((size_t)b->rows, sizeof *b->slots);
    /* 20 digits and a comma per id. */
    delivered = malloc((size_t)b->rows * 21 + 3);
    all = malloc((size_t)b->rows * 21 + 3);
    if (!b->slots || !delivered || !all) {
        rc = ERR_INTERNAL;
        goto out;
    }
    for (int i = 0; i < b->rows; i++) {
        slot_t *s = &b->slots[i];
        const char *key = PQgetisnull(res, i, 2) ? NULL : PQgetvalue(res, i, 2);
        rd_kafka_resp_err_t perr;

        s->batch = b;
        s->id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        warm_topic(b->relay, PQgetvalue(res, i, 1));
        /* RD_KAFKA_MSG_F_COPY: the PGresult is freed before the message is sent. */
        perr = rd_kafka_producev(
            b->relay->rk, RD_KAFKA_V_TOPIC(PQgetvalue(res, i, 1)),
            RD_KAFKA_V_KEY(key, key ? strlen(key) : 0),
            RD_KAFKA_V_VALUE(PQgetvalue(res, i, 3), (size_t)PQgetlength(res, i, 3)),
            RD_KAFKA_V_HEADER("content-type", "application/cloudevents+json; charset=UTF-8", -1),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(s), RD_KAFKA_V_END);
        if (perr) {
            s->err = perr;
            s->done = true;
        } else {
            b->pending++;
        }
    }
    await_reports(b);

    delivered[0] = all[0] = '{';
    for (int i = 0; i < b->rows; i++) {
        const slot_t *s = &b->slots[i];
        array_add(all, &alen, s->id);
        if (s->done && s->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            array_add(delivered, &dlen, s->id);
            b->sent++;
        } else {
            b->failed++;
        }
    }
    delivered[dlen++] = '}';
    delivered[dlen] = '\0';
    all[alen++] = '}';
    all[alen] = '\0';
    if (b->failed > 0) {
        const slot_t *s = NULL;
        for (int i = 0; i < b->rows && !s; i++)
            if (!b->slots[i].done || b->slots[i].err)
                s = &b->slots[i];
        log_warn("relay: %d of %d event(s) not delivered (first: %s); will retry", b->failed,
                 b->rows, s && s->done ? rd_kafka_err2str(s->err) : "no report");
    }
    /* attempts counts every publish try, delivered or not, for the operator. */
    const char *params[2] = {delivered, all};
    rc = db_exec(conn,
                 "UPDATE outbox SET attempts = attempts + 1,"
                 " sent_at = CASE WHEN id = ANY($1::bigint[]) THEN clock_timestamp() END"
                 " WHERE id = ANY($2::bigint[])",
                 2, params);
out:
    if (!b->slots_leaked)
        free(b->slots);
    b->slots = NULL;
    b->slots_leaked = false;
    free(delivered);
    free(all);
    PQclear(res);
    return rc;
}

static void close_listen(relay_t *r)
{
    PQfinish(r->listen);
    r->listen = NULL;
}

/* LISTENs on "outbox_<schema>", the channel outbox_put() notifies in this schema. */
static void open_listen(relay_t *r)
{
    PGresult *res = NULL;
    char *quoted = NULL, *sql = NULL;

    r->listen = db_connect_new();
    if (!r->listen)
        return;
    res = PQexec(r->listen, "SELECT left('outbox_' || current_schema(), 63)");
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQgetisnull(res, 0, 0)) {
        log_warn("relay: no current schema to listen on; polling only");
        goto fail;
    }
    quoted = PQescapeIdentifier(r->listen, PQgetvalue(res, 0, 0), strlen(PQgetvalue(res, 0, 0)));
    PQclear(res);
    res = NULL;
    if (!quoted || !(sql = malloc(strlen(quoted) + 8)))
        goto fail;
    sprintf(sql, "LISTEN %s", quoted);
    res = PQexec(r->listen, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        goto fail;
    PQclear(res);
    PQfreemem(quoted);
    free(sql);
    return;
fail:
    PQclear(res);
    if (quoted)
        PQfreemem(quoted);
    free(sql);
    close_listen(r);
}

/* Consumes what arrived on the LISTEN connection; true when a notification came. */
static bool drain_notifies(relay_t *r)
{
    PGnotify *n;
    bool any = false;

    if (!r->listen)
        return false;
    if (!PQconsumeInput(r->listen)) {
        log_warn("relay: LISTEN connection lost");
        close_listen(r);
        return true; /* something may have been missed: look now */
    }
    while ((n = PQnotifies(r->listen)) != NULL) {
        any = true;
        PQfreemem(n);
    }
    return any;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* Sleeps until a notification, timeout_ms, or (roughly) a stop request. */
static void wait_for_work(relay_t *r, long timeout_ms)
{
    fd_set fds;
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    int fd = r->listen ? PQsocket(r->listen) : -1;

    if (fd < 0 || fd >= FD_SETSIZE) {
        sleep_ms(timeout_ms);
        return;
    }
    FD_ZERO(&fds);
    FD_SET(fd, &fds);
    if (select(fd + 1, &fds, NULL, NULL, &tv) > 0)
        drain_notifies(r);
}

/* A backoff that still notices relay_stop() within 50 ms. */
static void backoff(relay_t *r, long ms)
{
    for (long slept = 0; slept < ms && !atomic_load(&r->stop); slept += 50)
        sleep_ms(50);
}

static void update_backlog(relay_t *r)
{
    int err;
    PGresult *res =
        db_query(db_conn(), "SELECT count(*) FROM outbox WHERE sent_at IS NULL", 0, NULL, &err);

    if (res) {
        atomic_store(&r->backlog, atol(PQgetvalue(res, 0, 0)));
        PQclear(res);
    }
}

static void prune_sent(void)
{
    if (db_exec(db_conn(),
                "DELETE FROM outbox WHERE sent_at < now() - interval '" RELAY_KEEP_SENT "'", 0,
                NULL) != 0)
        log_warn("relay: cannot prune sent outbox rows");
}

static void *relay_main(void *arg)
{
    relay_t *r = arg;
    int64_t last_count = 0, last_prune = now_ms(), last_listen_try = 0;
    int failures = 0;

    while (!atomic_load(&r->stop)) {
        batch_t b = {.relay = r};
        int rc;

        if (!r->listen && now_ms() - last_listen_try >= 1000) {
            last_listen_try = now_ms();
            open_listen(r);
        }
        drain_notifies(r);
        if (atomic_load(&r->fatal)) {
            rd_kafka_t *fresh = make_producer(r);
            if (fresh) {
                rd_kafka_destroy(r->rk);
                r->rk = fresh;
                for (; r->known_count > 0; r->known_count--)
                    free(r->known_topics[r->known_count - 1]);
                atomic_store(&r->fatal, false);
            }
        }
        rc = db_tx(batch_tx, &b);
        rd_kafka_poll(r->rk, 0);
        if (rc != 0 || (b.failed > 0 && b.sent == 0)) {
            long ms = 200L << (failures < 5 ? failures : 5);
            failures++;
            update_backlog(r);
            backoff(r, ms < RELAY_BACKOFF_MAX_MS ? ms : RELAY_BACKOFF_MAX_MS);
            continue;
        }
        failures = 0;
        if (b.rows > 0 || now_ms() - last_count >= 1000) {
            last_count = now_ms();
            update_backlog(r);
        }
        if (now_ms() - last_prune >= 600000) {
            last_prune = now_ms();
            prune_sent();
        }
        if (b.rows == RELAY_BATCH)
            continue;
        wait_for_work(r, RELAY_IDLE_POLL_MS);
    }
    close_listen(r);
    db_thread_close();
    return NULL;
}

relay_t *relay_start(const char *brokers)
{
    relay_t *r;

    if (!brokers || !*brokers)
        return NULL;
    r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    atomic_init(&r->stop, false);
    atomic_init(&r->fatal, false);
    atomic_init(&r->backlog, 0);
    r->brokers = strdup(brokers);
    if (!r->brokers)
        goto fail;
    r->rk = make_producer(r);
    if (!r->rk)
        goto fail;
    if (pthread_create(&r->thread, NULL, relay_main, r) != 0) {
        log_error("relay: cannot start its thread");
        goto fail;
    }
    return r;
fail:
    if (r->rk)
        rd_kafka_destroy(r->rk);
    free(r->brokers);
    free(r);
    return NULL;
}

void relay_stop(relay_t *relay)
{
    if (!relay)
        return;
    atomic_store(&relay->stop, true);
    pthread_join(relay->thread, NULL);
    /* Every batch waits for its reports, so nothing should be in flight; the flush
     * bounds shutdown should that ever not hold. */
    if (rd_kafka_flush(relay->rk, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        log_warn("relay: messages still in flight at stop");
    rd_kafka_destroy(relay->rk);
    for (int i = 0; i < relay->known_count; i++)
        free(relay->known_topics[i]);
    free(relay->brokers);
    free(relay);
}

long relay_backlog(relay_t *relay)
{
    return relay ? atomic_load(&relay->backlog) : 0;
}
