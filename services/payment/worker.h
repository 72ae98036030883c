/* worker.h - the payment service's background thread: it completes PENDING refunds
 * (queued by OrderCancelled, by a success for a cancelled order, or left by a provider
 * that was down) and reconciles attempts whose customer never came back, by looking
 * them up at their provider (Khalti has no webhook at all). */
#ifndef PAYMENT_WORKER_H
#define PAYMENT_WORKER_H

/* Starts the thread: it wakes every poll_ms (or at worker_wake()), and looks up
 * INITIATED attempts older than reconcile_after_s. 0 or ERR_INTERNAL. */
int worker_start(long poll_ms, long reconcile_after_s);

/* Wakes the thread now (a refund was just queued). Any thread; no-op when not running. */
void worker_wake(void);

/* Stops the thread after its current step. */
void worker_stop(void);

#endif
