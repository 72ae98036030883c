/* sweeper.c - the expiry sweep thread (see sweeper.h). */
#include "sweeper.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/log.h"
#include "movements.h"

static pthread_t g_thread;
static bool g_running;
static bool g_stop; /* guarded by g_lock */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_wake;
static long g_interval_ms;
static int g_batch;

/* Waits up to ms or until sweeper_stop(); false when stopping. The condition variable
 * runs on CLOCK_MONOTONIC so a wall-clock jump neither stalls nor hurries the sweep. */
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
    while (!g_stop && pthread_cond_timedwait(&g_wake, &g_lock, &deadline) != ETIMEDOUT)
        ;
    bool go_on = !g_stop;
    pthread_mutex_unlock(&g_lock);
    return go_on;
}

static void *sweeper_main(void *arg)
{
    (void)arg;
    while (wait_or_stop(g_interval_ms)) {
        int released = 0;
        int rc;
        /* A full batch means more may be waiting: go again at once. */
        do {
            rc = movement_release_expired(g_batch, &released);
        } while (rc == 0 && released == g_batch);
        if (rc != 0)
            log_warn("expiry sweep failed (%s); retrying in %ld ms", err_code(rc), g_interval_ms);
        /* Between sweeps the connection goes back to the pool for the HTTP workers. */
        db_release();
    }
    db_thread_close();
    return NULL;
}

int sweeper_start(long interval_ms, int batch)
{
    pthread_condattr_t attr;
    if (g_running)
        return 0;
    g_interval_ms = interval_ms;
    g_batch = batch;
    g_stop = false;
    if (pthread_condattr_init(&attr) != 0)
        return ERR_INTERNAL;
    int rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
                     pthread_cond_init(&g_wake, &attr) == 0
                 ? 0
                 : ERR_INTERNAL;
    pthread_condattr_destroy(&attr);
    if (rc != 0)
        return rc;
    if (pthread_create(&g_thread, NULL, sweeper_main, NULL) != 0) {
        pthread_cond_destroy(&g_wake);
        return ERR_INTERNAL;
    }
    g_running = true;
    return 0;
}

void sweeper_stop(void)
{
    if (!g_running)
        return;
    pthread_mutex_lock(&g_lock);
    g_stop = true;
    pthread_cond_signal(&g_wake);
    pthread_mutex_unlock(&g_lock);
    pthread_join(g_thread, NULL);
    pthread_cond_destroy(&g_wake);
    g_running = false;
}
