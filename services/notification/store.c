/* store.c - the notification service's SQL. Statements only: no rules, no HTTP. */
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/errors.h"

/* ---- read models -------------------------------------------------------------------- */

int store_contact_upsert(PGconn *conn, const notify_contact_t *c)
{
    const char *p[] = {c->user_id, c->email, c->name, c->role};
    return db_exec(conn,
                   "INSERT INTO contacts (user_id, email, name, role) VALUES ($1, $2, $3, $4) "
                   "ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, "
                   "name = EXCLUDED.name, role = EXCLUDED.role, updated_at = now()",
                   4, p);
}

int store_order_upsert(PGconn *conn, const notify_order_t *o)
{
    char subtotal[24], shipping[24], discount[24], tax[24], total[24];
    char *lines = cJSON_PrintUnformatted(o->lines);
    if (lines == NULL)
        return ERR_INTERNAL;
    snprintf(subtotal, sizeof subtotal, "%" PRId64, o->subtotal);
    snprintf(shipping, sizeof shipping, "%" PRId64, o->shipping_fee);
    snprintf(discount, sizeof discount, "%" PRId64, o->discount);
    snprintf(tax, sizeof tax, "%" PRId64, o->tax);
    snprintf(total, sizeof total, "%" PRId64, o->total);
    const char *p[] = {o->order_id, o->order_number, o->customer_id, o->currency,
                       subtotal,    shipping,        discount,       tax,
                       total,       o->phone,        lines};
    int rc = db_exec(conn,
                     "INSERT INTO orders (order_id, order_number, customer_id, currency, subtotal, "
                     "shipping_fee, discount, tax, total, phone, lines) "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb) "
                     "ON CONFLICT (order_id) DO UPDATE SET order_number = EXCLUDED.order_number, "
                     "customer_id = EXCLUDED.customer_id, currency = EXCLUDED.currency, "
                     "subtotal = EXCLUDED.subtotal, shipping_fee = EXCLUDED.shipping_fee, "
                     "discount = EXCLUDED.discount, tax = EXCLUDED.tax, total = EXCLUDED.total, "
                     "phone = EXCLUDED.phone, lines = EXCLUDED.lines, updated_at = now()",
                     11, p);
    free(lines);
    return rc;
}

/* ---- messages ----------------------------------------------------------------------- */

int store_message_insert(PGconn *conn, const message_new_t *m, bool *inserted)
{
    PGresult *res = NULL;
    char *vars = cJSON_PrintUnformatted(m->vars);
    *inserted = false;
    if (vars == NULL)
        return ERR_INTERNAL;
    const char *p[] = {m->id,          m->user_id,
                       m->channel,     m->template_name,
                       m->order_id,    m->cause_event_id,
                       m->cause_type,  m->correlation_id,
                       m->traceparent, vars};
    /* The unique key decides a race between two deliveries of one event, never a SELECT
     * before the insert. */
    int rc = db_run(conn,
                    "INSERT INTO messages (id, user_id, channel, template, order_id, "
                    "cause_event_id, cause_type, correlation_id, traceparent, vars) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb) "
                    "ON CONFLICT (cause_event_id, channel, template) DO NOTHING RETURNING id",
                    10, p, &res);
    free(vars);
    if (rc == 0)
        *inserted = PQntuples(res) == 1;
    PQclear(res);
    return rc;
}

/* The claim's columns, in the order claim_from() reads them. m = messages, o = orders,
 * c = contacts, p = preferences; the customer is the message's, or else the order's. */
#define CLAIM_COLUMNS                                                                              \
    "m.id, coalesce(m.user_id, o.customer_id), m.channel, m.template, m.order_id, m.vars::text, "  \
    "m.status, m.recipient, m.subject, m.body_text, m.body_html, m.correlation_id, "               \
    "m.traceparent, m.attempts, extract(epoch FROM m.created_at)::bigint, "                        \
    "c.user_id IS NOT NULL, c.email, c.name, c.role, "                                             \
    "o.order_id IS NOT NULL, o.order_number, o.customer_id, o.currency, o.subtotal, "              \
    "o.shipping_fee, o.discount, o.tax, o.total, o.phone, o.lines::text, "                         \
    "coalesce(p.opted_out, false)"

#define CLAIM_FROM                                                                                 \
    " FROM messages m LEFT JOIN orders o ON o.order_id = m.order_id "                              \
    "LEFT JOIN contacts c ON c.user_id = coalesce(m.user_id, o.customer_id) "                      \
    "LEFT JOIN preferences p ON p.user_id = coalesce(m.user_id, o.customer_id) "                   \
    "AND p.channel = m.channel "

