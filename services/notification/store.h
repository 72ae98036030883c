/* store.h - every SQL statement of the notification service, and nothing else.
 *
 * Each function runs on the connection it is given, so the caller chooses whether it
 * runs inside a transaction (db_tx) or on its own. Returns 0 or a negative code from
 * common/errors.h, database errors as db_query maps them.
 */
#ifndef NOTIFICATION_STORE_H
#define NOTIFICATION_STORE_H

#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "notify.h"

/* ---- read models (consumers, and the sender's fallback lookups) --------------------- */

/* Inserts or replaces a contact. */
int store_contact_upsert(PGconn *conn, const notify_contact_t *c);

/* Inserts or replaces an order of the read model. */
int store_order_upsert(PGconn *conn, const notify_order_t *o);

/* ---- messages ----------------------------------------------------------------------- */

/* What a consumer records for one message to send. */
typedef struct message_new {
    const char *id;      /* a new UUID */
    const char *user_id; /* NULL when the event did not name the customer */
    const char *channel; /* "email", "sms" */
    const char *template_name;
    const char *order_id;
    const char *cause_event_id; /* the envelope's id */
    const char *cause_type;
    const char *correlation_id; /* may be NULL */
    const char *traceparent;    /* may be NULL */
    const cJSON *vars;          /* the cause's variables (an object) */
} message_new_t;

/* Records a PENDING message unless one for the same (cause event, channel, template)
 * exists: *inserted says which. */
int store_message_insert(PGconn *conn, const message_new_t *m, bool *inserted);

/* A message claimed by the sender, with what it needs to render and send it. Strings
 * point into res; contact and order are filled when known. */
typedef struct claim {
    PGresult *res;
    const char *id, *user_id, *channel, *template_name, *order_id, *vars, *status;
    const char *recipient, *subject, *body_text, *body_html; /* NULL until rendered */
    const char *correlation_id, *traceparent;                /* may be NULL */
    int attempts;
    int64_t created_epoch; /* seconds: the mail's Date header */
    bool contact_known, order_known, opted_out;
    notify_contact_t contact;
    notify_order_t order;
} claim_t;

/* Frees a claim (a zeroed one is fine). */
void store_claim_free(claim_t *c);

/* Locks the next message due for sending (FOR UPDATE SKIP LOCKED, so replicas take
 * different ones): a PENDING one whose next attempt is due, or a SENDING one whose lease
 * expired (its sender died). With id set, re-reads that message instead (already locked
 * by the caller's transaction). *found false when there is none. */
int store_claim(PGconn *conn, const char *id, claim_t *out, bool *found);

/* Marks a claimed message SENDING under a new lease (lease_ms from now, owned by token),
 * counting the attempt, and stores its rendering the first time (a rendering already
 * stored is kept: a resend sends the same bytes). *attempts gets the new count. */
int store_mark_sending(PGconn *conn, const char *id, const char *token, long lease_ms,
                       const char *recipient, const char *subject, const char *text,
                       const char *html, int *attempts);

/* A message that could not be tried now (its contact or order is unknown): the attempt
 * counts, and it stays PENDING until now + delay_ms. */
int store_mark_waiting(PGconn *conn, const char *id, long delay_ms, const char *error);

/* The user opted out of the channel: SKIPPED, with the reason. */
int store_mark_skipped(PGconn *conn, const char *id, const char *reason);

/* What the terminal transitions return, for the event they publish. Strings point into
 * res. */
typedef struct message_done {
    PGresult *res;
    const char *id, *user_id, *channel, *template_name, *order_id, *cause_event_id;
    const char *correlation_id, *traceparent, *occurred_at, *error;
    int attempts;
} message_done_t;

/* Frees what a mark_* call filled (a zeroed struct is fine). */
void store_done_free(message_done_t *d);

/* SENT, if this claim (id, token) still holds the message; *found false when another
 * claim took it over (then nothing changes). */
int store_mark_sent(PGconn *conn, const char *id, const char *token, const char *provider_id,
                    message_done_t *out, bool *found);

/* After a failed send under claim token (NULL: a message that was never claimed): back to
 * PENDING at now + delay_ms, or FAILED when final is true (*out filled then). *found as
 * for store_mark_sent. */
int store_mark_failed(PGconn *conn, const char *id, const char *token, bool final, long delay_ms,
                      const char *error, message_done_t *out, bool *found);

/* ---- reading messages --------------------------------------------------------------- */

/* A filter for store_list: every non-NULL field must match. */
typedef struct message_filter {
    const char *user_id;
    const char *order_id;
    const char *status;
    const char *channel;
} message_filter_t;

/* One page of messages, newest first, starting below seq before (0: from the newest):
 * *items a JSON array (caller owns), *next the cursor of the next page (0: no more). */
int store_list(PGconn *conn, const message_filter_t *f, int64_t before, int limit, bool admin,
               cJSON **items, int64_t *next);

/* ---- preferences -------------------------------------------------------------------- */

/* Whether the user gets email and sms (true unless opted out). */
int store_prefs_get(PGconn *conn, const char *user_id, bool *email, bool *sms);

/* Records the user's choice for one channel. */
int store_prefs_set(PGconn *conn, const char *user_id, const char *channel, bool opted_out);

/* Messages waiting: PENDING (of them due now) and SENDING, for /metrics. */
int store_backlog(PGconn *conn, long *pending, long *due, long *sending);

#endif
