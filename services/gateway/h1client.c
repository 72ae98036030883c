/* h1client.c - the sockets under h1client.h: connecting with a deadline, writing the
 * request, reading one framed answer (h1.c), and the per-thread connection table.
 *
 * Every socket is non-blocking and every wait is a poll() bounded by the request's
 * deadline, so no upstream can hold a gateway worker longer than timeout_ms. A
 * connection goes back into the table only when its answer was framed exactly (length
 * or chunked, nothing extra after it) and neither side asked to close; on any doubt it
 * is closed, which costs one reconnect and never a mixed-up answer.
 */
/* MSG_NOSIGNAL, SOCK_NONBLOCK and SOCK_CLOEXEC need _GNU_SOURCE, which the build defines. */
#include "h1client.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

/* Idle connections one thread keeps: one per upstream origin it talks to. */
#define H1C_CONNS      16
#define H1C_ORIGIN_MAX 256
/* The read buffer: answers stream through it; only a head must fit whole. */
#define H1C_BUF_INITIAL (16 * 1024)
#define H1C_MAX_HEAD    (64 * 1024)
/* A kept connection idle for longer than this is checked before use (a poll). Our
 * services close idle keep-alive connections after 500 ms; one used more recently is
 * taken as open, and the retry below covers the rare one closed all the same. */
#define H1C_CHECK_IDLE_MS 100

typedef struct conn {
    char origin[H1C_ORIGIN_MAX]; /* "" = free slot */
    int fd;
    long long last_used; /* now_ms() when its last answer was read */
} conn_t;

typedef struct h1c_thread {
    conn_t conns[H1C_CONNS];
    unsigned next_victim;
    char *buf; /* read buffer */
    size_t cap;
    char *out; /* request head being written */
    size_t out_cap;
} h1c_thread_t;

static _Thread_local h1c_thread_t *thread_state;
static pthread_key_t state_key;
static pthread_once_t state_once = PTHREAD_ONCE_INIT;
static bool state_key_ok;

static void state_free(void *arg)
{
    h1c_thread_t *t = arg;
    for (int i = 0; i < H1C_CONNS; i++)
        if (t->conns[i].origin[0] != '\0')
            close(t->conns[i].fd);
    free(t->buf);
    free(t->out);
    free(t);
}

static void state_key_init(void)
{
    state_key_ok = pthread_key_create(&state_key, state_free) == 0;
}

static h1c_thread_t *state_get(void)
{
    if (thread_state != NULL)
        return thread_state;
    pthread_once(&state_once, state_key_init);
    if (!state_key_ok)
        return NULL;
    h1c_thread_t *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->buf = malloc(H1C_BUF_INITIAL);
    if (t->buf == NULL || pthread_setspecific(state_key, t) != 0) {
        free(t->buf);
        free(t);
        return NULL;
    }
    t->cap = H1C_BUF_INITIAL;
    thread_state = t;
    return t;
}