static void copy_col(char *dst, size_t n, const PGresult *res, int col)
{
    snprintf(dst, n, "%s", PQgetisnull(res, 0, col) ? "" : PQgetvalue(res, 0, col));
}

static int claim_from(PGresult *res, claim_t *c)
{
    memset(c, 0, sizeof *c);
    c->res = res;
    c->id = PQgetvalue(res, 0, 0);
    c->user_id = db_text(res, 0, 1);
    c->channel = PQgetvalue(res, 0, 2);
    c->template_name = PQgetvalue(res, 0, 3);
    c->order_id = db_text(res, 0, 4);
    c->vars = PQgetvalue(res, 0, 5);
    c->status = PQgetvalue(res, 0, 6);
    c->recipient = db_text(res, 0, 7);
    c->subject = db_text(res, 0, 8);
    c->body_text = db_text(res, 0, 9);
    c->body_html = db_text(res, 0, 10);
    c->correlation_id = db_text(res, 0, 11);
    c->traceparent = db_text(res, 0, 12);
    c->attempts = (int)db_int64(res, 0, 13);
    c->created_epoch = db_int64(res, 0, 14);
    c->contact_known = db_bool(res, 0, 15);
    if (c->contact_known) {
        copy_col(c->contact.user_id, sizeof c->contact.user_id, res, 1);
        copy_col(c->contact.email, sizeof c->contact.email, res, 16);
        copy_col(c->contact.name, sizeof c->contact.name, res, 17);
        copy_col(c->contact.role, sizeof c->contact.role, res, 18);
    }
    c->order_known = db_bool(res, 0, 19);
    if (c->order_known) {
        notify_order_t *o = &c->order;
        copy_col(o->order_id, sizeof o->order_id, res, 4);
        copy_col(o->order_number, sizeof o->order_number, res, 20);
        copy_col(o->customer_id, sizeof o->customer_id, res, 21);
        copy_col(o->currency, sizeof o->currency, res, 22);
        o->subtotal = db_int64(res, 0, 23);
        o->shipping_fee = db_int64(res, 0, 24);
        o->discount = db_int64(res, 0, 25);
        o->tax = db_int64(res, 0, 26);
        o->total = db_int64(res, 0, 27);
        copy_col(o->phone, sizeof o->phone, res, 28);
        o->lines = cJSON_Parse(PQgetvalue(res, 0, 29));
        if (o->lines == NULL)
            return ERR_INTERNAL;
    }
    c->opted_out = db_bool(res, 0, 30);
    return 0;
}

void store_claim_free(claim_t *c)
{
    if (c == NULL)
        return;
    notify_order_free(&c->order);
    PQclear(c->res);
    memset(c, 0, sizeof *c);
}

int store_claim(PGconn *conn, const char *id, claim_t *out, bool *found)
{
    PGresult *res = NULL;
    const char *p[] = {id};
    int rc;
    memset(out, 0, sizeof *out);
    *found = false;
    if (id != NULL)
        rc = db_run(conn, "SELECT " CLAIM_COLUMNS CLAIM_FROM "WHERE m.id = $1", 1, p, &res);
    else
        /* The oldest due first; an expired lease's next_attempt_at is in the past, so a
         * message whose sender died is taken up again soon after its lease ends. */
        rc = db_run(conn,
                    "SELECT " CLAIM_COLUMNS CLAIM_FROM
                    "WHERE (m.status = 'PENDING' AND m.next_attempt_at <= now()) "
                    "OR (m.status = 'SENDING' AND m.lease_until < now()) "
                    "ORDER BY m.next_attempt_at LIMIT 1 FOR UPDATE OF m SKIP LOCKED",
                    0, NULL, &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 0;
    }
    *found = true;
    rc = claim_from(res, out);
    if (rc != 0)
        store_claim_free(out);
    return rc;
}

int store_mark_sending(PGconn *conn, const char *id, const char *token, long lease_ms,
                       const char *recipient, const char *subject, const char *text,
                       const char *html, int *attempts)
{
    char lease[24];
    PGresult *res = NULL;
    snprintf(lease, sizeof lease, "%ld", lease_ms);
    const char *p[] = {id, token, lease, recipient, subject, text, html};
    int rc = db_run(conn,
                    "UPDATE messages SET status = 'SENDING', attempts = attempts + 1, "
                    "claim_token = $2, lease_until = now() + $3::bigint * interval '1 ms', "
                    "recipient = coalesce(recipient, $4), subject = coalesce(subject, $5), "
                    "body_text = coalesce(body_text, $6), body_html = coalesce(body_html, $7), "
                    "updated_at = now() WHERE id = $1 RETURNING attempts",
                    7, p, &res);
    if (rc == 0 && PQntuples(res) != 1)
        rc = ERR_NOT_FOUND;
    if (rc == 0)
        *attempts = (int)db_int64(res, 0, 0);
    PQclear(res);
    return rc;
}

