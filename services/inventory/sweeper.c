/* sweeper.c - the expiry sweep thread (see sweeper.h). */
#include "sweeper.h"

#include <stdbool.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/ticker.h"
#include "movements.h"

static ticker_t *g_ticker;
static int g_batch;
static long g_interval_ms;

/* One batch of releases. A full batch means more may be waiting: go again at once. */
static bool sweep_tick(void *arg)
{
    (void)arg;
    int released = 0;
    int rc = movement_release_expired(g_batch, &released);
    if (rc == 0 && released == g_batch)
        return true;
    if (rc != 0)
        log_warn("expiry sweep failed (%s); retrying in %ld ms", err_code(rc), g_interval_ms);
    /* Between sweeps the connection goes back to the pool for the HTTP workers. */
    db_release();
    return false;
}

static void sweep_exit(void *arg)
{
    (void)arg;
    db_thread_close();
}

int sweeper_start(long interval_ms, int batch)
{
    if (g_ticker != NULL)
        return 0;
    g_interval_ms = interval_ms;
    g_batch = batch;
    ticker_def_t def = {.interval_ms = interval_ms, .tick = sweep_tick, .at_exit = sweep_exit};
    return ticker_start(&def, &g_ticker);
}

void sweeper_stop(void)
{
    ticker_stop(g_ticker);
    g_ticker = NULL;
}