void h1c_thread_cleanup(void)
{
    if (thread_state == NULL)
        return;
    (void)pthread_setspecific(state_key, NULL);
    state_free(thread_state);
    thread_state = NULL;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until the deadline: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, long long deadline)
{
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
        if (n > 0)
            return 1;
        if (n == 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

/* ---- the origin -------------------------------------------------------------------- */

typedef struct origin {
    char host[H1C_ORIGIN_MAX]; /* without IPv6 brackets, for getaddrinfo */
    char port[8];
    const char *authority; /* host[:port] as in the URL: the Host header */
    size_t authority_len;
    const char *prefix; /* a path before the target ("" usually) */
} origin_t;

static int parse_origin(const char *url, origin_t *o)
{
    if (strncmp(url, "http://", 7) != 0)
        return -1;
    const char *a = url + 7;
    size_t alen = strcspn(a, "/?#");
    if (alen == 0 || alen >= sizeof o->host)
        return -1;
    o->authority = a;
    o->authority_len = alen;
    o->prefix = a + alen;
    if (strchr(o->prefix, '?') != NULL || strchr(o->prefix, '#') != NULL)
        return -1;

    const char *host = a, *port = NULL;
    size_t hlen;
    if (a[0] == '[') {
        const char *close = memchr(a, ']', alen);
        if (close == NULL)
            return -1;
        host = a + 1;
        hlen = (size_t)(close - host);
        if (close + 1 < a + alen) {
            if (close[1] != ':')
                return -1;
            port = close + 2;
        }
    } else {
        const char *colon = memchr(a, ':', alen);
        hlen = colon != NULL ? (size_t)(colon - a) : alen;
        port = colon != NULL ? colon + 1 : NULL;
    }
    memcpy(o->host, host, hlen);
    o->host[hlen] = '\0';
    size_t plen = port != NULL ? (size_t)(a + alen - port) : 0;
    if (port == NULL || plen == 0) {
        memcpy(o->port, "80", 3);
    } else {
        if (plen >= sizeof o->port || strspn(port, "0123456789") < plen)
            return -1;
        memcpy(o->port, port, plen);
        o->port[plen] = '\0';
        /* libcurl leaves the scheme's default port out of Host; so do we. */
        if (strcmp(o->port, "80") == 0)
            o->authority_len = (size_t)(port - 1 - a);
    }
    return hlen > 0 ? 0 : -1;
}

/* ---- connections ------------------------------------------------------------------- */

/* Opens a connection by the deadline: the fd, or -1 with *why H1C_REFUSED or
 * H1C_TIMEOUT. Every address of the host is tried in turn. */
static int connect_origin(const origin_t *o, long long deadline, enum h1c_result *why)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    *why = H1C_REFUSED;
    int gai = getaddrinfo(o->host, o->port, &hints, &res);
    if (gai != 0) {
        log_warn("upstream %s: cannot resolve: %s", o->host, gai_strerror(gai));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        int one = 1;
        /* Without TCP_NODELAY every request would wait on Nagle and delayed ACKs. */
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
            setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) != 0) {
            close(fd);
            fd = -1;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        int err = errno;
        if (err == EINPROGRESS) {
            int w = wait_fd(fd, POLLOUT, deadline);
            socklen_t len = sizeof err;
            if (w == 0) {
                *why = H1C_TIMEOUT;
                close(fd);
                fd = -1;
                break;
            }
            if (w > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
                break;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* True when a kept connection can no longer be used: readable while idle means the
 * upstream closed it (or sent something unasked), either way it is done. */
static bool conn_dead(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) != 0;
}

static conn_t *conn_slot(h1c_thread_t *t, const char *origin)
{
    conn_t *free_slot = NULL;
    for (int i = 0; i < H1C_CONNS; i++) {
        conn_t *c = &t->conns[i];
        if (c->origin[0] == '\0') {
            if (free_slot == NULL)
                free_slot = c;
        } else if (strcmp(c->origin, origin) == 0) {
            return c;
        }
    }
    if (free_slot != NULL)
        return free_slot;
    /* More origins than slots: take one in turn. */
    conn_t *c = &t->conns[t->next_victim++ % H1C_CONNS];
    close(c->fd);
    c->origin[0] = '\0';
    return c;
}

static void conn_close(conn_t *c)
{
    if (c->origin[0] != '\0')
        close(c->fd);
    c->origin[0] = '\0';
    c->fd = -1;
}

/* ---- writing ------------------------------------------------------------------------ */

static bool out_add(h1c_thread_t *t, size_t *len, const char *s, size_t n)
{
    if (*len + n > t->out_cap) {
        size_t cap = t->out_cap ? t->out_cap : 2048;
        while (cap < *len + n)
            cap *= 2;
        char *p = realloc(t->out, cap);
        if (p == NULL)
            return false;
        t->out = p;
        t->out_cap = cap;
    }
    memcpy(t->out + *len, s, n);
    *len += n;
    return true;
}

static bool out_str(h1c_thread_t *t, size_t *len, const char *s)
{
    return out_add(t, len, s, strlen(s));
}

/* The request head into t->out; its length, or 0 when out of memory. libcurl's
 * conventions are kept, so services see what they saw before: "Name:" removes a header
 * rather than sending it empty, and Accept defaults to * / * (without the spaces). */
static size_t write_head(h1c_thread_t *t, const h1c_request_t *req, const origin_t *o)
{
    size_t len = 0;
    bool ok = out_str(t, &len, req->method) && out_add(t, &len, " ", 1) &&
              out_str(t, &len, o->prefix) && out_str(t, &len, req->target) &&
              out_str(t, &len, " HTTP/1.1\r\nHost: ") &&
              out_add(t, &len, o->authority, o->authority_len) && out_add(t, &len, "\r\n", 2);
    bool accept = false;
    for (const char *const *h = req->headers; ok && h != NULL && *h != NULL; h++) {
        const char *colon = strchr(*h, ':');
        if (colon == NULL || colon[1 + strspn(colon + 1, " \t")] == '\0')
            continue;
        accept |= (size_t)(colon - *h) == 6 && strncasecmp(*h, "Accept", 6) == 0;
        ok = out_str(t, &len, *h) && out_add(t, &len, "\r\n", 2);
    }
    if (ok && !accept)
        ok = out_str(t, &len, "Accept: */*\r\n");
    if (ok && req->send_body) {
        char cl[48];
        int n = snprintf(cl, sizeof cl, "Content-Length: %zu\r\n", req->body_len);
        ok = n > 0 && out_add(t, &len, cl, (size_t)n);
    }
    ok = ok && out_add(t, &len, "\r\n", 2);
    return ok ? len : 0;
}

/* Writes head and body by the deadline: 0, or H1C_TIMEOUT / H1C_BROKEN. */
static enum h1c_result send_all(int fd, const char *head, size_t head_len, const char *body,
                                size_t body_len, long long deadline)
{
    struct iovec iov[2] = {{(void *)head, head_len}, {(void *)body, body != NULL ? body_len : 0}};
    int at = 0;
    while (at < 2) {
        if (iov[at].iov_len == 0) {
            at++;
            continue;
        }
        struct msghdr msg = {.msg_iov = iov + at, .msg_iovlen = (size_t)(2 - at)};
        ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                return H1C_BROKEN;
            int w = wait_fd(fd, POLLOUT, deadline);
            if (w <= 0)
                return w == 0 ? H1C_TIMEOUT : H1C_BROKEN;
            continue;
        }
        size_t left = (size_t)n;
        while (at < 2 && left >= iov[at].iov_len) {
            left -= iov[at].iov_len;
            iov[at].iov_len = 0;
            at++;
        }
        if (at < 2) {
            iov[at].iov_base = (char *)iov[at].iov_base + left;
            iov[at].iov_len -= left;
        }
    }
    return H1C_OK;
}

/* ---- reading ------------------------------------------------------------------------ */

/* Reads what is there (waiting for it by the deadline): bytes read, 0 at end of stream,
 * -1 with *why set. With wait_first it polls before reading: right after the request
 * was sent the answer is never there yet, and a recv() would only say so. */
static ssize_t recv_some(int fd, char *buf, size_t cap, long long deadline, bool wait_first,
                         enum h1c_result *why)
{
    if (wait_first) {
        int w = wait_fd(fd, POLLIN, deadline);
        if (w <= 0) {
            *why = w == 0 ? H1C_TIMEOUT : H1C_BROKEN;
            return -1;
        }
    }
    for (;;) {
        ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            *why = H1C_BROKEN;
            return -1;
        }
        int w = wait_fd(fd, POLLIN, deadline);
        if (w <= 0) {
            *why = w == 0 ? H1C_TIMEOUT : H1C_BROKEN;
            return -1;
        }
    }
}

typedef struct reading {
    int fd;
    long long deadline;
    bool head_request;
    const h1c_sink_t *sink;
    bool got_bytes; /* any byte of answer arrived */
    bool keep;      /* the connection may be reused afterwards */
    bool stopped;   /* the sink refused a body part */
    int status;
} reading_t;

static int body_to_sink(void *arg, const char *data, size_t n)
{
    reading_t *r = arg;
    if (n > 0 && r->sink->on_body(r->sink->arg, data, n) != 0) {
        r->stopped = true;
        return -1;
    }
    return 0;
}

/* Reads one final answer (skipping interim 1xx ones) and passes it to the sink. */
static enum h1c_result read_answer(h1c_thread_t *t, reading_t *r)
{
    enum h1c_result why = H1C_BROKEN;
    size_t have = 0, end = 0;
    h1_head_t head;
    for (;;) {
        while ((end = h1_head_end(t->buf, have)) == 0) {
            if (have == t->cap) {
                if (t->cap >= H1C_MAX_HEAD)
                    return H1C_BROKEN;
                char *p = realloc(t->buf, t->cap * 2);
                if (p == NULL)
                    return H1C_STOPPED;
                t->buf = p;
                t->cap *= 2;
            }
            ssize_t n =
                recv_some(r->fd, t->buf + have, t->cap - have, r->deadline, have == 0, &why);
            if (n <= 0)
                return n == 0 ? H1C_BROKEN : why;
            r->got_bytes = true;
            have += (size_t)n;
        }
        if (h1_parse_head(t->buf, end, &head, r->sink->on_line, r->sink->arg) != 0)
            return H1C_BROKEN;
        if (head.status >= 200)
            break;
        if (head.status == 101)
            return H1C_BROKEN; /* nothing upgrades through the gateway */
        memmove(t->buf, t->buf + end, have - end);
        have -= end;
    }
    r->status = head.status;
    r->keep = !head.close;
    const char *rest = t->buf + end;
    size_t rest_len = have - end;

    if (!h1_has_body(head.status, r->head_request)) {
        r->keep &= rest_len == 0;
        return H1C_OK;
    }
    if (head.chunked) {
        h1_chunked_t d = {0};
        for (;;) {
            size_t used = 0;
            int rc = h1_chunked_feed(&d, rest, rest_len, &used, body_to_sink, r);
            if (rc < 0)
                return r->stopped ? H1C_STOPPED : H1C_BROKEN;
            if (rc == 1) {
                r->keep &= used == rest_len;
                return H1C_OK;
            }
            ssize_t n = recv_some(r->fd, t->buf, t->cap, r->deadline, false, &why);
            if (n <= 0)
                return n == 0 ? H1C_BROKEN : why;
            rest = t->buf;
            rest_len = (size_t)n;
        }
    }
    if (head.has_length) {
        unsigned long long left = head.length;
        for (;;) {
            size_t n = rest_len;
            if ((unsigned long long)n > left) {
                n = (size_t)left;
                r->keep = false; /* bytes beyond the answer: the stream is out of step */
            }
            if (n > 0 && r->sink->on_body(r->sink->arg, rest, n) != 0)
                return H1C_STOPPED;
            left -= n;
            if (left == 0)
                return H1C_OK;
            ssize_t got = recv_some(r->fd, t->buf, t->cap, r->deadline, false, &why);
            if (got <= 0)
                return got == 0 ? H1C_BROKEN : why;
            rest = t->buf;
            rest_len = (size_t)got;
        }
    }
    /* Neither length nor chunked: the body runs to the end of the stream. */
    r->keep = false;
    for (;;) {
        if (rest_len > 0 && r->sink->on_body(r->sink->arg, rest, rest_len) != 0)
            return H1C_STOPPED;
        ssize_t got = recv_some(r->fd, t->buf, t->cap, r->deadline, false, &why);
        if (got == 0)
            return H1C_OK;
        if (got < 0)
            return why;
        rest = t->buf;
        rest_len = (size_t)got;
    }
}

/* ---- the exchange ------------------------------------------------------------------- */

enum h1c_result h1c_send(const h1c_request_t *req, const h1c_sink_t *sink, int *status)
{
    origin_t o;
    h1c_thread_t *t = state_get();
    if (t == NULL || strlen(req->origin) >= H1C_ORIGIN_MAX || parse_origin(req->origin, &o) != 0)
        return H1C_INVALID;
    size_t head_len = write_head(t, req, &o);
    if (head_len == 0)
        return H1C_INVALID;
    /* No timeout (0) is a very long one, as with libcurl. */
    long long start = now_ms();
    long long deadline = start + (req->timeout_ms > 0 ? req->timeout_ms : 365LL * 86400000);

    conn_t *c = conn_slot(t, req->origin);
    enum h1c_result rc = H1C_BROKEN;
    /* At most two tries: the second only when a reused connection turned out closed. */
    for (int attempt = 0; attempt < 2; attempt++) {
        bool reused = c->origin[0] != '\0';
        if (reused && start - c->last_used > H1C_CHECK_IDLE_MS && conn_dead(c->fd)) {
            conn_close(c);
            reused = false;
        }
        if (!reused) {
            int fd = connect_origin(&o, deadline, &rc);
            if (fd < 0)
                return rc;
            c->fd = fd;
            snprintf(c->origin, sizeof c->origin, "%s", req->origin);
        }
        /* Without send_body no Content-Length went out: a body written anyway would be
         * read by the upstream as the start of the next request. */
        rc = send_all(c->fd, t->out, head_len, req->send_body ? req->body : NULL, req->body_len,
                      deadline);
        reading_t r = {.fd = c->fd, .deadline = deadline, .head_request = req->head, .sink = sink};
        if (rc == H1C_OK)
            rc = read_answer(t, &r);
        if (rc == H1C_OK && r.keep) {
            c->last_used = now_ms();
            *status = r.status;
            return H1C_OK;
        }
        conn_close(c);
        if (rc == H1C_OK) {
            *status = r.status;
            return H1C_OK;
        }
        /* A kept connection the upstream closed just as we used it: nothing was
         * answered, so the request goes once more on a new connection. */
        if (!(reused && rc == H1C_BROKEN && !r.got_bytes))
            break;
    }
    return rc;
}
