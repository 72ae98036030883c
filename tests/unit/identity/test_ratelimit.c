/* test_ratelimit.c - the login limiter's fixed-window arithmetic (ratelimit.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ratelimit.h"

static const rl_policy_t policy = {.max_failures = 5, .window_seconds = 900};
#define T0 1700000000

static void test_rl_empty_window_allows(void **state)
{
    (void)state;
    rl_window_t w = {0, 0};
    assert_int_equal(rl_retry_after(&policy, &w, T0), 0);
    assert_true(rl_window_expired(&policy, &w, T0));
}

static void test_rl_first_failure_opens_window(void **state)
{
    (void)state;
    rl_window_t w = {0, 0};
    rl_record_failure(&policy, &w, T0);
    assert_int_equal(w.start, T0);
    assert_int_equal(w.failures, 1);
    assert_false(rl_window_expired(&policy, &w, T0 + 899));
}

static void test_rl_blocks_at_limit_until_window_ends(void **state)
{
    (void)state;
    rl_window_t w = {0, 0};
    for (int i = 0; i < 4; i++) {
        rl_record_failure(&policy, &w, T0 + i);
        assert_int_equal(rl_retry_after(&policy, &w, T0 + i), 0);
    }
    rl_record_failure(&policy, &w, T0 + 10);
    assert_int_equal(w.failures, 5);
    assert_int_equal(rl_retry_after(&policy, &w, T0 + 10), 890);
    assert_int_equal(rl_retry_after(&policy, &w, T0 + 899), 1);
    assert_int_equal(rl_retry_after(&policy, &w, T0 + 900), 0);
}

static void test_rl_failure_after_window_starts_new_one(void **state)
{
    (void)state;
    rl_window_t w = {T0, 5};
    rl_record_failure(&policy, &w, T0 + 900);
    assert_int_equal(w.start, T0 + 900);
    assert_int_equal(w.failures, 1);
    assert_int_equal(rl_retry_after(&policy, &w, T0 + 900), 0);
}

static void test_rl_clock_going_back_does_not_lock_out(void **state)
{
    (void)state;
    rl_window_t w = {T0, 5};
    assert_true(rl_window_expired(&policy, &w, T0 - 3600));
    assert_int_equal(rl_retry_after(&policy, &w, T0 - 3600), 0);
}

static void test_rl_policies_are_independent(void **state)
{
    (void)state;
    rl_policy_t per_client = {.max_failures = 20, .window_seconds = 900};
    rl_window_t w = {0, 0};
    for (int i = 0; i < 19; i++)
        rl_record_failure(&per_client, &w, T0);
    assert_int_equal(rl_retry_after(&policy, &w, T0), 900);   /* over 5: blocked */
    assert_int_equal(rl_retry_after(&per_client, &w, T0), 0); /* under 20: allowed */
    rl_record_failure(&per_client, &w, T0);
    assert_int_equal(rl_retry_after(&per_client, &w, T0), 900);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rl_empty_window_allows),
        cmocka_unit_test(test_rl_first_failure_opens_window),
        cmocka_unit_test(test_rl_blocks_at_limit_until_window_ends),
        cmocka_unit_test(test_rl_failure_after_window_starts_new_one),
        cmocka_unit_test(test_rl_clock_going_back_does_not_lock_out),
        cmocka_unit_test(test_rl_policies_are_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