int store_mark_waiting(PGconn *conn, const char *id, long delay_ms, const char *error)
{
    char delay[24];
    snprintf(delay, sizeof delay, "%ld", delay_ms);
    const char *p[] = {id, delay, error};
    return db_exec(conn,
                   "UPDATE messages SET attempts = attempts + 1, status = 'PENDING', "
                   "next_attempt_at = now() + $2::bigint * interval '1 ms', last_error = $3, "
                   "updated_at = now() WHERE id = $1",
                   3, p);
}

int store_mark_skipped(PGconn *conn, const char *id, const char *reason)
{
    const char *p[] = {id, reason};
    return db_exec(conn,
                   "UPDATE messages SET status = 'SKIPPED', last_error = $2, lease_until = NULL, "
                   "updated_at = now() WHERE id = $1",
                   2, p);
}

#define DONE_RETURNING                                                                             \
    " RETURNING id, user_id, channel, template, order_id, cause_event_id, correlation_id, "        \
    "traceparent, " DB_TS("updated_at") ", last_error, attempts"

static void done_from(PGresult *res, message_done_t *d)
{
    memset(d, 0, sizeof *d);
    d->res = res;
    d->id = PQgetvalue(res, 0, 0);
    d->user_id = db_text(res, 0, 1);
    d->channel = PQgetvalue(res, 0, 2);
    d->template_name = PQgetvalue(res, 0, 3);
    d->order_id = db_text(res, 0, 4);
    d->cause_event_id = PQgetvalue(res, 0, 5);
    d->correlation_id = db_text(res, 0, 6);
    d->traceparent = db_text(res, 0, 7);
    d->occurred_at = PQgetvalue(res, 0, 8);
    d->error = db_text(res, 0, 9);
    d->attempts = (int)db_int64(res, 0, 10);
}

void store_done_free(message_done_t *d)
{
    if (d == NULL)
        return;
    PQclear(d->res);
    memset(d, 0, sizeof *d);
}

/* Runs a terminal (or retry) update; fills *out when a row changed and out is wanted. */
static int run_done(PGconn *conn, const char *sql, int n, const char *const *p, message_done_t *out,
                    bool *found)
{
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    *found = false;
    int rc = db_run(conn, sql, n, p, &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 1) {
        *found = true;
        done_from(res, out);
        return 0;
    }
    PQclear(res);
    return 0;
}

int store_mark_sent(PGconn *conn, const char *id, const char *token, const char *provider_id,
                    message_done_t *out, bool *found)
{
    const char *p[] = {id, token, provider_id};
    /* The claim token guards against a sender whose lease ran out: only the claim that
     * holds the message may finish it. */
    return run_done(conn,
                    "UPDATE messages SET status = 'SENT', sent_at = now(), lease_until = NULL, "
                    "last_error = NULL, provider_id = $3, updated_at = now() "
                    "WHERE id = $1 AND status = 'SENDING' AND claim_token = $2" DONE_RETURNING,
                    3, p, out, found);
}

int store_mark_failed(PGconn *conn, const char *id, const char *token, bool final, long delay_ms,
                      const char *error, message_done_t *out, bool *found)
{
    char delay[24];
    snprintf(delay, sizeof delay, "%ld", delay_ms);
    const char *p[] = {id, token, final ? "t" : "f", delay, error};
    return run_done(conn,
                    "UPDATE messages SET status = CASE WHEN $3::boolean THEN 'FAILED' "
                    "ELSE 'PENDING' END, next_attempt_at = now() + $4::bigint * interval '1 ms', "
                    "lease_until = NULL, last_error = $5, updated_at = now() "
                    "WHERE id = $1 AND ($2::uuid IS NULL AND status = 'PENDING' "
                    "OR status = 'SENDING' AND claim_token = $2)" DONE_RETURNING,
                    5, p, out, found);
}

/* ---- reading ------------------------------------------------------------------------ */

