/* worker.c - the refund and reconcile thread (see worker.h). Several replicas may run
 * it: refunds are claimed with a lease (FOR UPDATE SKIP LOCKED), and a lookup that two
 * replicas make of one payment is recorded once (its notification id is the same). */
#include "worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/log.h"
#include "refunds.h"
#include "settle.h"
#include "store.h"

#define REFUND_BATCH    10
#define REFUND_LEASE_S  60
#define RECONCILE_BATCH 10

static pthread_t g_thread;
static bool g_running;
static bool g_stop, g_woken; /* guarded by g_lock */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_wake;
static long g_poll_ms;
static long g_reconcile_after_s;

/* Waits up to ms, or until woken or stopped; false when stopping. */
static bool wait_or_stop(long ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&g_lock);
    while (!g_stop && !g_woken && pthread_cond_timedwait(&g_wake, &g_lock, &deadline) != ETIMEDOUT)
        ;
    g_woken = false;
    bool go_on = !g_stop;
    pthread_mutex_unlock(&g_lock);
    return go_on;
}

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

static void *worker_main(void *arg)
{
    (void)arg;
    time_t last_reconcile = 0;
    while (wait_or_stop(g_poll_ms)) {
        run_refunds();
        time_t now = time(NULL);
        /* Lookups are slow calls to the outside: a few per interval is plenty. */
        if (now - last_reconcile >= (g_reconcile_after_s < 30 ? g_reconcile_after_s : 30)) {
            run_reconcile();
            last_reconcile = now;
        }
        db_release();
    }
    db_thread_close();
    return NULL;
}

int worker_start(long poll_ms, long reconcile_after_s)
{
    pthread_condattr_t attr;
    if (g_running)
        return 0;
    g_poll_ms = poll_ms;
    g_reconcile_after_s = reconcile_after_s;
    g_stop = g_woken = false;
    if (pthread_condattr_init(&attr) != 0)
        return ERR_INTERNAL;
    int rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
                     pthread_cond_init(&g_wake, &attr) == 0
                 ? 0
                 : ERR_INTERNAL;
    pthread_condattr_destroy(&attr);
    if (rc != 0)
        return rc;
    if (pthread_create(&g_thread, NULL, worker_main, NULL) != 0) {
        pthread_cond_destroy(&g_wake);
        return ERR_INTERNAL;
    }
    pthread_mutex_lock(&g_lock);
    g_running = true;
    pthread_mutex_unlock(&g_lock);
    return 0;
}

void worker_wake(void)
{
    pthread_mutex_lock(&g_lock);
    if (g_running) {
        g_woken = true;
        pthread_cond_signal(&g_wake);
    }
    pthread_mutex_unlock(&g_lock);
}

void worker_stop(void)
{
    if (!g_running)
        return;
    pthread_mutex_lock(&g_lock);
    g_stop = true;
    pthread_cond_signal(&g_wake);
    pthread_mutex_unlock(&g_lock);
    pthread_join(g_thread, NULL);
    pthread_mutex_lock(&g_lock);
    g_running = false;
    pthread_mutex_unlock(&g_lock);
    pthread_cond_destroy(&g_wake);
}
