/* sender.c - the delivery threads (see sender.h). */
#include "sender.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/events.h"
#include "common/httpclient.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/ticker.h"
#include "mime.h"
#include "notify.h"
#include "peers.h"
#include "smtp.h"
#include "store.h"
#include "templates.h"

#define TOPIC "notification.events"

static sender_config_t g_cfg;
/* The consumer wakes the senders while the service may be stopping them. */
static pthread_mutex_t g_tickers_lock = PTHREAD_MUTEX_INITIALIZER;
static ticker_t *g_tickers[SENDER_THREADS_MAX];
static int g_ticker_count;

/* What the claim transaction hands to the send: copies, since the transaction's
 * results are gone by then. */
typedef struct job {
    enum { JOB_NONE, JOB_SEND, JOB_DONE } kind;
    char id[ID_UUID_LEN];
    char token[ID_UUID_LEN];
    char channel[8];
    char *recipient, *to_name, *subject, *text, *html;
    time_t created;
    int attempts;
} job_t;

static void job_clear(job_t *j)
{
    free(j->recipient);
    free(j->to_name);
    free(j->subject);
    free(j->text);
    free(j->html);
    memset(j, 0, sizeof *j);
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

/* ---- events ------------------------------------------------------------------------- */

/* NotificationSent or NotificationFailed for a message that just reached its end. */
static int publish_done(PGconn *conn, const char *type, const message_done_t *d)
{
    cJSON *data = cJSON_CreateObject();
    char schema[96];
    if (data == NULL)
        return ERR_INTERNAL;
    snprintf(schema, sizeof schema, "store.notification.v1.%s", type);
    bool ok = cJSON_AddStringToObject(data, "notificationId", d->id) != NULL &&
              (d->user_id == NULL || cJSON_AddStringToObject(data, "userId", d->user_id)) &&
              cJSON_AddStringToObject(data, "channel", d->channel) != NULL &&
              cJSON_AddStringToObject(data, "template", d->template_name) != NULL &&
              (d->order_id == NULL || cJSON_AddStringToObject(data, "orderId", d->order_id)) &&
              cJSON_AddStringToObject(data, "causationEventId", d->cause_event_id) != NULL &&
              cJSON_AddNumberToObject(data, "attempts", d->attempts) != NULL &&
              (strcmp(type, "NotificationFailed") != 0 || d->error == NULL ||
               cJSON_AddStringToObject(data, "error", d->error)) &&
              cJSON_AddStringToObject(data, "occurredAt", d->occurred_at) != NULL;
    if (!ok) {
        cJSON_Delete(data);
        return ERR_INTERNAL;
    }
    event_ctx_t ctx = {.correlation_id = d->correlation_id,
                       .causation_id = d->cause_event_id,
                       .traceparent = d->traceparent};
    /* A message ends once: its one terminal event is version 1 of it. */
    return outbox_put(conn, TOPIC, d->id, type, schema, 1, data, &ctx);
}

/* ---- claiming ----------------------------------------------------------------------- */

/* Renders a claimed message the first time: *missing names what is not known yet (the
 * message waits), 0 with the rendering in j, or an error. */
static int render(const claim_t *c, job_t *j, const char **missing)
{
    tpl_ctx_t ctx;
    cJSON *vars = cJSON_Parse(c->vars);
    bool email = strcmp(c->channel, "email") == 0;
    *missing = NULL;
    if (!c->order_known)
        *missing = "the order is not known yet";
    else if (email && !c->contact_known)
        *missing = "the customer's contact is not known yet";
    if (*missing != NULL) {
        cJSON_Delete(vars);
        return 0;
    }
    int rc = notify_build_ctx(&c->order, c->contact_known ? &c->contact : NULL, vars, &ctx);
    if (rc == 0 && email) {
        rc = templates_render_email(c->template_name, &ctx, &j->subject, &j->text, &j->html);
        j->recipient = dup_or_null(c->contact.email);
        j->to_name = dup_or_null(c->contact.name);
    } else if (rc == 0) {
        rc = templates_render_sms(c->template_name, &ctx, &j->text);
        j->recipient = dup_or_null(c->order.phone);
    }
    if (rc == 0 && j->recipient == NULL)
        rc = ERR_INTERNAL;
    tpl_ctx_free(&ctx);
    cJSON_Delete(vars);
    return rc;
}

/* Fills what the claim lacks from the peers; true when something was stored. */
static bool resolve(PGconn *conn, const claim_t *c)
{
    bool filled = false;
    if (!c->order_known && c->order_id != NULL && peers_fill_order(conn, c->order_id) == 0)
        filled = true;
    /* Without a user id the order names the customer: look again after filling it. */
    if (!c->contact_known && strcmp(c->channel, "email") == 0 && c->user_id != NULL &&
        peers_fill_contact(conn, c->user_id) == 0)
        filled = true;
    return filled;
}

/* The message cannot be rendered or addressed: wait for the next attempt, or, after the
 * last one, FAILED with its event. */
static int give_up_or_wait(PGconn *conn, const claim_t *c, bool permanent, const char *error)
{
    int attempt = c->attempts + 1;
    if (!permanent && attempt < g_cfg.max_attempts)
        return store_mark_waiting(
            conn, c->id, notify_backoff_ms(attempt, g_cfg.retry_base_ms, g_cfg.retry_cap_ms),
            error);
    message_done_t d;
    bool found = false;
    int rc = store_mark_waiting(conn, c->id, 0, error);
    if (rc == 0)
        rc = store_mark_failed(conn, c->id, NULL, true, 0, error, &d, &found);
    if (rc == 0 && found) {
        log_warn("message %s failed for good: %s", c->id, error);
        rc = publish_done(conn, "NotificationFailed", &d);
    }
    store_done_free(&d);
    return rc;
}

static int claim_tx(PGconn *conn, void *arg)
{
    job_t *j = arg;
    claim_t c;
    bool found = false;
    const char *missing = NULL;
    job_clear(j);
    int rc = store_claim(conn, NULL, &c, &found);
    if (rc != 0 || !found)
        return rc;
    j->kind = JOB_DONE;
    snprintf(j->id, sizeof j->id, "%s", c.id);
    if (c.opted_out) {
        log_info("message %s: the user opted out of %s", c.id, c.channel);
        rc = store_mark_skipped(conn, c.id, "the user opted out of this channel");
        goto out;
    }
    if (c.recipient == NULL) {
        if ((!c.order_known || (!c.contact_known && strcmp(c.channel, "email") == 0)) &&
            resolve(conn, &c)) {
            char id[ID_UUID_LEN];
            snprintf(id, sizeof id, "%s", c.id);
            store_claim_free(&c);
            rc = store_claim(conn, id, &c, &found);
            if (rc != 0 || !found)
                return rc != 0 ? rc : ERR_INTERNAL;
        }
        rc = render(&c, j, &missing);
        if (rc == 0 && missing != NULL) {
            rc = give_up_or_wait(conn, &c, false, missing);
            goto out;
        }
        if (rc == 0 && strcmp(c.channel, "sms") == 0 && j->recipient[0] == '\0') {
            rc = store_mark_skipped(conn, c.id, "the order has no phone number for SMS");
            goto out;
        }
        if (rc == 0 && strcmp(c.channel, "email") == 0 && !mime_address_ok(j->recipient)) {
            rc = give_up_or_wait(conn, &c, true, "the customer's e-mail address is unusable");
            goto out;
        }
        if (rc == ERR_INVALID || rc == ERR_NOT_FOUND) {
            /* A broken or missing template file: an operator can fix it (files are read at
             * every render), so the message waits like any other failure. */
            log_error("message %s: template %s does not render", c.id, c.template_name);
            rc = give_up_or_wait(conn, &c, false, "the template does not render");
            goto out;
        }
        if (rc != 0)
            goto out;
    } else {
        /* Rendered by an earlier attempt: send exactly that again. */
        j->recipient = dup_or_null(c.recipient);
        j->subject = dup_or_null(c.subject);
        j->text = dup_or_null(c.body_text);
        j->html = dup_or_null(c.body_html);
        j->to_name = c.contact_known ? dup_or_null(c.contact.name) : NULL;
    }
    if (strcmp(c.status, "SENDING") == 0)
        log_warn("message %s: its sender's lease expired; sending it again", c.id);
    id_uuid(j->token);
    rc = store_mark_sending(conn, c.id, j->token, g_cfg.lease_ms, j->recipient, j->subject, j->text,
                            j->html, &j->attempts);
    if (rc == 0) {
        j->kind = JOB_SEND;
        snprintf(j->channel, sizeof j->channel, "%s", c.channel);
        j->created = (time_t)c.created_epoch;
    }
out:
    store_claim_free(&c);
    return rc;
}

/* ---- sending ------------------------------------------------------------------------ */

typedef struct outcome {
    bool ok, permanent;
    char error[256];
    char provider_id[128];
} outcome_t;

static void send_email(const job_t *j, outcome_t *o)
{
    char *msg = NULL;
    size_t len = 0;
    smtp_result_t res;
    mime_mail_t m = {
        .from = smtp_from_header(),
        .to_addr = j->recipient,
        .to_name = j->to_name,
        .subject = j->subject != NULL ? j->subject : "",
        .text = j->text != NULL ? j->text : "",
        .html = j->html,
        .notification_id = j->id,
        .id_domain = g_cfg.id_domain,
        .date = j->created,
    };
    if (mime_build(&m, &msg, &len) != 0) {
        o->permanent = true;
        snprintf(o->error, sizeof o->error, "the message could not be built");
        return;
    }
    if (smtp_send(j->recipient, msg, len, &res) == 0) {
        o->ok = true;
    } else {
        o->permanent = res.permanent;
        snprintf(o->error, sizeof o->error, "%s", res.error);
    }
    free(msg);
}

static void send_sms(const job_t *j, outcome_t *o)
{
    sms_result_t res;
    if (g_cfg.sms == NULL) {
        /* Recorded while SMS was configured, sent after it was turned off. */
        o->permanent = true;
        snprintf(o->error, sizeof o->error, "SMS is not configured");
        return;
    }
    if (sms_send(g_cfg.sms, j->recipient, j->text != NULL ? j->text : "", j->id, &res) == 0) {
        o->ok = true;
        snprintf(o->provider_id, sizeof o->provider_id, "%s", res.provider_id);
    } else {
        o->permanent = res.permanent;
        snprintf(o->error, sizeof o->error, "%s", res.error);
    }
}

typedef struct finish_args {
    const job_t *job;
    const outcome_t *out;
} finish_args_t;

static int finish_tx(PGconn *conn, void *arg)
{
    finish_args_t *a = arg;
    const job_t *j = a->job;
    message_done_t d;
    bool found = false;
    bool final = false;
    int rc;
    if (a->out->ok) {
        rc = store_mark_sent(conn, j->id, j->token, a->out->provider_id, &d, &found);
    } else {
        final = a->out->permanent || j->attempts >= g_cfg.max_attempts;
        rc = store_mark_failed(
            conn, j->id, j->token, final,
            notify_backoff_ms(j->attempts, g_cfg.retry_base_ms, g_cfg.retry_cap_ms), a->out->error,
            &d, &found);
    }
    if (rc == 0 && !found)
        /* Our lease ran out and another sender claimed the message: it finishes it. */
        log_warn("message %s: the claim was taken over before it finished", j->id);
    else if (rc == 0 && a->out->ok)
        rc = publish_done(conn, "NotificationSent", &d);
    else if (rc == 0 && final)
        rc = publish_done(conn, "NotificationFailed", &d);
    store_done_free(&d);
    return rc;
}

/* One message, if one is due. *worked says whether there was one. */
static int step(bool *worked)
{
    job_t j = {0};
    outcome_t o = {0};
    *worked = false;
    int rc = db_tx(claim_tx, &j);
    if (rc != 0 || j.kind == JOB_NONE) {
        job_clear(&j);
        return rc;
    }
    *worked = true;
    if (j.kind == JOB_SEND) {
        if (strcmp(j.channel, "email") == 0)
            send_email(&j, &o);
        else
            send_sms(&j, &o);
        if (o.ok)
            log_info("message %s (%s) sent, attempt %d", j.id, j.channel, j.attempts);
        else
            log_warn("message %s (%s) attempt %d failed: %s", j.id, j.channel, j.attempts, o.error);
        finish_args_t a = {&j, &o};
        /* Should this fail (the database is gone), the lease runs out and the message is
         * sent again: the at-least-once window README.md describes. */
        rc = db_tx(finish_tx, &a);
        if (rc != 0)
            log_error("message %s: the outcome could not be recorded (%s)", j.id, err_code(rc));
    }
    job_clear(&j);
    return rc;
}

/* ---- the thread --------------------------------------------------------------------- */

/* One message. Busy: go on at once; idle or failing: wait a poll interval. */
static bool sender_tick(void *arg)
{
    (void)arg;
    bool worked = true;
    int rc = step(&worked);
    if (rc == 0 && worked)
        return true;
    if (rc != 0)
        log_warn("sender: %s; trying again in %ld ms", err_code(rc), g_cfg.poll_ms);
    /* Between rounds the connection goes back to the pool for the HTTP workers. */
    db_release();
    return false;
}

static void sender_exit(void *arg)
{
    (void)arg;
    db_thread_close();
    hc_thread_cleanup();
}

int sender_start(const sender_config_t *cfg)
{
    if (g_ticker_count > 0)
        return 0;
    g_cfg = *cfg;
    int threads = g_cfg.threads < 1                    ? 1
                  : g_cfg.threads > SENDER_THREADS_MAX ? SENDER_THREADS_MAX
                                                       : g_cfg.threads;
    ticker_def_t def = {.interval_ms = g_cfg.poll_ms,
                        .run_at_start = true,
                        .tick = sender_tick,
                        .at_exit = sender_exit};
    /* The claim's SKIP LOCKED keeps the threads on different messages, as it does the
     * replicas': a burst of mails drains in parallel instead of one at a time. */
    for (int i = 0; i < threads; i++) {
        ticker_t *t = NULL;
        if (ticker_start(&def, &t) != 0) {
            sender_stop();
            return ERR_INTERNAL;
        }
        pthread_mutex_lock(&g_tickers_lock);
        g_tickers[g_ticker_count++] = t;
        pthread_mutex_unlock(&g_tickers_lock);
    }
    return 0;
}

void sender_wake(void)
{
    pthread_mutex_lock(&g_tickers_lock);
    for (int i = 0; i < g_ticker_count; i++)
        ticker_wake(g_tickers[i]);
    pthread_mutex_unlock(&g_tickers_lock);
}

void sender_stop(void)
{
    ticker_t *stopping[SENDER_THREADS_MAX];
    pthread_mutex_lock(&g_tickers_lock);
    int n = g_ticker_count;
    memcpy(stopping, g_tickers, sizeof stopping);
    g_ticker_count = 0;
    pthread_mutex_unlock(&g_tickers_lock);
    for (int i = 0; i < n; i++)
        ticker_stop(stopping[i]);
}

void sender_metrics(char **buf, size_t *len, size_t *cap)
{
    long pending = 0, due = 0, sending = 0;
    PGconn *conn = db_conn();
    if (conn == NULL || store_backlog(conn, &pending, &due, &sending) != 0)
        return; /* the scrape shows the lines missing rather than a false zero */
    metrics_append(buf, len, cap, "# TYPE store_notification_messages gauge\n");
    metrics_append(buf, len, cap, "store_notification_messages{status=\"pending\"} %ld\n", pending);
    metrics_append(buf, len, cap, "store_notification_messages{status=\"due\"} %ld\n", due);
    metrics_append(buf, len, cap, "store_notification_messages{status=\"sending\"} %ld\n", sending);
}