int store_list(PGconn *conn, const message_filter_t *f, int64_t before, int limit, bool admin,
               cJSON **items, int64_t *next)
{
    char before_s[24], limit_s[16];
    PGresult *res = NULL;
    *items = NULL;
    *next = 0;
    snprintf(before_s, sizeof before_s, "%" PRId64, before);
    /* One more row than the page tells whether a next page exists. */
    snprintf(limit_s, sizeof limit_s, "%d", limit + 1);
    const char *p[] = {f->user_id, f->order_id, f->status,        f->channel,
                       before_s,   limit_s,     admin ? "t" : "f"};
    int rc = db_run(
        conn,
        "SELECT seq, json_strip_nulls(json_build_object('id', id, 'channel', channel, "
        "'template', template, 'order_id', order_id, 'recipient', recipient, 'subject', subject, "
        "'status', status, 'attempts', attempts, 'last_error', last_error, "
        "'created_at', " DB_TS("created_at") ", 'sent_at', " DB_TS(
            "sent_at") ", "
                       "'user_id', CASE WHEN $7::boolean THEN user_id END, "
                       "'cause_event_id', CASE WHEN $7::boolean THEN cause_event_id END, "
                       "'cause_type', CASE WHEN $7::boolean THEN cause_type END, "
                       "'next_attempt_at', CASE WHEN $7::boolean AND status = 'PENDING' "
                       "THEN " DB_TS(
                           "next_attempt_at") " END))::text FROM messages "
                                              "WHERE ($1::uuid IS NULL OR user_id = $1) AND "
                                              "($2::uuid IS NULL OR order_id = $2) "
                                              "AND ($3::text IS NULL OR status = $3) AND ($4::text "
                                              "IS NULL OR channel = $4) "
                                              "AND ($5::bigint = 0 OR seq < $5) ORDER BY seq DESC "
                                              "LIMIT $6::int",
        7, p, &res);
    if (rc != 0)
        return rc;
    cJSON *arr = cJSON_CreateArray();
    int rows = PQntuples(res);
    for (int i = 0; arr != NULL && i < rows && i < limit; i++) {
        cJSON *o = cJSON_Parse(PQgetvalue(res, i, 1));
        if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            cJSON_Delete(arr);
            arr = NULL;
        }
    }
    if (arr != NULL && rows > limit)
        *next = db_int64(res, limit - 1, 0);
    PQclear(res);
    if (arr == NULL)
        return ERR_INTERNAL;
    *items = arr;
    return 0;
}

/* ---- preferences -------------------------------------------------------------------- */

int store_prefs_get(PGconn *conn, const char *user_id, bool *email, bool *sms)
{
    PGresult *res = NULL;
    const char *p[] = {user_id};
    *email = *sms = true;
    int rc =
        db_run(conn, "SELECT channel, opted_out FROM preferences WHERE user_id = $1", 1, p, &res);
    if (rc != 0)
        return rc;
    for (int i = 0; i < PQntuples(res); i++) {
        bool on = !db_bool(res, i, 1);
        if (strcmp(PQgetvalue(res, i, 0), "email") == 0)
            *email = on;
        else if (strcmp(PQgetvalue(res, i, 0), "sms") == 0)
            *sms = on;
    }
    PQclear(res);
    return 0;
}

int store_prefs_set(PGconn *conn, const char *user_id, const char *channel, bool opted_out)
{
    const char *p[] = {user_id, channel, opted_out ? "t" : "f"};
    return db_exec(conn,
                   "INSERT INTO preferences (user_id, channel, opted_out) VALUES ($1, $2, $3) "
                   "ON CONFLICT (user_id, channel) DO UPDATE SET opted_out = EXCLUDED.opted_out, "
                   "updated_at = now()",
                   3, p);
}

int store_backlog(PGconn *conn, long *pending, long *due, long *sending)
{
    PGresult *res = NULL;
    /* Both counts run on the partial indexes of the claim (messages_due, messages_leased). */
    int rc = db_run(conn,
                    "SELECT (SELECT count(*) FROM messages WHERE status = 'PENDING'), "
                    "(SELECT count(*) FROM messages WHERE status = 'PENDING' AND "
                    "next_attempt_at <= now()), "
                    "(SELECT count(*) FROM messages WHERE status = 'SENDING')",
                    0, NULL, &res);
    if (rc != 0)
        return rc;
    *pending = atol(PQgetvalue(res, 0, 0));
    *due = atol(PQgetvalue(res, 0, 1));
    *sending = atol(PQgetvalue(res, 0, 2));
    PQclear(res);
    return 0;
}
