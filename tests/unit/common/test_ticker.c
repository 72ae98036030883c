/* test_ticker.c - the periodic thread: first round timing, "again at once", wake, stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "common/ticker.h"

typedef struct counter {
    atomic_int ticks;
    atomic_int exits;
    int again; /* how many ticks ask to go again at once */
} counter_t;

static bool count_tick(void *arg)
{
    counter_t *c = arg;
    int n = atomic_fetch_add(&c->ticks, 1) + 1;
    return n <= c->again;
}

static void count_exit(void *arg)
{
    counter_t *c = arg;
    atomic_fetch_add(&c->exits, 1);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits up to 2 s for the counter to reach n; true when it did. */
static bool wait_for_ticks(counter_t *c, int n)
{
    for (int i = 0; i < 200 && atomic_load(&c->ticks) < n; i++)
        sleep_ms(10);
    return atomic_load(&c->ticks) >= n;
}

static void test_ticker_runs_at_start_when_asked(void **state)
{
    (void)state;
    counter_t c = {0};
    ticker_def_t def = {.interval_ms = 60000,
                        .run_at_start = true,
                        .tick = count_tick,
                        .at_exit = count_exit,
                        .arg = &c};
    ticker_t *t = NULL;
    assert_int_equal(ticker_start(&def, &t), 0);
    assert_true(wait_for_ticks(&c, 1));
    ticker_stop(t);
    assert_int_equal(atomic_load(&c.ticks), 1);
    assert_int_equal(atomic_load(&c.exits), 1);
}

static void test_ticker_waits_an_interval_first(void **state)
{
    (void)state;
    counter_t c = {0};
    ticker_def_t def = {.interval_ms = 60000, .tick = count_tick, .at_exit = count_exit, .arg = &c};
    ticker_t *t = NULL;
    assert_int_equal(ticker_start(&def, &t), 0);
    sleep_ms(50);
    ticker_stop(t); /* a stop ends the first wait without a tick */
    assert_int_equal(atomic_load(&c.ticks), 0);
    assert_int_equal(atomic_load(&c.exits), 1);
}

static void test_ticker_goes_again_at_once_while_tick_says_so(void **state)
{
    (void)state;
    counter_t c = {.again = 4};
    ticker_def_t def = {.interval_ms = 60000, .run_at_start = true, .tick = count_tick, .arg = &c};
    ticker_t *t = NULL;
    assert_int_equal(ticker_start(&def, &t), 0);
    assert_true(wait_for_ticks(&c, 5)); /* four "again" and the one that said "wait" */
    sleep_ms(50);
    ticker_stop(t);
    assert_int_equal(atomic_load(&c.ticks), 5);
}

static void test_ticker_wake_starts_a_round_now(void **state)
{
    (void)state;
    counter_t c = {0};
    ticker_def_t def = {.interval_ms = 60000, .tick = count_tick, .arg = &c};
    ticker_t *t = NULL;
    assert_int_equal(ticker_start(&def, &t), 0);
    ticker_wake(t);
    assert_true(wait_for_ticks(&c, 1));
    ticker_stop(t);
    assert_int_equal(atomic_load(&c.ticks), 1);
}

static void test_ticker_ticks_every_interval(void **state)
{
    (void)state;
    counter_t c = {0};
    ticker_def_t def = {.interval_ms = 5, .tick = count_tick, .arg = &c};
    ticker_t *t = NULL;
    assert_int_equal(ticker_start(&def, &t), 0);
    assert_true(wait_for_ticks(&c, 3));
    ticker_stop(t);
}

static void test_ticker_null_is_a_no_op(void **state)
{
    (void)state;
    ticker_wake(NULL);
    ticker_stop(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ticker_runs_at_start_when_asked),
        cmocka_unit_test(test_ticker_waits_an_interval_first),
        cmocka_unit_test(test_ticker_goes_again_at_once_while_tick_says_so),
        cmocka_unit_test(test_ticker_wake_starts_a_round_now),
        cmocka_unit_test(test_ticker_ticks_every_interval),
        cmocka_unit_test(test_ticker_null_is_a_no_op),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
