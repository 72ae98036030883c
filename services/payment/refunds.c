/* refunds.c - see refunds.h. */
#include "refunds.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"
#include "payment.h"
#include "settle.h"

/* How long the admin's own request holds a refund before the worker may take it over
 * (longer than a provider call can take). */
#define REFUND_INLINE_LEASE_S 120
#define REFUND_RETRY_MAX_S    300

typedef struct request_tx {
    const char *payment_id;
    int64_t amount;
    const char *reason;
    const char *actor;
    refund_row_t *out;
} request_tx_t;

static int request_tx(PGconn *conn, void *arg)
{
    request_tx_t *t = arg;
    payment_row_t p;
    int64_t pending = 0, amount = 0;
    int rc = store_payment_get(conn, t->payment_id, true, &p);
    if (rc == 0)
        rc = store_refunds_pending_sum(conn, p.id, &pending);
    if (rc == 0)
        rc = payment_refund_amount(&p, pending, t->amount, &amount);
    if (rc != 0)
        return rc;
    char id[ID_UUID_LEN];
    id_uuid(id);
    rc = store_refund_insert(conn, id, p.id, amount, t->reason, t->actor, REFUND_INLINE_LEASE_S);
    if (rc == 0)
        rc = store_refund_get(conn, id, false, t->out);
    return rc;
}

int refund_request(const char *payment_id, int64_t amount, const char *reason, const char *actor,
                   refund_row_t *out)
{
    request_tx_t t = {payment_id, amount, reason, actor, out};
    return db_tx(request_tx, &t);
}

typedef struct finish_tx {
    const char *refund_id;
    int provider_rc; /* 0, ERR_CONFLICT, ERR_UNAVAILABLE, or 1 = no refund API */
    const pay_refund_res_t *res;
    const event_ctx_t *ctx;
    refund_row_t *out;
} finish_tx_t;

static int finish_tx(PGconn *conn, void *arg)
{
    finish_tx_t *t = arg;
    refund_row_t r;
    payment_row_t p;
    int rc = store_refund_get(conn, t->refund_id, true, &r);
    if (rc != 0)
        return rc;
    if (strcmp(r.status, "PENDING") != 0) { /* someone else finished it meanwhile */
        *t->out = r;
        return 0;
    }
    if (t->provider_rc == ERR_UNAVAILABLE) {
        int delay = 1 << (r.attempts < 8 ? r.attempts : 8);
        rc = store_refund_retry_later(conn, r.id, "provider unavailable",
                                      delay < REFUND_RETRY_MAX_S ? delay : REFUND_RETRY_MAX_S);
    } else if (t->provider_rc == 1) {
        rc = store_refund_finish(conn, r.id, "MANUAL", NULL, "the provider has no refund API");
    } else if (t->provider_rc != 0) {
        rc = store_refund_finish(conn, r.id, "FAILED", NULL, "the provider refused the refund");
    } else {
        rc = store_refund_finish(conn, r.id, "SUCCEEDED", t->res->provider_refund_id, NULL);
        if (rc == 0)
            rc = store_payment_get(conn, r.payment_id, true, &p);
        if (rc == 0) {
            p.refunded_amount += r.amount;
            if (p.refunded_amount > p.amount)
                p.refunded_amount = p.amount;
            p.status = payment_status_after_refund(&p, p.refunded_amount);
            p.version++;
            rc = store_payment_refunded(conn, p.id, p.refunded_amount, p.status, p.version);
        }
        if (rc == 0) {
            cJSON *data = payment_event_data(&p, r.reason, r.id, r.amount, (int64_t)time(NULL));
            rc = data == NULL
                     ? ERR_INTERNAL
                     : outbox_put(conn, PAYMENT_TOPIC, p.id, "PaymentRefunded",
                                  "store.payment.v1.PaymentRefunded", p.version, data, t->ctx);
        }
    }
    if (rc == 0)
        rc = store_refund_get(conn, t->refund_id, false, t->out);
    return rc;
}

int refund_execute(const char *refund_id, const event_ctx_t *ctx, refund_row_t *out)
{
    refund_row_t r;
    payment_row_t p;
    pay_refund_res_t res = {0};
    PGconn *conn = db_conn();
    if (conn == NULL)
        return ERR_UNAVAILABLE;
    int rc = store_refund_get(conn, refund_id, false, &r);
    if (rc == 0)
        rc = store_payment_get(conn, r.payment_id, false, &p);
    if (rc != 0)
        return rc;
    if (strcmp(r.status, "PENDING") != 0) {
        *out = r;
        return 0;
    }
    /* No connection is held while the provider is called (it may take seconds). */
    db_release();
    const pay_provider_t *prov = pay_provider_find(p.provider);
    int provider_rc;
    if (prov == NULL || prov->refund == NULL) {
        provider_rc = 1;
    } else {
        pay_payment_t view = settle_view(&p);
        char idem[64];
        snprintf(idem, sizeof idem, "refund-%s", r.id);
        pay_refund_req_t req = {.payment = &view,
                                .refund_id = r.id,
                                .amount = r.amount,
                                .full = r.amount == p.amount - p.refunded_amount,
                                .reason = r.reason,
                                .idempotency_key = idem};
        provider_rc = prov->refund(&req, &res);
        if (provider_rc != 0 && provider_rc != ERR_CONFLICT)
            provider_rc = ERR_UNAVAILABLE;
    }
    if (provider_rc != 0)
        log_warn("refund %s of payment %s (%s): %s", r.id, p.id, p.provider,
                 provider_rc == 1 ? "no refund API, manual" : err_code(provider_rc));
    finish_tx_t t = {refund_id, provider_rc, &res, ctx, out};
    rc = db_tx(finish_tx, &t);
    if (rc == 0 && strcmp(out->status, "SUCCEEDED") == 0)
        log_info("refund %s of payment %s: %lld %s back through %s", r.id, p.id,
                 (long long)r.amount, p.currency, p.provider);
    return rc;
}
