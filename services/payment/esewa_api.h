/* esewa_api.h - the eSewa ePay v2 wire formats, without I/O: amounts as rupee decimal
 * strings, the status-check URL and its answer, and what each status means to us.
 * Facts: ../shared/providers/PROVIDERS.md section 3.
 */
#ifndef PAYMENT_ESEWA_API_H
#define PAYMENT_ESEWA_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ESEWA_AMOUNT_MAX  32 /* room for the rupee text of any amount we accept */
#define ESEWA_UUID_MAX    64 /* our transaction_uuid: letters, digits and '-' */
#define ESEWA_STATUS_PATH "/api/epay/transaction/status/"
#define ESEWA_FORM_PATH   "/api/epay/main/v2/form"

/* The statuses of the status-check API (and of the redirect's `data`). */
typedef enum esewa_status {
    ESEWA_COMPLETE,
    ESEWA_PENDING,
    ESEWA_FULL_REFUND,
    ESEWA_PARTIAL_REFUND,
    ESEWA_AMBIGUOUS,
    ESEWA_NOT_FOUND,
    ESEWA_CANCELED,
    ESEWA_STATUS_UNKNOWN, /* anything else: hold, never fulfil */
} esewa_status_t;

/* What a status means for our payment. */
typedef enum esewa_outcome {
    ESEWA_OUT_PAID,     /* COMPLETE: paid (after the amount check) */
    ESEWA_OUT_WAIT,     /* PENDING, AMBIGUOUS, unknown: hold and ask again later */
    ESEWA_OUT_FAILED,   /* NOT_FOUND, CANCELED: the payment ended unpaid */
    ESEWA_OUT_REFUNDED, /* FULL_REFUND, PARTIAL_REFUND: money went back at eSewa */
} esewa_outcome_t;

/* The status-check answer. */
typedef struct esewa_status_reply {
    esewa_status_t status;
    char status_text[32];
    char product_code[64];
    char transaction_uuid[ESEWA_UUID_MAX + 1];
    int64_t total_amount; /* paisa; -1 when absent or unreadable */
    char ref_id[64];      /* "" while there is no transaction (null) */
} esewa_status_reply_t;

/* Writes paisa as eSewa's rupee decimal text: 11000 -> "110", 11050 -> "110.50",
 * 11005 -> "110.05". Returns 0, or ERR_INVALID for a negative amount. Pure. */
int esewa_amount_format(int64_t paisa, char out[ESEWA_AMOUNT_MAX]);

/* Reads eSewa's rupee text (text[0..len)) into paisa: digits with optional ','
 * thousands separators, and an optional fraction whose digits past the second are
 * zeros ("1000", "1000.0", "1,000.00", "110.5"). Returns 0 or ERR_INVALID. Pure. */
int esewa_amount_parse(const char *text, size_t len, int64_t *paisa);

/* The status for eSewa's name (exact, upper case). Pure. */
esewa_status_t esewa_status_from(const char *name);

/* What a status means for our payment. Pure. */
esewa_outcome_t esewa_outcome_of(esewa_status_t status);

/* True when s is a usable transaction_uuid: 1..ESEWA_UUID_MAX of [A-Za-z0-9-]. Pure. */
bool esewa_uuid_valid(const char *s);

/* Builds the status-check URL {base}/api/epay/transaction/status/?product_code=..&
 * total_amount=..&transaction_uuid=.. (values percent-encoded) into a new string the
 * caller frees. NULL on allocation failure. Pure. */
char *esewa_status_url(const char *base, const char *product_code, const char *total_amount,
                       const char *uuid);

/* Parses a status-check answer body (whatever the HTTP status). Returns 0 with *out,
 * ERR_UNAVAILABLE for eSewa's {"code":..,"error_message":..} error body, or
 * ERR_MALFORMED when it is not the expected object. Pure. */
int esewa_status_parse(const char *body, size_t len, esewa_status_reply_t *out);

#endif
