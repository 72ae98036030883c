/* callback_sig.h - the signature on a courier's status callback (POST /couriers/callback),
 * as plain functions (no I/O).
 *
 * The courier sends X-Courier-Timestamp: <unix seconds> and X-Courier-Signature: the
 * lowercase hex HMAC-SHA256, keyed with COURIER_CALLBACK_SECRET, of "<timestamp>.<body>".
 * Signing the timestamp with the body means a captured callback cannot be replayed with
 * a fresh timestamp, and the tolerance bounds how long the original stays usable.
 */
#ifndef FULFILLMENT_CALLBACK_SIG_H
#define FULFILLMENT_CALLBACK_SIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/sig.h"

#define COURIER_SIG_HEX_LEN SIG_HEX_LEN /* 64 hex digits and the NUL */

typedef enum courier_sig_result {
    COURIER_SIG_OK,
    COURIER_SIG_MISSING,  /* a header is absent or malformed */
    COURIER_SIG_STALE,    /* the timestamp is outside the tolerance */
    COURIER_SIG_MISMATCH, /* the signature is wrong */
} courier_sig_result_t;

/* Writes the hex signature of (timestamp, body) under secret into out. */
void courier_sig_compute(const char *secret, const char *timestamp, const void *body,
                         size_t body_len, char out[COURIER_SIG_HEX_LEN]);

/* Checks the two headers against the body at time now (unix seconds), accepting a
 * timestamp at most tolerance seconds away from now. Compares in constant time. */
courier_sig_result_t courier_sig_check(const char *secret, const char *timestamp_header,
                                       const char *signature_header, const void *body,
                                       size_t body_len, long long now, long tolerance);

#endif
