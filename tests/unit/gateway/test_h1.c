/* test_h1.c - HTTP/1.1 response framing: where a head ends, what it announces, and the
 * chunked decoder fed whole and byte by byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "h1.h"

static int parse(const char *text, h1_head_t *h)
{
    size_t end = h1_head_end(text, strlen(text));
    assert_true(end > 0);
    return h1_parse_head(text, end, h, NULL, NULL);
}

static void test_h1_head_end_needs_the_blank_line(void **state)
{
    (void)state;
    const char *full = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    assert_int_equal(h1_head_end(full, strlen(full)), strlen(full) - 2);
    assert_int_equal(h1_head_end(full, 20), 0);
    assert_int_equal(h1_head_end("HTTP/1.1 200 OK\r\n\r", 18), 0);
    assert_int_equal(h1_head_end("HTTP/1.1 200 OK\n\nx", 18), 17);
}

static void test_h1_head_content_length_and_keep_alive(void **state)
{
    (void)state;
    h1_head_t h;
    assert_int_equal(parse("HTTP/1.1 201 Created\r\nContent-Length:  17 \r\n\r\n", &h), 0);
    assert_int_equal(h.status, 201);
    assert_true(h.has_length);
    assert_int_equal(h.length, 17);
    assert_false(h.chunked);
    assert_false(h.close);
}

static void test_h1_head_connection_close_and_http10(void **state)
{
    (void)state;
    h1_head_t h;
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nConnection: Keep-Alive, close\r\n\r\n", &h), 0);
    assert_true(h.close);
    assert_int_equal(parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", &h), 0);
    assert_true(h.close);
    assert_int_equal(parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", &h), 0);
    assert_false(h.close);
}

static void test_h1_head_chunked_wins_over_length(void **state)
{
    (void)state;
    h1_head_t h;
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", &h), 0);
    assert_true(h.chunked);
    assert_false(h.close);
    assert_int_equal(
        parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", &h), 0);
    assert_true(h.chunked);
    assert_false(h.has_length);
    assert_true(h.close);
}

static void test_h1_head_malformed_rejected(void **state)
{
    (void)state;
    h1_head_t h;
    static const char *const bad[] = {
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 099 Odd\r\n\r\n",
        "SIP/2.0 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        NULL,
    };
    for (int i = 0; bad[i] != NULL; i++)
        assert_int_equal(parse(bad[i], &h), -1);
    /* The same length twice is one length. */
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", &h),
                     0);
}

typedef struct lines {
    char text[512];
    int count;
} lines_t;

static int collect_line(void *arg, const char *line, size_t n)
{
    lines_t *l = arg;
    size_t at = strlen(l->text);
    snprintf(l->text + at, sizeof l->text - at, "%.*s|", (int)n, line);
    l->count++;
    return 0;
}

static void test_h1_head_lines_reach_the_callback(void **state)
{
    (void)state;
    const char *text = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: \"x\"\r\n\r\n";
    lines_t l = {0};
    h1_head_t h;
    assert_int_equal(h1_parse_head(text, strlen(text), &h, collect_line, &l), 0);
    assert_int_equal(l.count, 3);
    assert_string_equal(l.text, "HTTP/1.1 200 OK|Content-Type: application/json|ETag: \"x\"|");
}

static void test_h1_has_body(void **state)
{
    (void)state;
    assert_true(h1_has_body(200, false));
    assert_true(h1_has_body(404, false));
    assert_false(h1_has_body(200, true));
    assert_false(h1_has_body(204, false));
    assert_false(h1_has_body(304, false));
    assert_false(h1_has_body(100, false));
}

typedef struct sink {
    char data[256];
    size_t len;
    size_t limit;
} sink_t;

static int collect(void *arg, const char *data, size_t n)
{
    sink_t *s = arg;
    if (s->len + n > s->limit || s->len + n >= sizeof s->data)
        return -1;
    memcpy(s->data + s->len, data, n);
    s->len += n;
    return 0;
}

/* Feeds text in pieces of step bytes; the decoder's final return code. */
static int feed(const char *text, size_t step, sink_t *s, size_t *consumed)
{
    h1_chunked_t d = {0};
    size_t len = strlen(text), at = 0;
    int rc = 0;
    while (at < len && rc == 0) {
        size_t n = len - at < step ? len - at : step;
        size_t used = 0;
        rc = h1_chunked_feed(&d, text + at, n, &used, collect, s);
        if (rc == 0)
            assert_int_equal(used, n);
        at += used;
    }
    *consumed = at;
    return rc;
}

static void test_h1_chunked_whole_and_bytewise(void **state)
{
    (void)state;
    const char *body = "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: y\r\n\r\nNEXT";
    for (size_t step = 1; step <= strlen(body); step++) {
        sink_t s = {.limit = sizeof s.data};
        size_t used = 0;
        assert_int_equal(feed(body, step, &s, &used), 1);
        assert_int_equal(s.len, 12);
        assert_memory_equal(s.data, "hello, world", 12);
        /* The decoder stops at the end of the body: what follows is not consumed. */
        assert_int_equal(used, strlen(body) - 4);
    }
}

static void test_h1_chunked_hex_sizes_and_empty_body(void **state)
{
    (void)state;
    sink_t s = {.limit = sizeof s.data};
    size_t used;
    assert_int_equal(feed("A\r\n0123456789\r\n0\r\n\r\n", 3, &s, &used), 1);
    assert_int_equal(s.len, 10);
    sink_t e = {.limit = sizeof e.data};
    assert_int_equal(feed("0\r\n\r\n", 1, &e, &used), 1);
    assert_int_equal(e.len, 0);
}

static void test_h1_chunked_malformed_rejected(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\r\nhello\r\n0\r\n\r\n",   /* no size */
        "5x\r\nhello\r\n0\r\n\r\n", /* junk after the size */
        "5\r\nhelloXX0\r\n\r\n",    /* no CRLF after the data */
        "11111111111111111\r\n",    /* more than 64 bits */
        "-1\r\n",
        NULL,
    };
    for (int i = 0; bad[i] != NULL; i++) {
        sink_t s = {.limit = sizeof s.data};
        size_t used;
        assert_int_equal(feed(bad[i], 64, &s, &used), -1);
    }
}

static void test_h1_chunked_stops_when_the_sink_refuses(void **state)
{
    (void)state;
    sink_t s = {.limit = 4};
    size_t used;
    assert_int_equal(feed("5\r\nhello\r\n0\r\n\r\n", 64, &s, &used), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h1_head_end_needs_the_blank_line),
        cmocka_unit_test(test_h1_head_content_length_and_keep_alive),
        cmocka_unit_test(test_h1_head_connection_close_and_http10),
        cmocka_unit_test(test_h1_head_chunked_wins_over_length),
        cmocka_unit_test(test_h1_head_malformed_rejected),
        cmocka_unit_test(test_h1_head_lines_reach_the_callback),
        cmocka_unit_test(test_h1_has_body),
        cmocka_unit_test(test_h1_chunked_whole_and_bytewise),
        cmocka_unit_test(test_h1_chunked_hex_sizes_and_empty_body),
        cmocka_unit_test(test_h1_chunked_malformed_rejected),
        cmocka_unit_test(test_h1_chunked_stops_when_the_sink_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
