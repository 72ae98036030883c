/* h1.h - parsing an HTTP/1.1 response as it arrives from an upstream: the head
 * (status line and header fields) and a chunked body. Pure functions over buffers,
 * no sockets, so that every framing rule is unit-tested (tests/unit/gateway/test_h1.c);
 * h1client.c does the I/O.
 */
#ifndef GATEWAY_H1_H
#define GATEWAY_H1_H

#include <stdbool.h>
#include <stddef.h>

/* What framing a response head announces. */
typedef struct h1_head {
    int status;
    int minor;       /* HTTP/1.minor */
    bool chunked;    /* Transfer-Encoding ends in chunked */
    bool has_length; /* a valid Content-Length was given */
    unsigned long long length;
    bool close; /* the connection cannot be reused after this response */
} h1_head_t;

/* Called for the status line and then for each header line of a head, without the
 * CRLF; returns 0, or nonzero to abandon the parse. */
typedef int (*h1_line_fn)(void *arg, const char *line, size_t n);

/* Finds the end of a head in buf[0..len): the offset just past its blank line, or 0 when
 * the head is not complete yet. */
size_t h1_head_end(const char *buf, size_t len);

/* Parses a complete head (as delimited by h1_head_end) into *out, calling on_line (may
 * be NULL) for every line. 0, or -1 when the head is malformed (bad status line, a
 * Content-Length that is not a number or disagrees with another, a Transfer-Encoding
 * other than chunked) or on_line refused. */
int h1_parse_head(const char *buf, size_t len, h1_head_t *out, h1_line_fn on_line, void *arg);

/* Whether a response with this status to this request carries a body at all. */
bool h1_has_body(int status, bool head_request);

/* An incremental decoder for a chunked body. */
typedef struct h1_chunked {
    int state;
    unsigned long long left; /* bytes left in the current chunk */
    size_t line;             /* bytes of the current size or trailer line seen */
} h1_chunked_t;

/* Consumes input from in[0..len): the body bytes found are passed to on_data (returns 0,
 * or nonzero to stop). Sets *used to the bytes consumed. Returns 1 once the last chunk
 * and the trailers are complete (*used then ends there), 0 when more input is needed,
 * -1 on malformed framing or when on_data stopped. Start from a zeroed decoder. */
int h1_chunked_feed(h1_chunked_t *d, const char *in, size_t len, size_t *used,
                    int (*on_data)(void *arg, const char *data, size_t n), void *arg);

#endif
