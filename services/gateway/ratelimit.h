/* ratelimit.h - a token bucket per client key (client address or user id).
 *
 * Each key gets a bucket of `burst` tokens refilled at `rps` tokens a second; a
 * request takes one token or is refused. Buckets live in a fixed-size table, so
 * memory is bounded however many clients there are: a new key takes the place of
 * a bucket that has refilled completely (forgetting it changes nothing) or, when
 * the table is crowded, of the bucket seen least recently.
 *
 * Time is a parameter ("now", in seconds on any monotonic clock) so the limiter
 * is pure and tests need no sleeps. Thread-safe: striped locks.
 */
#ifndef GATEWAY_RATELIMIT_H
#define GATEWAY_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>

/* Longest key kept; longer keys are cut (they still get a bucket). */
#define RL_KEY_MAX 63

typedef struct ratelimit ratelimit_t;

/* Creates a limiter of about `slots` buckets (rounded up to a multiple of the set size).
 * rps <= 0 or burst <= 0 makes a limiter that allows everything. NULL when out of memory.
 * Caller frees with rl_free. */
ratelimit_t *rl_new(double rps, double burst, size_t slots);

/* Frees the limiter (NULL is fine). */
void rl_free(ratelimit_t *rl);

/* True when key may make a request at now (and takes a token). When refused,
 * *retry_after (if not NULL) is the whole seconds, at least 1, until a token is back. */
bool rl_allow(ratelimit_t *rl, const char *key, double now, int *retry_after);

/* True when the limiter refuses nothing (rate or burst configured as 0). */
bool rl_disabled(const ratelimit_t *rl);

/* The number of buckets in use (tests). */
size_t rl_used(ratelimit_t *rl);

/* The number of buckets the table can hold. */
size_t rl_capacity(const ratelimit_t *rl);

#endif
