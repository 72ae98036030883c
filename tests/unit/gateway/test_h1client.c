/* test_h1client.c - h1client.c against real sockets: small upstreams on 127.0.0.1
 * ephemeral ports, each served by one thread of this test, answer with scripted bytes and
 * count what they accept and read. The client is driven through h1client.h only.
 *
 * Readiness never rests on a sleep: an upstream listens before its thread starts, so a
 * connect made afterwards always lands in its backlog; where a test needs the upstream to
 * have closed a connection, it waits on the upstream's count of closed connections.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "h1client.h"

/* ---- a growable byte buffer ------------------------------------------------------------ */

typedef struct buf {
    char *data;
    size_t len, cap;
} buf_t;

static int buf_add(buf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (p == NULL)
            return -1;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

static void buf_free(buf_t *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* ---- the upstream ---------------------------------------------------------------------- */

/* What the upstream does with its nth request, counted over all its connections (the
 * last entry repeats). */
typedef struct reply {
    const char *bytes; /* sent as is; NULL: close the connection without answering */
    size_t len;        /* 0: strlen(bytes) */
    bool close_after;  /* close the connection once the answer is written */
    bool silent;       /* never answer: wait for the client to give up */
} reply_t;

typedef struct upstream {
    int lfd;
    int stop[2]; /* a byte on stop[1] ends the thread */
    pthread_t thread;
    char origin[64];
    const reply_t *replies;
    size_t n_replies;

    pthread_mutex_t mu;
    pthread_cond_t cond;
    int accepts;  /* connections accepted */
    int closed;   /* connections it has closed (or seen closed) */
    int requests; /* complete requests read */
    buf_t heads;  /* every request head, one after the other */
    buf_t body;   /* the body of the last request */
} upstream_t;

/* The mutex calls cannot fail on a valid, unowned mutex; if one does, nothing the test
 * says afterwards can be trusted (and cmocka's asserts belong to the main thread). */
static void lock(upstream_t *u)
{
    if (pthread_mutex_lock(&u->mu) != 0)
        abort();
}

static void unlock(upstream_t *u)
{
    if (pthread_mutex_unlock(&u->mu) != 0)
        abort();
}

/* Waits until fd is readable: 1, or 0 when the test stops the upstream, -1 on error. */
static int upstream_wait(upstream_t *u, int fd)
{
    for (;;) {
        struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = u->stop[0], .events = POLLIN}};
        int n = poll(p, 2, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (p[1].revents != 0)
            return 0;
        return 1;
    }
}

static bool send_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false; /* the client went away: that is some tests' point */
        s += w;
        n -= (size_t)w;
    }
    return true;
}

/* The value of Content-Length in a request head, 0 when there is none. */
static size_t content_length(const char *head, size_t n)
{
    for (const char *line = head; line < head + n;) {
        const char *nl = memchr(line, '\n', (size_t)(head + n - line));
        if (nl == NULL)
            break;
        if (strncasecmp(line, "Content-Length:", 15) == 0)
            return (size_t)strtoull(line + 15, NULL, 10);
        line = nl + 1;
    }
    return 0;
}

/* Serves one connection until the client closes it, a reply says to close, or the test
 * stops the upstream. */
