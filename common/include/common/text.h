/* text.h - small text helpers shared by the http, log and json modules: a growable
 * byte buffer that starts in caller-provided (stack) storage, and UTF-8 checks. */
#ifndef COMMON_TEXT_H
#define COMMON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* A buffer that uses the caller's storage until it outgrows it, then the heap. After an
 * allocation failure it stops growing and remembers it (failed), so a caller can check
 * once at the end instead of after every append. */
typedef struct strbuf {
    char *p;
    size_t len, cap;
    bool heap, failed;
} strbuf_t;

/* Starts an empty buffer in storage[cap] (which must outlive the buffer). */
void strbuf_init(strbuf_t *b, char *storage, size_t cap);

/* Appends n bytes (no terminator is kept). */
void strbuf_add(strbuf_t *b, const void *data, size_t n);

/* Appends a NUL-terminated string. */
void strbuf_str(strbuf_t *b, const char *s);

/* Frees heap storage, if any. */
void strbuf_free(strbuf_t *b);

/* The value of a hexadecimal digit (either case), or -1 for any other character. Pure. */
int text_hex_digit(int c);

/* Length of the well-formed UTF-8 sequence at s (at most n bytes): 1-4, or 0 for an
 * invalid, overlong, surrogate or out-of-range sequence. Pure. */
size_t utf8_seq(const unsigned char *s, size_t n);

/* True when s[0..n) is entirely well-formed UTF-8. Pure. */
bool utf8_valid(const unsigned char *s, size_t n);

#endif
