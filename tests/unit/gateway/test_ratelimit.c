/* test_ratelimit.c - the token bucket: a burst, then refusal, then refill, with time
 * passed in (no sleeps); bounded memory; exact counts under concurrency. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>

#include <cmocka.h>

#include "ratelimit.h"

static void test_ratelimit_burst_then_refusal_then_refill(void **state)
{
    (void)state;
    ratelimit_t *rl = rl_new(2, 5, 1024);
    assert_non_null(rl);
    int retry = 0;
    for (int i = 0; i < 5; i++)
        assert_true(rl_allow(rl, "ip:10.0.0.1", 100.0, &retry));
    assert_false(rl_allow(rl, "ip:10.0.0.1", 100.0, &retry));
    assert_int_equal(retry, 1); /* one token takes 0.5 s at 2/s: rounded up to 1 s */

    /* Half a second later exactly one token is back. */
    assert_true(rl_allow(rl, "ip:10.0.0.1", 100.5, NULL));
    assert_false(rl_allow(rl, "ip:10.0.0.1", 100.5, NULL));

    /* Long idle refills to the burst, never beyond it. */
    for (int i = 0; i < 5; i++)
        assert_true(rl_allow(rl, "ip:10.0.0.1", 1000.0, NULL));
    assert_false(rl_allow(rl, "ip:10.0.0.1", 1000.0, NULL));
    rl_free(rl);
}

static void test_ratelimit_retry_after_counts_whole_seconds(void **state)
{
    (void)state;
    ratelimit_t *rl = rl_new(0.25, 1, 64);
    int retry = 0;
    assert_true(rl_allow(rl, "k", 0.0, &retry));
    assert_false(rl_allow(rl, "k", 0.0, &retry));
    assert_int_equal(retry, 4);
    assert_false(rl_allow(rl, "k", 3.0, &retry));
    assert_int_equal(retry, 1);
    assert_true(rl_allow(rl, "k", 4.0, &retry));
    rl_free(rl);
}

static void test_ratelimit_keys_are_independent(void **state)
{
    (void)state;
    ratelimit_t *rl = rl_new(1, 2, 1024);
    assert_true(rl_allow(rl, "u:alice", 0, NULL));
    assert_true(rl_allow(rl, "u:alice", 0, NULL));
    assert_false(rl_allow(rl, "u:alice", 0, NULL));
    assert_true(rl_allow(rl, "u:bob", 0, NULL));
    assert_true(rl_allow(rl, "ip:127.0.0.1", 0, NULL));
    rl_free(rl);
}

static void test_ratelimit_zero_disables(void **state)
{
    (void)state;
    ratelimit_t *off[] = {rl_new(0, 100, 64), rl_new(50, 0, 64)};
    for (int k = 0; k < 2; k++) {
        assert_non_null(off[k]);
        assert_true(rl_disabled(off[k]));
        for (int i = 0; i < 10000; i++)
            assert_true(rl_allow(off[k], "k", 0, NULL));
        rl_free(off[k]);
    }
}

static void test_ratelimit_memory_is_bounded(void **state)
{
    (void)state;
    ratelimit_t *rl = rl_new(1, 3, 64);
    size_t cap = rl_capacity(rl);
    assert_true(cap >= 64 && cap < 128);
    char key[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "ip:10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        assert_true(rl_allow(rl, key, i * 0.001, NULL));
    }
    assert_true(rl_used(rl) <= cap);
    rl_free(rl);
}

/* A crowded table drops a bucket that has refilled (nothing is lost) before the one
 * seen least recently. With 8 slots there is a single set. */
static void test_ratelimit_evicts_refilled_buckets_first(void **state)
{
    (void)state;
    ratelimit_t *rl = rl_new(1, 2, 8);
    assert_int_equal(rl_capacity(rl), 8);
    /* A is drained first, so it is the least recently seen. */
    assert_true(rl_allow(rl, "A", 0.0, NULL));
    assert_true(rl_allow(rl, "A", 0.0, NULL));
    char key[8];
    for (int i = 0; i < 7; i++) {
        snprintf(key, sizeof key, "B%d", i);
        assert_true(rl_allow(rl, key, 0.1 + 0.1 * i, NULL));
    }
    assert_int_equal(rl_used(rl), 8);
    /* At 1.5 s B0 has refilled to 2; A has only 1.5 tokens. */
    assert_true(rl_allow(rl, "newcomer", 1.5, NULL));
    assert_int_equal(rl_used(rl), 8);
    assert_true(rl_allow(rl, "A", 1.5, NULL));
    assert_false(rl_allow(rl, "A", 1.5, NULL)); /* A kept its bucket: no fresh burst */
    rl_free(rl);
}

static void test_ratelimit_clock_going_back_mints_nothing(void **state)
{
    (void)state;
    ratelimit_t *rl = rl_new(1, 1, 64);
    assert_true(rl_allow(rl, "k", 10.0, NULL));
    assert_false(rl_allow(rl, "k", 5.0, NULL));
    assert_false(rl_allow(rl, "k", 10.5, NULL));
    assert_true(rl_allow(rl, "k", 11.0, NULL));
    rl_free(rl);
}

typedef struct race {
    ratelimit_t *rl;
    int allowed;
} race_t;

static void *racer(void *arg)
{
    race_t *r = arg;
    for (int i = 0; i < 2000; i++)
        r->allowed += rl_allow(r->rl, "u:same", 42.0, NULL);
    return NULL;
}

static void test_ratelimit_exact_under_concurrency(void **state)
{
    (void)state;
    ratelimit_t *rl = rl_new(10, 100, 1024);
    pthread_t threads[8];
    race_t races[8];
    for (int i = 0; i < 8; i++) {
        races[i] = (race_t){.rl = rl};
        assert_int_equal(pthread_create(&threads[i], NULL, racer, &races[i]), 0);
    }
    int total = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(threads[i], NULL);
        total += races[i].allowed;
    }
    assert_int_equal(total, 100);
    rl_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ratelimit_burst_then_refusal_then_refill),
        cmocka_unit_test(test_ratelimit_retry_after_counts_whole_seconds),
        cmocka_unit_test(test_ratelimit_keys_are_independent),
        cmocka_unit_test(test_ratelimit_zero_disables),
        cmocka_unit_test(test_ratelimit_memory_is_bounded),
        cmocka_unit_test(test_ratelimit_evicts_refilled_buckets_first),
        cmocka_unit_test(test_ratelimit_clock_going_back_mints_nothing),
        cmocka_unit_test(test_ratelimit_exact_under_concurrency),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