static void upstream_serve(upstream_t *u, int fd)
{
    buf_t in = {0};
    char chunk[16384];
    for (;;) {
        /* One request: its head up to the blank line, then Content-Length bytes. */
        const char *end = NULL;
        size_t head_len = 0, need = 0;
        for (;;) {
            if (in.len > 0 && (end = strstr(in.data, "\r\n\r\n")) != NULL) {
                head_len = (size_t)(end - in.data) + 4;
                need = head_len + content_length(in.data, head_len);
                if (in.len >= need)
                    break;
            }
            if (upstream_wait(u, fd) != 1)
                goto out;
            ssize_t n = recv(fd, chunk, sizeof chunk, 0);
            if (n <= 0 || buf_add(&in, chunk, (size_t)n) != 0)
                goto out;
        }
        lock(u);
        size_t nth = (size_t)u->requests++;
        u->body.len = 0;
        int ok = buf_add(&u->heads, in.data, head_len) == 0 &&
                 buf_add(&u->body, in.data + head_len, need - head_len) == 0;
        unlock(u);
        if (!ok)
            goto out;
        memmove(in.data, in.data + need, in.len - need);
        in.len -= need;
        in.data[in.len] = '\0';

        const reply_t *r = &u->replies[nth < u->n_replies ? nth : u->n_replies - 1];
        if (r->silent) {
            /* Read on until the client gives up and closes, or the test ends. */
            while (upstream_wait(u, fd) == 1 && recv(fd, chunk, sizeof chunk, 0) > 0)
                ;
            goto out;
        }
        if (r->bytes == NULL)
            goto out;
        if (!send_all(fd, r->bytes, r->len ? r->len : strlen(r->bytes)) || r->close_after)
            goto out;
    }
out:
    buf_free(&in);
}

