/* sweeper.h - the background thread that releases expired reservations.
 *
 * Every interval it releases what has expired (movement_release_expired), then returns
 * its pooled database connection, so it holds one of the pool's connections only while
 * it works. Several replicas sweep at once safely: each reservation is claimed with
 * FOR UPDATE SKIP LOCKED and released in the claiming transaction.
 */
#ifndef INVENTORY_SWEEPER_H
#define INVENTORY_SWEEPER_H

/* Starts the thread: every interval_ms, up to batch releases. 0 or ERR_INTERNAL. */
int sweeper_start(long interval_ms, int batch);

/* Stops the thread (finishing the sweep in hand) and waits for it. No-op if not running. */
void sweeper_stop(void);

#endif
