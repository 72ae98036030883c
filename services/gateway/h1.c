/* h1.c - HTTP/1.1 response framing (RFC 9112), the part the gateway relies on.
 *
 * Only what the gateway's upstreams (our own services) send has to work, but every
 * input is treated as hostile: lengths are checked for overflow and disagreement, and
 * anything the parser cannot frame with certainty is an error, so that a response is
 * never cut or run into the next one on a kept-alive connection.
 */
#include "h1.h"

#include <limits.h>
#include <string.h>
#include <strings.h>

#include "common/text.h"

/* A chunk-size line or a trailer line longer than this is not one of ours. */
#define H1_MAX_LINE 4096

size_t h1_head_end(const char *buf, size_t len)
{
    /* A line ends in LF, optionally preceded by CR; the head ends at an empty line. */
    for (size_t i = 0; i < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (i + 1 < len && buf[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* value[0..n) with the surrounding whitespace removed. */
static void trim(const char **value, size_t *n)
{
    while (*n > 0 && is_ows(**value)) {
        (*value)++;
        (*n)--;
    }
    while (*n > 0 && is_ows((*value)[*n - 1]))
        (*n)--;
}

/* Whether the comma-separated list value[0..n) holds token (case-insensitive); with
 * last, only its final element counts (Transfer-Encoding: the last coding frames). */
static bool list_has(const char *value, size_t n, const char *token, bool last)
{
    size_t tlen = strlen(token);
    bool found = false;
    size_t at = 0;
    while (at <= n) {
        size_t end = at;
        while (end < n && value[end] != ',')
            end++;
        const char *item = value + at;
        size_t ilen = end - at;
        trim(&item, &ilen);
        bool match = ilen == tlen && strncasecmp(item, token, tlen) == 0;
        if (last)
            found = match;
        else if (match)
            return true;
        at = end + 1;
    }
    return found;
}

static bool header_is(const char *name, size_t n, const char *want)
{
    return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

static int parse_status_line(const char *line, size_t n, h1_head_t *out)
{
    /* "HTTP/1.x SSS[ reason]" */
    if (n < 12 || memcmp(line, "HTTP/1.", 7) != 0 || line[7] < '0' || line[7] > '9' ||
        line[8] != ' ')
        return -1;
    for (int i = 9; i < 12; i++)
        if (line[i] < '0' || line[i] > '9')
            return -1;
    if (n > 12 && line[12] != ' ')
        return -1;
    out->minor = line[7] - '0';
    out->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    return out->status >= 100 ? 0 : -1;
}

static int parse_length(const char *v, size_t n, unsigned long long *out)
{
    if (n == 0)
        return -1;
    unsigned long long x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9' || x > (ULLONG_MAX - 9) / 10)
            return -1;
        x = x * 10 + (unsigned long long)(v[i] - '0');
    }
    *out = x;
    return 0;
}

int h1_parse_head(const char *buf, size_t len, h1_head_t *out, h1_line_fn on_line, void *arg)
{
    memset(out, 0, sizeof *out);
    bool keep_alive = false, close = false, other_coding = false;
    size_t at = 0;
    for (int first = 1; at < len; first = 0) {
        const char *nl = memchr(buf + at, '\n', len - at);
        if (nl == NULL)
            return -1;
        const char *line = buf + at;
        size_t n = (size_t)(nl - line);
        at += n + 1;
        if (n > 0 && line[n - 1] == '\r')
            n--;
        if (n == 0)
            break; /* the blank line that ends the head */
        if (first && parse_status_line(line, n, out) != 0)
            return -1;
        if (on_line != NULL && on_line(arg, line, n) != 0)
            return -1;
        if (first || is_ows(line[0]))
            continue; /* obsolete line folding: nothing we frame by */
        const char *colon = memchr(line, ':', n);
        if (colon == NULL)
            continue;
        size_t nlen = (size_t)(colon - line);
        const char *value = colon + 1;
        size_t vlen = n - nlen - 1;
        trim(&value, &vlen);
        if (header_is(line, nlen, "Content-Length")) {
            unsigned long long cl;
            if (parse_length(value, vlen, &cl) != 0 || (out->has_length && out->length != cl))
                return -1;
            out->has_length = true;
            out->length = cl;
        } else if (header_is(line, nlen, "Transfer-Encoding")) {
            if (list_has(value, vlen, "chunked", true))
                out->chunked = true;
            else
                other_coding = true;
        } else if (header_is(line, nlen, "Connection")) {
            close |= list_has(value, vlen, "close", false);
            keep_alive |= list_has(value, vlen, "keep-alive", false);
        }
    }
    if (out->status == 0)
        return -1;
    if (other_coding) {
        /* A coding the gateway cannot undo: the client would get bytes it cannot read. */
        return -1;
    }
    if (out->chunked && out->has_length) {
        /* Both framings: Transfer-Encoding wins (RFC 9112 6.3), and the connection is
         * not trusted afterwards. */
        out->has_length = false;
        close = true;
    }
    out->close = close || (out->minor == 0 && !keep_alive);
    return 0;
}

bool h1_has_body(int status, bool head_request)
{
    return !head_request && status >= 200 && status != 204 && status != 304;
}

enum {
    CH_SIZE = 0, /* hex digits of a chunk size (line = digits seen) */
    CH_EXT,      /* the rest of the size line, up to LF */
    CH_DATA,     /* chunk bytes */
    CH_DATA_CR,  /* the CRLF after a chunk's data */
    CH_DATA_LF,
    CH_TRAILER, /* trailer lines up to an empty one (line = bytes on this line) */
};

int h1_chunked_feed(h1_chunked_t *d, const char *in, size_t len, size_t *used,
                    int (*on_data)(void *arg, const char *data, size_t n), void *arg)
{
    size_t i = 0;
    int rc = 0;
    while (i < len && rc == 0) {
        char c = in[i];
        switch (d->state) {
        case CH_SIZE: {
            int h = text_hex_digit((unsigned char)c);
            if (h >= 0) {
                if (d->left > (ULLONG_MAX >> 4) || ++d->line > 16) {
                    rc = -1;
                    break;
                }
                d->left = (d->left << 4) | (unsigned long long)h;
                i++;
                break;
            }
            if (d->line == 0 || (c != ';' && c != '\r' && c != '\n' && !is_ows(c))) {
                rc = -1;
                break;
            }
            d->state = CH_EXT;
            d->line = 0;
            break;
        }
        case CH_EXT:
            i++;
            if (c != '\n') {
                if (++d->line > H1_MAX_LINE)
                    rc = -1;
                break;
            }
            d->line = 0;
            d->state = d->left == 0 ? CH_TRAILER : CH_DATA;
            break;
        case CH_DATA: {
            size_t n = len - i;
            if ((unsigned long long)n > d->left)
                n = (size_t)d->left;
            if (on_data(arg, in + i, n) != 0) {
                rc = -1;
                break;
            }
            i += n;
            d->left -= n;
            if (d->left == 0)
                d->state = CH_DATA_CR;
            break;
        }
        case CH_DATA_CR:
            i++;
            if (c == '\r')
                d->state = CH_DATA_LF;
            else if (c == '\n')
                d->state = CH_SIZE;
            else
                rc = -1;
            break;
        case CH_DATA_LF:
            i++;
            if (c == '\n')
                d->state = CH_SIZE;
            else
                rc = -1;
            break;
        case CH_TRAILER:
            i++;
            if (c == '\n') {
                if (d->line == 0) {
                    rc = 1;
                    break;
                }
                d->line = 0;
            } else if (c != '\r' || d->line > 0) {
                if (++d->line > H1_MAX_LINE)
                    rc = -1;
            }
            break;
        default:
            rc = -1;
            break;
        }
    }
    *used = i;
    return rc;
}
