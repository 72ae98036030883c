/* log.c - structured JSON logs on stdout, one object per line.
 *
 * A line is built whole in a buffer and handed to stdio in one locked write, so
 * lines from different threads never interleave. Strings are escaped here
 * rather than through cJSON so that invalid UTF-8 (a client's path, say)
 * becomes U+FFFD instead of making the line unparseable.
 */
#include "common/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/text.h"

#define REQUEST_ID_MAX 128

static char g_service[64] = "unknown";
static enum log_level g_min_level = LOG_INFO;
static pthread_once_t g_level_once = PTHREAD_ONCE_INIT;

static _Thread_local char tl_request_id[REQUEST_ID_MAX + 1];
static _Thread_local bool tl_has_request_id;

static void read_level(void)
{
    const char *v = getenv("LOG_LEVEL");
    if (v == NULL)
        g_min_level = LOG_INFO;
    else if (strcasecmp(v, "debug") == 0)
        g_min_level = LOG_DEBUG;
    else if (strcasecmp(v, "warn") == 0 || strcasecmp(v, "warning") == 0)
        g_min_level = LOG_WARN;
    else if (strcasecmp(v, "error") == 0)
        g_min_level = LOG_ERROR;
    else
        g_min_level = LOG_INFO;
}

void log_init(const char *service)
{
    if (service != NULL)
        snprintf(g_service, sizeof(g_service), "%s", service);
    pthread_once(&g_level_once, read_level);
}

void log_set_request_id(const char *request_id)
{
    if (request_id == NULL) {
        tl_has_request_id = false;
        tl_request_id[0] = '\0';
        return;
    }
    snprintf(tl_request_id, sizeof(tl_request_id), "%s", request_id);
    tl_has_request_id = true;
}

const char *log_request_id(void)
{
    return tl_has_request_id ? tl_request_id : NULL;
}

/* Appends s as a quoted JSON string. */
static void line_str(strbuf_t *l, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    strbuf_add(l, "\"", 1);
    size_t i = 0;
    while (i < n) {
        /* Plain printable ASCII, nearly all of every line, is copied a run at a time:
         * one append per run rather than per byte (the access log runs per request). */
        size_t run = i;
        while (run < n && u[run] >= 0x20 && u[run] < 0x7f && u[run] != '"' && u[run] != '\\')
            run++;
        if (run > i) {
            strbuf_add(l, s + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = u[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            strbuf_add(l, esc, 2);
            i++;
        } else if (c == '\n') {
            strbuf_add(l, "\\n", 2);
            i++;
        } else if (c == '\r') {
            strbuf_add(l, "\\r", 2);
            i++;
        } else if (c == '\t') {
            strbuf_add(l, "\\t", 2);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
            strbuf_add(l, esc, 6);
            i++;
        } else {
            size_t k = utf8_seq(u + i, n - i);
            if (k == 0) {
                strbuf_add(l, "\\ufffd", 6);
                i++;
            } else {
                strbuf_add(l, s + i, k);
                i += k;
            }
        }
    }
    strbuf_add(l, "\"", 1);
}

static const char *level_name(enum log_level level)
{
    switch (level) {
    case LOG_DEBUG:
        return "debug";
    case LOG_INFO:
        return "info";
    case LOG_WARN:
        return "warn";
    default:
        return "error";
    }
}

/* Starts a line with the fields every line has: ts, level, service, request_id. */
static void line_begin(strbuf_t *l, char *storage, size_t cap, enum log_level level)
{
    struct timespec ts;
    struct tm tm;
    char tbuf[64];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(tbuf + n, sizeof(tbuf) - n, ".%03ldZ", ts.tv_nsec / 1000000);

    strbuf_init(l, storage, cap);
    strbuf_str(l, "{\"ts\":\"");
    strbuf_str(l, tbuf);
    strbuf_str(l, "\",\"level\":\"");
    strbuf_str(l, level_name(level));
    strbuf_str(l, "\",\"service\":");
    line_str(l, g_service);
    if (tl_has_request_id) {
        strbuf_str(l, ",\"request_id\":");
        line_str(l, tl_request_id);
    }
}

static void line_end(strbuf_t *l)
{
    strbuf_add(l, "}\n", 2);
    if (!l->failed) {
        /* One locked write and a flush per line: whole lines, promptly, even to a file. */
        flockfile(stdout);
        fwrite_unlocked(l->p, 1, l->len, stdout);
        fflush_unlocked(stdout);
        funlockfile(stdout);
    }
    strbuf_free(l);
}

static bool enabled(enum log_level level)
{
    pthread_once(&g_level_once, read_level);
    return level >= g_min_level;
}

void log_emit(enum log_level level, const char *fmt, ...)
{
    if (!enabled(level))
        return;
    char small[512];
    char *big = NULL;
    const char *msg = small;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        msg = "(log format error)";
    } else if ((size_t)n >= sizeof(small)) {
        /* Too long for the stack: format again into the heap, or log it truncated. */
        big = malloc((size_t)n + 1);
        if (big != NULL) {
            va_start(ap, fmt);
            vsnprintf(big, (size_t)n + 1, fmt, ap);
            va_end(ap);
            msg = big;
        }
    }

    char storage[1024];
    strbuf_t l;
    line_begin(&l, storage, sizeof storage, level);
    strbuf_str(&l, ",\"msg\":");
    line_str(&l, msg);
    line_end(&l);
    free(big);
}

void log_access(const char *method, const char *path, const char *route, int status, double seconds)
{
    if (!enabled(LOG_INFO))
        return;
    char num[64];
    char storage[1024];
    strbuf_t l;
    line_begin(&l, storage, sizeof storage, LOG_INFO);
    strbuf_str(&l, ",\"msg\":\"request\",\"method\":");
    line_str(&l, method ? method : "");
    strbuf_str(&l, ",\"path\":");
    line_str(&l, path ? path : "");
    strbuf_str(&l, ",\"route\":");
    if (route != NULL)
        line_str(&l, route);
    else
        strbuf_str(&l, "null");
    snprintf(num, sizeof(num), ",\"status\":%d,\"duration_ms\":%.3f", status, seconds * 1000.0);
    strbuf_str(&l, num);
    line_end(&l);
}
