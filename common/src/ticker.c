/* ticker.c - the periodic background thread (see ticker.h). */
#include "common/ticker.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "common/errors.h"

struct ticker {
    ticker_def_t def;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop, woken; /* guarded by lock */
};

static bool ticker_stopping(ticker_t *t)
{
    pthread_mutex_lock(&t->lock);
    bool stop = t->stop;
    pthread_mutex_unlock(&t->lock);
    return stop;
}

/* Waits up to the interval, or until woken or stopped; false when stopping. A wake that
 * came while a round ran ends the next wait at once, so no wake is lost. */
static bool ticker_wait(ticker_t *t)
{
    struct timespec deadline;
    long ms = t->def.interval_ms;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&t->lock);
    while (!t->stop && !t->woken &&
           pthread_cond_timedwait(&t->wake, &t->lock, &deadline) != ETIMEDOUT)
        ;
    t->woken = false;
    bool go_on = !t->stop;
    pthread_mutex_unlock(&t->lock);
    return go_on;
}

static void *ticker_main(void *arg)
{
    ticker_t *t = arg;
    bool go_on = t->def.run_at_start ? !ticker_stopping(t) : ticker_wait(t);
    while (go_on) {
        while (t->def.tick(t->def.arg) && !ticker_stopping(t))
            ;
        go_on = ticker_wait(t);
    }
    if (t->def.at_exit != NULL)
        t->def.at_exit(t->def.arg);
    return NULL;
}

int ticker_start(const ticker_def_t *def, ticker_t **out)
{
    pthread_condattr_t attr;
    *out = NULL;
    if (def->tick == NULL || def->interval_ms < 0)
        return ERR_INTERNAL;
    ticker_t *t = calloc(1, sizeof *t);
    if (t == NULL)
        return ERR_INTERNAL;
    t->def = *def;
    if (pthread_mutex_init(&t->lock, NULL) != 0) {
        free(t);
        return ERR_INTERNAL;
    }
    int rc = ERR_INTERNAL;
    if (pthread_condattr_init(&attr) != 0)
        goto out_lock;
    /* CLOCK_MONOTONIC: the deadline in ticker_wait is taken on the same clock. */
    rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
                 pthread_cond_init(&t->wake, &attr) == 0
             ? 0
             : ERR_INTERNAL;
    pthread_condattr_destroy(&attr);
    if (rc != 0)
        goto out_lock;
    if (pthread_create(&t->thread, NULL, ticker_main, t) != 0) {
        rc = ERR_INTERNAL;
        pthread_cond_destroy(&t->wake);
        goto out_lock;
    }
    *out = t;
    return 0;
out_lock:
    pthread_mutex_destroy(&t->lock);
    free(t);
    return rc;
}

void ticker_wake(ticker_t *t)
{
    if (t == NULL)
        return;
    pthread_mutex_lock(&t->lock);
    t->woken = true;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
}

void ticker_stop(ticker_t *t)
{
    if (t == NULL)
        return;
    pthread_mutex_lock(&t->lock);
    t->stop = true;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t);
}
