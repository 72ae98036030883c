/* settle.c - see settle.h. Ordering inside the transaction: the payment row is locked
 * first, then the cancelled-orders read model is read. The OrderCancelled consumer does
 * the reverse (records the cancellation, then locks the order's payments), so whichever
 * of the two commits second sees the other's work and queues the refund: a success and
 * a cancellation racing can never both miss it. */
#include "settle.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"
#include "store.h"
#include "worker.h"

const char *settle_result_name(settle_result_t r)
{
    static const char *const names[] = {"applied", "unchanged", "duplicate", "rejected",
                                        "unknown_payment"};
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "unknown";
}

static const char *outcome_name(pay_outcome_t o)
{
    static const char *const names[] = {"pending",  "succeeded",          "failed",
                                        "refunded", "partially_refunded", "ignored"};
    return (unsigned)o < sizeof names / sizeof names[0] ? names[o] : "unknown";
}

pay_payment_t settle_view(const payment_row_t *p)
{
    pay_payment_t v = {
        .payment_id = p->id,
        .order_id = p->order_id,
        .provider_reference = p->provider_reference,
        .provider_txn = p->provider_txn,
        .amount = p->amount,
        .currency = p->currency,
    };
    return v;
}

typedef struct settle_tx {
    const char *provider;
    const char *kind;
    const pay_event_t *ev;
    const event_ctx_t *ctx;
    settle_result_t result;
    payment_row_t *after;
    bool refund_queued;
} settle_tx_t;

static int record(PGconn *conn, settle_tx_t *t, const char *payment_id, const char *result)
{
    int rc = store_notification_insert(conn, t->provider, t->ev->event_id, payment_id, t->kind,
                                       outcome_name(t->ev->outcome), t->ev->amount, t->ev->currency,
                                       result);
    return rc;
}

/* A success landed on an order that is cancelled, or that another attempt already paid:
 * the money goes back, queued here and completed by the worker. */
static int queue_refund_if_needed(PGconn *conn, settle_tx_t *t, const payment_row_t *p)
{
    bool cancelled = false, other_paid = false;
    int rc = store_order_is_cancelled(conn, p->order_id, &cancelled);
    if (rc == 0 && !cancelled)
        rc = store_order_has_success(conn, p->order_id, p->id, &other_paid);
    if (rc != 0 || (!cancelled && !other_paid))
        return rc;
    char refund_id[ID_UUID_LEN];
    id_uuid(refund_id);
    const char *reason = cancelled ? "order_cancelled" : "duplicate_payment";
    rc = store_refund_insert(conn, refund_id, p->id, p->amount, reason, "system", 0);
    if (rc == 0) {
        log_warn("payment %s succeeded for order %s, which is %s: refund %s queued", p->id,
                 p->order_id, cancelled ? "cancelled" : "already paid", refund_id);
        t->refund_queued = true;
    }
    return rc;
}

static int settle_tx(PGconn *conn, void *arg)
{
    settle_tx_t *t = arg;
    const pay_event_t *ev = t->ev;
    payment_row_t p;
    int rc;

    t->refund_queued = false;
    if (ev->payment_id[0] != '\0' && id_is_uuid(ev->payment_id))
        rc = store_payment_get(conn, ev->payment_id, true, &p);
    else if (ev->provider_reference[0] != '\0')
        rc = store_payment_by_reference(conn, t->provider, ev->provider_reference, true, &p);
    else
        rc = ERR_NOT_FOUND;
    if (rc == 0 && strcmp(p.provider, t->provider) != 0)
        rc = ERR_NOT_FOUND; /* another provider's payment: not this notification's */
    if (rc == ERR_NOT_FOUND) {
        t->result = SETTLE_UNKNOWN_PAYMENT;
        rc = record(conn, t, NULL, "unknown_payment");
        return rc == ERR_CONFLICT ? (t->result = SETTLE_DUPLICATE, 0) : rc;
    }
    if (rc != 0)
        return rc;

    /* A reference the provider reports must be the one it gave us at initiate. */
    bool ref_ok = ev->provider_reference[0] == '\0' || p.provider_reference[0] == '\0' ||
                  strcmp(ev->provider_reference, p.provider_reference) == 0;
    if (!ref_ok || !payment_amount_matches(&p, ev->amount, ev->currency, ev->outcome)) {
        rc = record(conn, t, p.id, "rejected");
        if (rc == ERR_CONFLICT) {
            t->result = SETTLE_DUPLICATE;
            *t->after = p;
            return 0;
        }
        if (rc == 0) {
            log_warn("payment %s: %s notification %s rejected: reports %lld %s ref %s, expected "
                     "%lld %s ref %s",
                     p.id, t->provider, ev->event_id, (long long)ev->amount, ev->currency,
                     ev->provider_reference, (long long)p.amount, p.currency, p.provider_reference);
            t->result = SETTLE_REJECTED;
            *t->after = p;
        }
        return rc;
    }

    int next = payment_next_status(p.status, ev->outcome);
    rc = record(conn, t, p.id, next >= 0 ? "applied" : "unchanged");
    if (rc == ERR_CONFLICT) {
        t->result = SETTLE_DUPLICATE;
        *t->after = p;
        return 0;
    }
    if (rc != 0)
        return rc;
    if (next < 0) {
        t->result = SETTLE_UNCHANGED;
        *t->after = p;
        return 0;
    }

    p.status = (payment_status_t)next;
    p.version++;
    if (ev->provider_txn[0] != '\0')
        snprintf(p.provider_txn, sizeof p.provider_txn, "%s", ev->provider_txn);
    const char *reason =
        p.status == PAYMENT_FAILED ? (ev->detail[0] ? ev->detail : "failed") : NULL;
    if (reason != NULL)
        snprintf(p.failure_reason, sizeof p.failure_reason, "%s", reason);
    rc = store_payment_set_status(conn, p.id, p.status, ev->provider_txn, reason, p.version);
    if (rc != 0)
        return rc;
    const char *type = payment_event_type(p.status);
    char schema[64];
    snprintf(schema, sizeof schema, "store.payment.v1.%s", type);
    cJSON *data = payment_event_data(&p, reason, NULL, 0, (int64_t)time(NULL));
    if (data == NULL)
        return ERR_INTERNAL;
    rc = outbox_put(conn, PAYMENT_TOPIC, p.id, type, schema, p.version, data, t->ctx);
    if (rc == 0 && p.status == PAYMENT_SUCCEEDED)
        rc = queue_refund_if_needed(conn, t, &p);
    if (rc == 0) {
        t->result = SETTLE_APPLIED;
        *t->after = p;
    }
    return rc;
}

int settle_apply(const char *provider, const char *kind, const pay_event_t *ev,
                 const event_ctx_t *ctx, settle_result_t *result, payment_row_t *after)
{
    payment_row_t scratch;
    settle_tx_t t = {.provider = provider,
                     .kind = kind,
                     .ev = ev,
                     .ctx = ctx,
                     .after = after != NULL ? after : &scratch};
    memset(t.after, 0, sizeof *t.after);
    int rc = db_tx(settle_tx, &t);
    if (rc != 0)
        return rc;
    *result = t.result;
    if (t.result == SETTLE_APPLIED)
        log_info("payment %s: %s %s %s -> %s", t.after->id, provider, kind, ev->event_id,
                 payment_status_name(t.after->status));
    if (t.refund_queued)
        worker_wake();
    return 0;
}
