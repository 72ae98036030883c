/* ratelimit.h - the login attempt limiter's rules: a fixed window of failures per
 * key (an account or a client address). Pure; the counters themselves live in the
 * database table login_attempts (store.c) so every replica sees the same counts.
 *
 * A window opens at the first failure and lasts window_seconds. Once max_failures
 * failures are in the window, further attempts on that key are refused until the
 * window ends; a successful login clears the account's window.
 */
#ifndef IDENTITY_RATELIMIT_H
#define IDENTITY_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct rl_policy {
    int max_failures;   /* failures allowed in a window, >= 1 */
    int window_seconds; /* length of the window, >= 1 */
} rl_policy_t;

typedef struct rl_window {
    int64_t start; /* unix seconds of the window's first failure; 0 = no window */
    int failures;  /* failures counted in that window */
} rl_window_t;

/* Seconds the key must wait before another attempt: 0 when an attempt is allowed now. */
int rl_retry_after(const rl_policy_t *policy, const rl_window_t *window, int64_t now);

/* Counts one failure at now, opening a new window when the old one has ended. */
void rl_record_failure(const rl_policy_t *policy, rl_window_t *window, int64_t now);

/* True when the window has ended (or never opened) at now, so its row may be dropped. */
bool rl_window_expired(const rl_policy_t *policy, const rl_window_t *window, int64_t now);

#endif
