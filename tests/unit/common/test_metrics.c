/* test_metrics.c - request counters and latency histograms in Prometheus text format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "common/metrics.h"

static int reset(void **state)
{
    (void)state;
    metrics_reset();
    return 0;
}

/* True when the rendered page has line as one of its lines. */
static bool has_line(const char *page, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = page; (p = strstr(p, line)) != NULL; p++)
        if ((p == page || p[-1] == '\n') && p[n] == '\n')
            return true;
    return false;
}

static void test_metrics_counts_by_method_route_status(void **state)
{
    (void)state;
    metrics_observe("GET", "/products/:id", 200, 0.002);
    metrics_observe("GET", "/products/:id", 200, 0.003);
    metrics_observe("GET", "/products/:id", 404, 0.001);
    size_t len = 0;
    char *page = metrics_render("catalog", &len);
    assert_int_equal(strlen(page), len);
    assert_true(has_line(page, "store_http_requests_total{service=\"catalog\",method=\"GET\","
                               "route=\"/products/:id\",status=\"200\"} 2"));
    assert_true(has_line(page, "store_http_requests_total{service=\"catalog\",method=\"GET\","
                               "route=\"/products/:id\",status=\"404\"} 1"));
    free(page);
}

static void test_metrics_histogram_buckets_are_cumulative(void **state)
{
    (void)state;
    metrics_observe("POST", "/orders", 201, 0.0004); /* le 0.0005 */
    metrics_observe("POST", "/orders", 201, 0.02);   /* le 0.025 */
    metrics_observe("POST", "/orders", 201, 3.0);    /* only +Inf */
    char *page = metrics_render("order", NULL);
    const char *prefix = "store_http_request_duration_seconds_bucket{service=\"order\","
                         "route=\"/orders\",le=";
    char line[256];
    snprintf(line, sizeof(line), "%s\"0.0005\"} 1", prefix);
    assert_true(has_line(page, line));
    snprintf(line, sizeof(line), "%s\"0.01\"} 1", prefix);
    assert_true(has_line(page, line));
    snprintf(line, sizeof(line), "%s\"0.025\"} 2", prefix);
    assert_true(has_line(page, line));
    snprintf(line, sizeof(line), "%s\"2.5\"} 2", prefix);
    assert_true(has_line(page, line));
    snprintf(line, sizeof(line), "%s\"+Inf\"} 3", prefix);
    assert_true(has_line(page, line));
    assert_true(has_line(
        page, "store_http_request_duration_seconds_count{service=\"order\",route=\"/orders\"} 3"));
    free(page);
}

static void test_metrics_histogram_sum_adds_latencies(void **state)
{
    (void)state;
    metrics_observe("GET", "/a", 200, 0.25);
    metrics_observe("GET", "/a", 200, 0.5);
    char *page = metrics_render("svc", NULL);
    assert_true(has_line(
        page, "store_http_request_duration_seconds_sum{service=\"svc\",route=\"/a\"} 0.75"));
    free(page);
}

static void test_metrics_has_type_lines(void **state)
{
    (void)state;
    char *page = metrics_render("svc", NULL);
    assert_true(has_line(page, "# TYPE store_http_requests_total counter"));
    assert_true(has_line(page, "# TYPE store_http_request_duration_seconds histogram"));
    free(page);
}

static void test_metrics_unknown_method_is_folded(void **state)
{
    (void)state;
    metrics_observe("BREW", "unmatched", 405, 0.001);
    char *page = metrics_render("svc", NULL);
    assert_true(has_line(page, "store_http_requests_total{service=\"svc\",method=\"OTHER\","
                               "route=\"unmatched\",status=\"405\"} 1"));
    assert_null(strstr(page, "BREW"));
    free(page);
}

static void test_metrics_null_route_is_unmatched(void **state)
{
    (void)state;
    metrics_observe("GET", NULL, 404, 0.001);
    char *page = metrics_render("svc", NULL);
    assert_true(has_line(page, "store_http_requests_total{service=\"svc\",method=\"GET\","
                               "route=\"unmatched\",status=\"404\"} 1"));
    free(page);
}

static void test_metrics_reset_clears_series(void **state)
{
    (void)state;
    metrics_observe("GET", "/x", 200, 0.001);
    metrics_reset();
    char *page = metrics_render("svc", NULL);
    assert_null(strstr(page, "route=\"/x\""));
    free(page);
}

static void test_metrics_label_values_are_escaped(void **state)
{
    (void)state;
    metrics_observe("GET", "/q\"x\\", 200, 0.001);
    char *page = metrics_render("svc", NULL);
    assert_non_null(strstr(page, "route=\"/q\\\"x\\\\\""));
    free(page);
}

static void test_metrics_append_grows_buffer(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (int i = 0; i < 1000; i++)
        metrics_append(&buf, &len, &cap, "store_outbox_backlog{service=\"%s\"} %d\n", "x", i);
    assert_non_null(buf);
    assert_true(cap > len);
    assert_int_equal(strlen(buf), len);
    assert_true(has_line(buf, "store_outbox_backlog{service=\"x\"} 999"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_metrics_counts_by_method_route_status, reset),
        cmocka_unit_test_setup(test_metrics_histogram_buckets_are_cumulative, reset),
        cmocka_unit_test_setup(test_metrics_histogram_sum_adds_latencies, reset),
        cmocka_unit_test_setup(test_metrics_has_type_lines, reset),
        cmocka_unit_test_setup(test_metrics_unknown_method_is_folded, reset),
        cmocka_unit_test_setup(test_metrics_null_route_is_unmatched, reset),
        cmocka_unit_test_setup(test_metrics_reset_clears_series, reset),
        cmocka_unit_test_setup(test_metrics_label_values_are_escaped, reset),
        cmocka_unit_test_setup(test_metrics_append_grows_buffer, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
