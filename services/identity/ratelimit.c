/* ratelimit.c - fixed-window failure counting for the login limiter (see ratelimit.h). */
#include "ratelimit.h"

bool rl_window_expired(const rl_policy_t *policy, const rl_window_t *window, int64_t now)
{
    /* A clock that went backwards past the start also ends the window, rather than
     * locking the key out for however far the clock jumped. */
    return window->start <= 0 || window->failures <= 0 ||
           now >= window->start + policy->window_seconds || now < window->start;
}

int rl_retry_after(const rl_policy_t *policy, const rl_window_t *window, int64_t now)
{
    if (rl_window_expired(policy, window, now) || window->failures < policy->max_failures)
        return 0;
    int64_t wait = window->start + policy->window_seconds - now;
    return wait > 0 ? (int)wait : 0;
}

void rl_record_failure(const rl_policy_t *policy, rl_window_t *window, int64_t now)
{
    if (rl_window_expired(policy, window, now)) {
        window->start = now;
        window->failures = 1;
    } else if (window->failures < INT32_MAX) {
        window->failures++;
    }
}
