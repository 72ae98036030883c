/* sig.h - HMAC-SHA256 signatures on webhooks and callbacks: the MAC, its lowercase hex,
 * the "<timestamp>.<body>" signed payload that courier callbacks and Stripe-style
 * webhooks use, and constant-time comparison. Pure; any thread. (Added for the
 * fulfillment and payment services.) */
#ifndef COMMON_SIG_H
#define COMMON_SIG_H

#include <stdbool.h>
#include <stddef.h>

#define SIG_HEX_LEN 65 /* the hex of an HMAC-SHA256: 64 digits and the NUL */

/* HMAC-SHA256 of msg under key into out[32]. 0 or ERR_INTERNAL. */
int sig_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                    unsigned char out[32]);

/* Lowercase hex of n bytes into out[2n+1]. */
void sig_hex(const unsigned char *in, size_t n, char *out);

/* The lowercase hex HMAC-SHA256 under secret of "<timestamp>.<body>" into out. 0, or
 * ERR_INTERNAL with out empty. */
int sig_timestamped(const char *secret, const char *timestamp, const void *body, size_t body_len,
                    char out[SIG_HEX_LEN]);

/* True when candidate is the hex signature expected (lowercase, as sig_hex writes it) in
 * either case. The bytes are compared in constant time; a wrong length is simply false. */
bool sig_hex_equal(const char *expected, const char *candidate);

/* Constant-time comparison of two NUL-terminated strings (length leaks, content not). */
bool sig_str_equal(const char *a, const char *b);

#endif
