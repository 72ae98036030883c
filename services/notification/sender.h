/* sender.h - the threads that deliver recorded messages.
 *
 * Each thread, one message at a time: a short transaction claims the oldest due message (FOR UPDATE
 * SKIP LOCKED, so replicas take different ones), renders it the first time (filling
 * the read models from identity and the order service when an event has not brought
 * the contact or the order yet), marks it SENDING under a lease and commits; the mail
 * or SMS goes out with no transaction open; a second transaction records SENT and
 * writes NotificationSent to the outbox, or schedules the retry (backoff), or records
 * FAILED with NotificationFailed after the last attempt.
 *
 * Never sent twice, as far as it can be: a message is SENDING while one sender holds its
 * lease, and no other sender touches it until the lease ends, which is set well beyond
 * the longest a send may take (the SMTP and SMS timeouts). Only a sender that dies (or
 * loses the database) between the server's "250 accepted" and its SENT commit leaves a
 * message that will be sent again after the lease; that resend carries the same
 * Message-ID (and, for SMS, the same Idempotency-Key), so the receiving side can drop
 * it. See README.md for the reasoning.
 *
 * Threads: sender_config_t.threads of its own (NOTIFY_SENDERS); each borrows one pooled
 * database connection while it works.
 */
#ifndef NOTIFICATION_SENDER_H
#define NOTIFICATION_SENDER_H

#include <stddef.h>

#include "sms.h"

#define SENDER_THREADS_MAX 16

typedef struct sender_config {
    int threads;           /* delivery threads, 1..SENDER_THREADS_MAX */
    long poll_ms;          /* how often to look for due messages when idle */
    long lease_ms;         /* how long a claim holds before another sender may take over */
    long retry_base_ms;    /* the first retry's delay; doubling from there */
    long retry_cap_ms;     /* the longest delay between attempts */
    int max_attempts;      /* attempts before FAILED */
    const char *id_domain; /* the Message-ID's domain */
    sms_provider_t *sms;   /* NULL: no SMS (borrowed; outlives the thread) */
} sender_config_t;

/* Starts the threads. 0 or ERR_INTERNAL (none left running). */
int sender_start(const sender_config_t *cfg);

/* Appends the delivery backlog to GET /metrics (service_def_t.metrics). */
void sender_metrics(char **buf, size_t *len, size_t *cap);

/* Ends the idle wait of every sender, so that messages just committed go out now. */
void sender_wake(void);

/* Stops the threads after the messages in hand and waits for them. No-op if not running. */
void sender_stop(void);

#endif