static void *upstream_main(void *arg)
{
    upstream_t *u = arg;
    while (upstream_wait(u, u->lfd) == 1) {
        int fd = accept(u->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        lock(u);
        u->accepts++;
        unlock(u);
        upstream_serve(u, fd);
        if (close(fd) != 0)
            abort();
        lock(u);
        u->closed++;
        if (pthread_cond_broadcast(&u->cond) != 0)
            abort();
        unlock(u);
    }
    return NULL;
}

/* A listening socket on 127.0.0.1 and an ephemeral port; *port is that port. */
static int listen_local(int *port, bool do_listen)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    if (do_listen)
        assert_int_equal(listen(fd, 16), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* Starts an upstream answering with replies[] (kept by the caller until upstream_stop). */
static upstream_t *upstream_start(const reply_t *replies, size_t n_replies)
{
    upstream_t *u = calloc(1, sizeof *u);
    assert_non_null(u);
    u->replies = replies;
    u->n_replies = n_replies;
    int port = 0;
    u->lfd = listen_local(&port, true);
    assert_int_equal(pipe(u->stop), 0);
    snprintf(u->origin, sizeof u->origin, "http://127.0.0.1:%d", port);
    assert_int_equal(pthread_mutex_init(&u->mu, NULL), 0);
    assert_int_equal(pthread_cond_init(&u->cond, NULL), 0);
    assert_int_equal(pthread_create(&u->thread, NULL, upstream_main, u), 0);
    return u;
}

static void upstream_stop(upstream_t *u)
{
    /* The client's idle connections first, so nothing of this test outlives it. */
    h1c_thread_cleanup();
    assert_int_equal(write(u->stop[1], "x", 1), 1);
    assert_int_equal(pthread_join(u->thread, NULL), 0);
    assert_int_equal(close(u->lfd), 0);
    assert_int_equal(close(u->stop[0]), 0);
    assert_int_equal(close(u->stop[1]), 0);
    assert_int_equal(pthread_mutex_destroy(&u->mu), 0);
    assert_int_equal(pthread_cond_destroy(&u->cond), 0);
    buf_free(&u->heads);
    buf_free(&u->body);
    free(u);
}

/* Waits until the upstream has closed (or seen closed) n connections. */
static void upstream_wait_closed(upstream_t *u, int n)
{
    lock(u);
    while (u->closed < n)
        if (pthread_cond_wait(&u->cond, &u->mu) != 0)
            abort();
    unlock(u);
}

/* Asserts how many connections the upstream accepted and how many requests it read. */
static void assert_counts(upstream_t *u, int accepts, int requests)
{
    lock(u);
    int seen_accepts = u->accepts, seen_requests = u->requests;
    unlock(u);
    assert_int_equal(seen_accepts, accepts);
    assert_int_equal(seen_requests, requests);
}

/* Copies what the upstream read (every request head, the last body) into the caller's
 * buffers, so that the test asserts on them without holding the upstream's lock. */
static void upstream_seen(upstream_t *u, buf_t *heads, buf_t *body)
{
    lock(u);
    int rc = buf_add(heads, u->heads.data, u->heads.len);
    if (rc == 0 && body != NULL)
        rc = buf_add(body, u->body.data, u->body.len);
    unlock(u);
    assert_int_equal(rc, 0);
    assert_non_null(heads->data);
}

/* ---- the client side ------------------------------------------------------------------ */

/* What the sink saw: every head line ending in "\n", the body, and where to stop. */
typedef struct answer {
    buf_t lines;
    buf_t body;
    bool oom;
} answer_t;

static int on_line(void *arg, const char *line, size_t n)
{
    answer_t *a = arg;
    a->oom |= buf_add(&a->lines, line, n) != 0 || buf_add(&a->lines, "\n", 1) != 0;
    return a->oom ? -1 : 0;
}

static int on_body(void *arg, const char *data, size_t n)
{
    answer_t *a = arg;
    a->oom |= buf_add(&a->body, data, n) != 0;
    return a->oom ? -1 : 0;
}

static void answer_free(answer_t *a)
{
    buf_free(&a->lines);
    buf_free(&a->body);
}

static long long now_ms(void)
{
    struct timespec ts;
    assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define TIMEOUT_MS 5000

/* One request; a (emptied first) gets the answer, *status its status. */
static enum h1c_result send_req(const char *origin, const char *method, const char *body,
                                size_t body_len, long timeout_ms, answer_t *a, int *status)
{
    static const char *const headers[] = {"X-Request-Id: t-1", "X-Dropped:", NULL};
    answer_free(a);
    a->oom = false;
    h1c_request_t req = {
        .origin = origin,
        .method = method,
        .target = "/v1/things?x=1",
        .headers = headers,
        .body = body,
        .body_len = body_len,
        .send_body = body != NULL,
        .head = strcmp(method, "HEAD") == 0,
        .timeout_ms = timeout_ms,
    };
    h1c_sink_t sink = {.on_line = on_line, .on_body = on_body, .arg = a};
    *status = 0;
    enum h1c_result rc = h1c_send(&req, &sink, status);
    assert_false(a->oom);
    return rc;
}

static enum h1c_result get(upstream_t *u, answer_t *a, int *status)
{
    return send_req(u->origin, "GET", NULL, 0, TIMEOUT_MS, a, status);
}

/* ---- the tests ------------------------------------------------------------------------ */

static void test_h1client_content_length_answer_intact(void **state)
{
    (void)state;
    static const reply_t r[] = {{.bytes = "HTTP/1.1 201 Created\r\n"
                                          "Content-Type: application/json\r\n"
                                          "X-Trace: abc\r\n"
                                          "Content-Length: 11\r\n"
                                          "\r\n"
                                          "{\"id\":\"42\"}"}};
    upstream_t *u = upstream_start(r, 1);
    answer_t a = {0};
    int status;
    assert_int_equal(get(u, &a, &status), H1C_OK);
    assert_int_equal(status, 201);
    assert_string_equal(a.lines.data, "HTTP/1.1 201 Created\n"
                                      "Content-Type: application/json\n"
                                      "X-Trace: abc\n"
                                      "Content-Length: 11\n");
    assert_int_equal(a.body.len, 11);
    assert_memory_equal(a.body.data, "{\"id\":\"42\"}", 11);

    /* What the upstream read: the target, Host, the headers passed, "Name:" left out. */
    char want[128];
    snprintf(want, sizeof want, "GET /v1/things?x=1 HTTP/1.1\r\nHost: %s\r\n", u->origin + 7);
    buf_t heads = {0};
    upstream_seen(u, &heads, NULL);
    assert_true(strncmp(heads.data, want, strlen(want)) == 0);
    assert_non_null(strstr(heads.data, "\r\nX-Request-Id: t-1\r\n"));
    assert_non_null(strstr(heads.data, "\r\nAccept: */*\r\n"));
    assert_null(strstr(heads.data, "X-Dropped"));
    assert_null(strstr(heads.data, "Content-Length"));
    buf_free(&heads);
    answer_free(&a);
    upstream_stop(u);
}

static void test_h1client_chunked_answer_intact(void **state)
{
    (void)state;
    static const reply_t r[] = {{.bytes = "HTTP/1.1 200 OK\r\n"
                                          "Transfer-Encoding: chunked\r\n"
                                          "X-Trace: def\r\n"
                                          "\r\n"
                                          "5\r\nhello\r\n"
                                          "1;ext=1\r\n \r\n"
                                          "A\r\n0123456789\r\n"
                                          "0\r\n"
                                          "X-Trailer: t\r\n"
                                          "\r\n"}};
    upstream_t *u = upstream_start(r, 1);
    answer_t a = {0};
    int status;
    assert_int_equal(get(u, &a, &status), H1C_OK);
    assert_int_equal(status, 200);
    assert_string_equal(a.lines.data,
                        "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nX-Trace: def\n");
    assert_int_equal(a.body.len, 16);
    assert_memory_equal(a.body.data, "hello 0123456789", 16);
    /* Framed exactly, so the connection was kept: a second answer comes on it. */
    assert_int_equal(get(u, &a, &status), H1C_OK);
    assert_memory_equal(a.body.data, "hello 0123456789", 16);
    assert_counts(u, 1, 2);
    answer_free(&a);
    upstream_stop(u);
}

static void test_h1client_interim_answer_skipped(void **state)
{
    (void)state;
    static const reply_t r[] = {{.bytes = "HTTP/1.1 100 Continue\r\n\r\n"
                                          "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"}};
    upstream_t *u = upstream_start(r, 1);
    answer_t a = {0};
    int status;
    assert_int_equal(get(u, &a, &status), H1C_OK);
    assert_int_equal(status, 200);
    /* The sink sees the interim head first; a new status line starts over. */
    assert_string_equal(a.lines.data,
                        "HTTP/1.1 100 Continue\nHTTP/1.1 200 OK\nContent-Length: 2\n");
    assert_int_equal(a.body.len, 2);
    answer_free(&a);
    upstream_stop(u);
}

static void test_h1client_two_requests_reuse_one_connection(void **state)
{
    (void)state;
    static const reply_t r[] = {{.bytes = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"}};
    upstream_t *u = upstream_start(r, 1);
    answer_t a = {0};
    int status;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(get(u, &a, &status), H1C_OK);
        assert_int_equal(status, 200);
        assert_memory_equal(a.body.data, "one", 3);
    }
    assert_counts(u, 1, 2);
    answer_free(&a);
    upstream_stop(u);
}

static void test_h1client_connection_close_not_reused(void **state)
{
    (void)state;
    static const reply_t r[] = {
        {.bytes = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx"}};
    upstream_t *u = upstream_start(r, 1);
    answer_t a = {0};
    int status;
    for (int i = 0; i < 2; i++)
        assert_int_equal(get(u, &a, &status), H1C_OK);
    assert_counts(u, 2, 2);
    answer_free(&a);
    upstream_stop(u);
}

static void test_h1client_closed_kept_connection_resent_once(void **state)
{
    (void)state;
    /* The upstream closes every connection after its answer without saying so. */
    static const reply_t r[] = {
        {.bytes = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", .close_after = true}};
    upstream_t *u = upstream_start(r, 1);
    answer_t a = {0};
    int status;
    assert_int_equal(get(u, &a, &status), H1C_OK);
    upstream_wait_closed(u, 1);
    /* The kept connection is dead: the GET goes on a new one, and only there. */
    assert_int_equal(get(u, &a, &status), H1C_OK);
    assert_int_equal(status, 200);
    assert_memory_equal(a.body.data, "ok", 2);
    assert_counts(u, 2, 2);
    answer_free(&a);
    upstream_stop(u);
}

static void test_h1client_resend_happens_only_once(void **state)
{
    (void)state;
    /* The first answer, then connections closed as soon as a request arrives. */
    static const reply_t r[] = {
        {.bytes = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", .close_after = true},
        {.bytes = NULL}};
    upstream_t *u = upstream_start(r, 2);
    answer_t a = {0};
    int status;
    assert_int_equal(get(u, &a, &status), H1C_OK);
    upstream_wait_closed(u, 1);
    /* Reused connection dead, resent on a new one that dies too: an error, no third try. */
    assert_int_equal(get(u, &a, &status), H1C_BROKEN);
    assert_counts(u, 2, 2);
    answer_free(&a);
    upstream_stop(u);
}

static void test_h1client_silent_upstream_times_out(void **state)
{
    (void)state;
    static const reply_t r[] = {{.silent = true}};
    upstream_t *u = upstream_start(r, 1);
    answer_t a = {0};
    int status;
    const long timeout = 200;
    long long start = now_ms();
    assert_int_equal(send_req(u->origin, "GET", NULL, 0, timeout, &a, &status), H1C_TIMEOUT);
    long long took = now_ms() - start;
    /* Bounds, not a timing: it waited, and it did not wait much longer than asked. */
    assert_true(took >= timeout / 2);
    assert_true(took < 5 * timeout);
    assert_int_equal(a.lines.len, 0);
    answer_free(&a);
    upstream_stop(u);
}

static void test_h1client_malformed_status_line_is_broken(void **state)
{
    (void)state;
    static const reply_t r[] = {{.bytes = "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"}};
    upstream_t *u = upstream_start(r, 1);
    answer_t a = {0};
    int status;
    assert_int_equal(get(u, &a, &status), H1C_BROKEN);
    answer_free(&a);
    upstream_stop(u);
}

static void test_h1client_oversized_head_is_broken(void **state)
{
    (void)state;
    /* 80 KiB of header lines and no end to the head. */
    size_t n = 80 * 1024;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memcpy(big, "HTTP/1.1 200 OK\r\n", 17);
    for (size_t i = 17; i < n; i += 16)
        memcpy(big + i, "X-Pad: 12345678\r\n", n - i < 16 ? n - i : 16);
    big[n] = '\0';
    reply_t r[] = {{.bytes = big, .len = n}};
    upstream_t *u = upstream_start(r, 1);
    answer_t a = {0};
    int status;
    assert_int_equal(get(u, &a, &status), H1C_BROKEN);
    answer_free(&a);
    upstream_stop(u);
    free(big);
}

static void test_h1client_large_head_within_limit_ok(void **state)
{
    (void)state;
    /* 40 KiB of header lines: more than the first read buffer, less than the limit. */
    buf_t head = {0};
    assert_int_equal(buf_add(&head, "HTTP/1.1 200 OK\r\n", 17), 0);
    for (int i = 0; i < 2560; i++)
        assert_int_equal(buf_add(&head, "X-Pad: 12345678\r\n", 17), 0);
    assert_int_equal(buf_add(&head, "Content-Length: 4\r\n\r\nbody", 25), 0);
    reply_t r[] = {{.bytes = head.data, .len = head.len}};
    upstream_t *u = upstream_start(r, 1);
    answer_t a = {0};
    int status;
    assert_int_equal(get(u, &a, &status), H1C_OK);
    assert_int_equal(status, 200);
    assert_int_equal(a.body.len, 4);
    assert_memory_equal(a.body.data, "body", 4);
    answer_free(&a);
    upstream_stop(u);
    buf_free(&head);
}

static void test_h1client_bad_chunk_size_is_broken(void **state)
{
    (void)state;
    static const reply_t r[] = {{.bytes = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                          "zz\r\nhello\r\n0\r\n\r\n"}};
    upstream_t *u = upstream_start(r, 1);
    answer_t a = {0};
    int status;
    assert_int_equal(get(u, &a, &status), H1C_BROKEN);
    answer_free(&a);
    upstream_stop(u);
}

static void test_h1client_body_cut_short_is_broken(void **state)
{
    (void)state;
    static const reply_t r[] = {
        {.bytes = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", .close_after = true}};
    upstream_t *u = upstream_start(r, 1);
    answer_t a = {0};
    int status;
    assert_int_equal(get(u, &a, &status), H1C_BROKEN);
    answer_free(&a);
    upstream_stop(u);
}

static void test_h1client_refused_quickly(void **state)
{
    (void)state;
    /* A port bound but not listening: connections to it are refused, and no one else can
     * take it meanwhile. */
    int port = 0;
    int fd = listen_local(&port, false);
    char origin[64];
    snprintf(origin, sizeof origin, "http://127.0.0.1:%d", port);
    answer_t a = {0};
    int status;
    long long start = now_ms();
    assert_int_equal(send_req(origin, "GET", NULL, 0, TIMEOUT_MS, &a, &status), H1C_REFUSED);
    assert_true(now_ms() - start < TIMEOUT_MS / 2);
    answer_free(&a);
    assert_int_equal(close(fd), 0);
    h1c_thread_cleanup();
}

static void test_h1client_invalid_origin(void **state)
{
    (void)state;
    answer_t a = {0};
    int status;
    assert_int_equal(send_req("https://127.0.0.1:1", "GET", NULL, 0, 100, &a, &status),
                     H1C_INVALID);
    assert_int_equal(send_req("http://127.0.0.1:x1", "GET", NULL, 0, 100, &a, &status),
                     H1C_INVALID);
    answer_free(&a);
    h1c_thread_cleanup();
}

static void test_h1client_post_body_byte_exact(void **state)
{
    (void)state;
    static const reply_t r[] = {{.bytes = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"}};
    upstream_t *u = upstream_start(r, 1);
    /* Larger than the socket buffers, so it goes out in parts, with every byte value. */
    size_t n = 3 * 1024 * 1024 + 7;
    char *body = malloc(n);
    assert_non_null(body);
    for (size_t i = 0; i < n; i++)
        body[i] = (char)(i * 31 + (i >> 11));
    answer_t a = {0};
    int status;
    assert_int_equal(send_req(u->origin, "POST", body, n, TIMEOUT_MS, &a, &status), H1C_OK);
    assert_int_equal(status, 200);
    assert_int_equal(a.body.len, 0);
    char cl[64];
    snprintf(cl, sizeof cl, "\r\nContent-Length: %zu\r\n", n);
    buf_t heads = {0}, got = {0};
    upstream_seen(u, &heads, &got);
    assert_true(strncmp(heads.data, "POST /v1/things?x=1 HTTP/1.1\r\n", 30) == 0);
    assert_non_null(strstr(heads.data, cl));
    assert_int_equal(got.len, n);
    assert_memory_equal(got.data, body, n);
    buf_free(&heads);
    buf_free(&got);

    /* An empty POST still says Content-Length: 0. */
    assert_int_equal(send_req(u->origin, "POST", "", 0, TIMEOUT_MS, &a, &status), H1C_OK);
    upstream_seen(u, &heads, &got);
    assert_true(heads.len > 23);
    assert_memory_equal(heads.data + heads.len - 23, "\r\nContent-Length: 0\r\n\r\n", 23);
    assert_int_equal(got.len, 0);
    buf_free(&heads);
    buf_free(&got);
    answer_free(&a);
    upstream_stop(u);
    free(body);
}

static void test_h1client_body_not_sent_without_send_body(void **state)
{
    (void)state;
    static const reply_t r[] = {{.bytes = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"}};
    upstream_t *u = upstream_start(r, 1);
    answer_t a = {0};
    int status;
    /* A body with send_body false is not announced, so it must not be written either:
     * the upstream would read it as the start of the next request. */
    h1c_request_t req = {.origin = u->origin,
                         .method = "GET",
                         .target = "/a",
                         .body = "junk",
                         .body_len = 4,
                         .timeout_ms = TIMEOUT_MS};
    h1c_sink_t sink = {.on_line = on_line, .on_body = on_body, .arg = &a};
    assert_int_equal(h1c_send(&req, &sink, &status), H1C_OK);
    req.target = "/b";
    assert_int_equal(h1c_send(&req, &sink, &status), H1C_OK);
    assert_counts(u, 1, 2);
    buf_t heads = {0};
    upstream_seen(u, &heads, NULL);
    assert_true(strncmp(heads.data, "GET /a HTTP/1.1\r\n", 17) == 0);
    assert_non_null(strstr(heads.data, "\r\n\r\nGET /b HTTP/1.1\r\n"));
    assert_null(strstr(heads.data, "junk"));
    buf_free(&heads);
    answer_free(&a);
    upstream_stop(u);
}

/* An answer that has no body must end at its head, whatever it announces, and leave the
 * connection usable. */
static void no_body_answer(const char *method, const char *reply, int want_status)
{
    reply_t r[] = {{.bytes = reply}};
    upstream_t *u = upstream_start(r, 1);
    answer_t a = {0};
    int status;
    for (int i = 0; i < 2; i++) {
        long long start = now_ms();
        assert_int_equal(send_req(u->origin, method, NULL, 0, TIMEOUT_MS, &a, &status), H1C_OK);
        assert_true(now_ms() - start < TIMEOUT_MS / 2);
        assert_int_equal(status, want_status);
        assert_int_equal(a.body.len, 0);
    }
    assert_counts(u, 1, 2);
    answer_free(&a);
    upstream_stop(u);
}

static void test_h1client_204_without_length_does_not_hang(void **state)
{
    (void)state;
    no_body_answer("DELETE", "HTTP/1.1 204 No Content\r\nX-Trace: 1\r\n\r\n", 204);
}

static void test_h1client_304_with_length_does_not_hang(void **state)
{
    (void)state;
    no_body_answer("GET", "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 50\r\n\r\n",
                   304);
}

static void test_h1client_head_answer_does_not_hang(void **state)
{
    (void)state;
    no_body_answer("HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", 200);
    no_body_answer("HEAD", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 200);
}

static int refuse_body(void *arg, const char *data, size_t n)
{
    (void)arg;
    (void)data;
    (void)n;
    return 1;
}

static void test_h1client_sink_stop_drops_connection(void **state)
{
    (void)state;
    static const reply_t r[] = {{.bytes = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"}};
    upstream_t *u = upstream_start(r, 1);
    answer_t a = {0};
    int status;
    h1c_request_t req = {
        .origin = u->origin, .method = "GET", .target = "/", .timeout_ms = TIMEOUT_MS};
    h1c_sink_t sink = {.on_line = on_line, .on_body = refuse_body, .arg = &a};
    assert_int_equal(h1c_send(&req, &sink, &status), H1C_STOPPED);
    /* The rest of that answer was never read: the next request needs a new connection. */
    assert_int_equal(get(u, &a, &status), H1C_OK);
    assert_memory_equal(a.body.data, "abc", 3);
    assert_counts(u, 2, 2);
    answer_free(&a);
    upstream_stop(u);
}

static int group_teardown(void **state)
{
    (void)state;
    h1c_thread_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h1client_content_length_answer_intact),
        cmocka_unit_test(test_h1client_chunked_answer_intact),
        cmocka_unit_test(test_h1client_interim_answer_skipped),
        cmocka_unit_test(test_h1client_two_requests_reuse_one_connection),
        cmocka_unit_test(test_h1client_connection_close_not_reused),
        cmocka_unit_test(test_h1client_closed_kept_connection_resent_once),
        cmocka_unit_test(test_h1client_resend_happens_only_once),
        cmocka_unit_test(test_h1client_silent_upstream_times_out),
        cmocka_unit_test(test_h1client_malformed_status_line_is_broken),
        cmocka_unit_test(test_h1client_oversized_head_is_broken),
        cmocka_unit_test(test_h1client_large_head_within_limit_ok),
        cmocka_unit_test(test_h1client_bad_chunk_size_is_broken),
        cmocka_unit_test(test_h1client_body_cut_short_is_broken),
        cmocka_unit_test(test_h1client_refused_quickly),
        cmocka_unit_test(test_h1client_invalid_origin),
        cmocka_unit_test(test_h1client_post_body_byte_exact),
        cmocka_unit_test(test_h1client_body_not_sent_without_send_body),
        cmocka_unit_test(test_h1client_204_without_length_does_not_hang),
        cmocka_unit_test(test_h1client_304_with_length_does_not_hang),
        cmocka_unit_test(test_h1client_head_answer_does_not_hang),
        cmocka_unit_test(test_h1client_sink_stop_drops_connection),
    };
    return cmocka_run_group_tests(tests, NULL, group_teardown);
}
