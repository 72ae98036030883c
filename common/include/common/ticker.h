/* ticker.h - a periodic background thread: it runs a tick every interval, at once again
 * while the tick says more work is waiting, earlier when woken, and stops on request.
 *
 * The wait runs on a CLOCK_MONOTONIC condition variable, so a wall-clock jump neither
 * stalls nor hurries the ticks. The services' sweeps and delivery loops run on it.
 *
 * Threads: tick and at_exit run on the ticker's own thread; ticker_wake() may be called
 * from any thread while the ticker lives; ticker_stop() from the thread that started it.
 */
#ifndef COMMON_TICKER_H
#define COMMON_TICKER_H

#include <stdbool.h>

typedef struct ticker ticker_t;

typedef struct ticker_def {
    long interval_ms;  /* the wait between rounds when idle */
    bool run_at_start; /* true: the first round runs at once; false: after one interval */
    /* One step of work. Returns true to run again at once (more is waiting; the ticker
     * still checks for a stop in between), false to wait for the next interval or wake. */
    bool (*tick)(void *arg);
    /* Runs once on the thread before it ends (e.g. db_thread_close). May be NULL. */
    void (*at_exit)(void *arg);
    void *arg; /* passed to tick and at_exit; borrowed, must outlive the ticker */
} ticker_def_t;

/* Starts the thread. 0 with *out (stop it with ticker_stop), or ERR_INTERNAL. */
int ticker_start(const ticker_def_t *def, ticker_t **out);

/* Ends the current wait at once, so the next round starts now. NULL is a no-op. */
void ticker_wake(ticker_t *ticker);

/* Asks the thread to stop after the tick in hand, waits for it and frees the ticker.
 * NULL is a no-op. */
void ticker_stop(ticker_t *ticker);

#endif
