/* events.h - domain events: the CloudEvents envelope, the transactional outbox,
 * the relay that publishes it to Kafka, and the idempotent consumer loop.
 *
 * Publishing: a service calls outbox_put() inside the transaction that changes its
 * state. A relay thread (relay_start) publishes pending rows with an idempotent,
 * acks=all producer and marks a row sent only when its delivery report succeeds.
 * Rows are claimed with FOR UPDATE SKIP LOCKED, so several replicas can relay.
 *
 * Consuming: consumer_start() joins a consumer group and dispatches each event by
 * (topic, type) through a static table. The handler runs inside a transaction that
 * first inserts the event id into processed_events; a redelivered event finds the
 * id and is skipped. The offset is stored only after that transaction commits. A
 * handler that keeps failing (CONSUMER_MAX_ATTEMPTS) sends the event with the error
 * to "<topic>.dlq" and the consumer moves on.
 */
#ifndef COMMON_EVENTS_H
#define COMMON_EVENTS_H

#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <stdint.h>

#define CONSUMER_MAX_ATTEMPTS 5

/* Where an event came from, carried into the envelope's extensions. */
typedef struct event_ctx {
    const char *correlation_id; /* the request id or flow that caused it; NULL = new */
    const char *causation_id;   /* the event that caused it; NULL when a request did */
    const char *traceparent;    /* W3C traceparent; NULL = new */
} event_ctx_t;

/* Names the service for the envelope's source ("/services/<service>"). Call once. */
void events_init(const char *service);

/* Builds a CloudEvents 1.0 structured envelope. Takes ownership of data. Caller frees. */
cJSON *event_envelope(const char *type, const char *subject, const char *dataschema,
                      int64_t sequence, cJSON *data, const event_ctx_t *ctx);

/* Validates an envelope received from a topic: the required attributes are present
 * and strings, specversion is "1.0", data is an object. Pure. 0 or ERR_INVALID. */
int event_validate(const cJSON *event);

/* Writes an event into the outbox within the caller's open transaction on conn.
 * key is the Kafka message key (the aggregate id). Takes ownership of data.
 * Returns 0 or the database error code. */
int outbox_put(PGconn *conn, const char *topic, const char *key, const char *type,
               const char *dataschema, int64_t sequence, cJSON *data, const event_ctx_t *ctx);

typedef struct relay relay_t;

/* Starts the relay thread publishing this service's outbox to brokers. NULL on failure. */
relay_t *relay_start(const char *brokers);

/* Stops the relay after flushing what is in flight (bounded by a few seconds). */
void relay_stop(relay_t *relay);

/* Rows not yet published (for /metrics). */
long relay_backlog(relay_t *relay);

/* A handler applies one event inside the consumer's transaction on conn. Return 0 to
 * commit; a negative code to roll back and retry (ERR_INVALID is not retried: the
 * event goes straight to the DLQ). */
typedef int (*event_handler_fn)(PGconn *conn, const cJSON *event, void *arg);

typedef struct event_route {
    const char *topic;
    const char *type; /* the CloudEvents type; "*" for any */
    event_handler_fn handler;
    void *arg;
    /* Runs on the consumer thread once the handler's transaction has committed (not for
     * a duplicate), e.g. to wake a worker that acts on what the handler stored; waking
     * it from the handler could let it look before the commit. May be NULL. */
    void (*after_commit)(void *arg);
} event_route_t;

typedef struct consumer consumer_t;

/* Starts a consumer thread in group group_id subscribed to the topics of the table. */
consumer_t *consumer_start(const char *brokers, const char *group_id, const event_route_t *routes,
                           int route_count);

/* Stops the consumer: finishes the event in hand, commits offsets, leaves the group. */
void consumer_stop(consumer_t *consumer);

/* Events handled, skipped as duplicates, and sent to the DLQ (for /metrics). */
void consumer_stats(consumer_t *consumer, long *handled, long *duplicates, long *dead_lettered);

/* How many partitions the group has assigned to this member now (0 before the first
 * assignment or during a rebalance's revoke; for /metrics). Any thread. */
int consumer_assigned_count(consumer_t *consumer);

/* Calls fn for each partition assigned to this member that it has read from, with how
 * many messages lie between its position and the partition's end as last seen by a
 * fetch (no broker round trip: for /metrics). Any thread, until consumer_stop(). */
void consumer_lag_each(consumer_t *consumer,
                       void (*fn)(const char *topic, int partition, long lag, void *arg),
                       void *arg);

#endif
