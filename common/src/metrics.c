/* metrics.c - Prometheus text metrics for HTTP requests.
 *
 * Two fixed tables under one mutex: request counters keyed by (method, route, status)
 * and latency histograms keyed by route. Routes are patterns from static tables (or
 * "unmatched") and methods are folded into a fixed set, so the tables stay small;
 * should they ever fill, further new series are dropped rather than grown.
 */
#include "common/metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COUNTERS 1024
#define MAX_ROUTES   256
#define ROUTE_LEN    128
#define METHOD_LEN   8

static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                 0.05,   0.1,   0.25,   0.5,   1,    2.5};
static const char *const bucket_labels[] = {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
                                            "0.05",   "0.1",   "0.25",   "0.5",   "1",    "2.5"};
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

struct counter {
    char method[METHOD_LEN];
    char route[ROUTE_LEN];
    int status;
    uint64_t count;
};

struct histogram {
    char route[ROUTE_LEN];
    uint64_t bucket[NBUCKETS + 1]; /* per bucket, not cumulative; the last is +Inf */
    uint64_t count;
    double sum;
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct counter g_counters[MAX_COUNTERS];
static size_t g_ncounters;
static struct histogram g_hists[MAX_ROUTES];
static size_t g_nhists;

/* Clients choose the method, so anything outside the standard set is one label value. */
static const char *fold_method(const char *method)
{
    static const char *const known[] = {"GET",    "HEAD",    "POST",  "PUT",
                                        "DELETE", "OPTIONS", "PATCH", "TRACE"};
    for (size_t i = 0; method != NULL && i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(method, known[i]) == 0)
            return known[i];
    return "OTHER";
}

void metrics_observe(const char *method, const char *route, int status, double seconds)
{
    const char *m = fold_method(method);
    if (route == NULL)
        route = "unmatched";
    if (status < 100 || status > 599)
        status = 0;
    if (!(seconds >= 0))
        seconds = 0;

    pthread_mutex_lock(&g_lock);
    struct counter *c = NULL;
    for (size_t i = 0; i < g_ncounters; i++) {
        struct counter *e = &g_counters[i];
        if (e->status == status && strcmp(e->method, m) == 0 &&
            strncmp(e->route, route, ROUTE_LEN - 1) == 0) {
            c = e;
            break;
        }
    }
    if (c == NULL && g_ncounters < MAX_COUNTERS) {
        c = &g_counters[g_ncounters++];
        snprintf(c->method, sizeof(c->method), "%s", m);
        snprintf(c->route, sizeof(c->route), "%s", route);
        c->status = status;
        c->count = 0;
    }
    if (c != NULL)
        c->count++;

    struct histogram *h = NULL;
    for (size_t i = 0; i < g_nhists; i++) {
        if (strncmp(g_hists[i].route, route, ROUTE_LEN - 1) == 0) {
            h = &g_hists[i];
            break;
        }
    }
    if (h == NULL && g_nhists < MAX_ROUTES) {
        h = &g_hists[g_nhists++];
        memset(h, 0, sizeof(*h));
        snprintf(h->route, sizeof(h->route), "%s", route);
    }
    if (h != NULL) {
        size_t b = 0;
        while (b < NBUCKETS && seconds > buckets[b])
            b++;
        h->bucket[b]++;
        h->count++;
        h->sum += seconds;
    }
    pthread_mutex_unlock(&g_lock);
}

void metrics_append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t need = *len + (size_t)n + 1;
    if (*buf == NULL || need > *cap) {
        size_t ncap = *cap ? *cap : 4096;
        while (ncap < need)
            ncap *= 2;
        char *nbuf = realloc(*buf, ncap);
        if (nbuf == NULL)
            return; /* the page comes out short rather than not at all */
        *buf = nbuf;
        *cap = ncap;
    }
    va_start(ap, fmt);
    vsnprintf(*buf + *len, *cap - *len, fmt, ap);
    va_end(ap);
    *len += (size_t)n;
}

/* Escapes a label value as the exposition format requires (\\, \" and \n). */
static void escape_label(char *out, size_t outlen, const char *in)
{
    size_t j = 0;
    for (size_t i = 0; in[i] != '\0' && j + 3 < outlen; i++) {
        char c = in[i];
        if (c == '\\' || c == '"') {
            out[j++] = '\\';
            out[j++] = c;
        } else if (c == '\n') {
            out[j++] = '\\';
            out[j++] = 'n';
        } else {
            out[j++] = c;
        }
    }
    out[j] = '\0';
}

char *metrics_render(const char *service, size_t *len)
{
    char *buf = NULL;
    size_t n = 0, cap = 0;
    char svc[2 * 64 + 1], route[2 * ROUTE_LEN + 1];
    escape_label(svc, sizeof(svc), service ? service : "");

    metrics_append(&buf, &n, &cap,
                   "# HELP store_http_requests_total HTTP requests served, by method, route "
                   "and status.\n# TYPE store_http_requests_total counter\n");
    pthread_mutex_lock(&g_lock);
    for (size_t i = 0; i < g_ncounters; i++) {
        const struct counter *c = &g_counters[i];
        escape_label(route, sizeof(route), c->route);
        metrics_append(&buf, &n, &cap,
                       "store_http_requests_total{service=\"%s\",method=\"%s\",route=\"%s\","
                       "status=\"%d\"} %llu\n",
                       svc, c->method, route, c->status, (unsigned long long)c->count);
    }
    metrics_append(&buf, &n, &cap,
                   "# HELP store_http_request_duration_seconds Time to answer an HTTP request, "
                   "by route.\n# TYPE store_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < g_nhists; i++) {
        const struct histogram *h = &g_hists[i];
        uint64_t cumulative = 0;
        escape_label(route, sizeof(route), h->route);
        for (size_t b = 0; b < NBUCKETS; b++) {
            cumulative += h->bucket[b];
            metrics_append(&buf, &n, &cap,
                           "store_http_request_duration_seconds_bucket{service=\"%s\",route="
                           "\"%s\",le=\"%s\"} %llu\n",
                           svc, route, bucket_labels[b], (unsigned long long)cumulative);
        }
        metrics_append(&buf, &n, &cap,
                       "store_http_request_duration_seconds_bucket{service=\"%s\",route=\"%s\","
                       "le=\"+Inf\"} %llu\n"
                       "store_http_request_duration_seconds_sum{service=\"%s\",route=\"%s\"} %.9g\n"
                       "store_http_request_duration_seconds_count{service=\"%s\",route=\"%s\"} "
                       "%llu\n",
                       svc, route, (unsigned long long)h->count, svc, route, h->sum, svc, route,
                       (unsigned long long)h->count);
    }
    pthread_mutex_unlock(&g_lock);
    if (buf == NULL) {
        buf = calloc(1, 1);
        n = 0;
    }
    if (len != NULL)
        *len = n;
    return buf;
}

void metrics_reset(void)
{
    pthread_mutex_lock(&g_lock);
    g_ncounters = 0;
    g_nhists = 0;
    pthread_mutex_unlock(&g_lock);
}
