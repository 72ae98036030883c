/* worker.c - the refund and reconcile thread (see worker.h). Several replicas may run
 * it: refunds are claimed with a lease (FOR UPDATE SKIP LOCKED), and a lookup that two
 * replicas make of one payment is recorded once (its notification id is the same). */
#include "worker.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/ticker.h"
#include "refunds.h"
#include "settle.h"
#include "store.h"

#define REFUND_BATCH    10
#define REFUND_LEASE_S  60
#define RECONCILE_BATCH 10

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static ticker_t *g_ticker; /* guarded by g_lock: consumers wake it while it stops */
static long g_reconcile_after_s;
static time_t g_last_reconcile; /* the worker thread's own */

static void run_refunds(void)
{
    char ids[REFUND_BATCH][37];
    int count = 0;
    PGconn *conn = db_conn();
    if (conn == NULL || store_refunds_claim(conn, REFUND_BATCH, REFUND_LEASE_S, ids, &count) != 0)
        return;
    for (int i = 0; i < count; i++) {
        refund_row_t r;
        event_ctx_t ctx = {0};
        int rc = refund_execute(ids[i], &ctx, &r);
        if (rc != 0)
            log_warn("refund %s: %s; retried after its lease", ids[i], err_code(rc));
    }
}

/* Looks up a few attempts still INITIATED at providers that can be asked. */
static void run_reconcile(void)
{
    static const char *const names[] = {"stripe", "khalti", "esewa"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        const pay_provider_t *prov = pay_provider_find(names[k]);
        if (prov == NULL || prov->lookup == NULL || !prov->available())
            continue;
        payment_row_t *rows = NULL;
        int count = 0;
        PGconn *conn = db_conn();
        if (conn == NULL || store_payments_stale(conn, prov->name, (int)g_reconcile_after_s,
                                                 RECONCILE_BATCH, &rows, &count) != 0)
            continue;
        for (int i = 0; i < count; i++) {
            pay_event_t ev;
            pay_payment_t view = settle_view(&rows[i]);
            int rc = prov->lookup(&view, &ev);
            if ((conn = db_conn()) != NULL)
                store_payment_touch(conn, rows[i].id);
            if (rc != 0) {
                log_warn("reconcile: %s lookup of payment %s: %s", prov->name, rows[i].id,
                         err_code(rc));
                continue;
            }
            if (ev.outcome != PAY_OUTCOME_SUCCEEDED && ev.outcome != PAY_OUTCOME_FAILED)
                continue;
            if (ev.payment_id[0] == '\0')
                snprintf(ev.payment_id, sizeof ev.payment_id, "%s", rows[i].id);
            settle_result_t result;
            event_ctx_t ctx = {0};
            if (settle_apply(prov->name, "lookup", &ev, &ctx, &result, NULL) == 0 &&
                result == SETTLE_APPLIED)
                log_info("reconcile: payment %s settled by a %s lookup", rows[i].id, prov->name);
        }
        free(rows);
    }
}

static bool worker_tick(void *arg)
{
    (void)arg;
    run_refunds();
    time_t now = time(NULL);
    /* Lookups are slow calls to the outside: a few per interval is plenty. */
    if (now - g_last_reconcile >= (g_reconcile_after_s < 30 ? g_reconcile_after_s : 30)) {
        run_reconcile();
        g_last_reconcile = now;
    }
    db_release();
    return false;
}

static void worker_exit(void *arg)
{
    (void)arg;
    db_thread_close();
}

int worker_start(long poll_ms, long reconcile_after_s)
{
    int rc = 0;
    pthread_mutex_lock(&g_lock);
    if (g_ticker == NULL) {
        g_reconcile_after_s = reconcile_after_s;
        g_last_reconcile = 0;
        ticker_def_t def = {.interval_ms = poll_ms, .tick = worker_tick, .at_exit = worker_exit};
        rc = ticker_start(&def, &g_ticker);
    }
    pthread_mutex_unlock(&g_lock);
    return rc;
}

void worker_wake(void)
{
    pthread_mutex_lock(&g_lock);
    ticker_wake(g_ticker);
    pthread_mutex_unlock(&g_lock);
}

void worker_stop(void)
{
    /* Taken out under the lock, stopped outside it: a wake during the stop finds none. */
    pthread_mutex_lock(&g_lock);
    ticker_t *t = g_ticker;
    g_ticker = NULL;
    pthread_mutex_unlock(&g_lock);
    ticker_stop(t);
}
