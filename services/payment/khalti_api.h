/* khalti_api.h - the Khalti ePayment (KPG-2) wire formats, without I/O: the initiate
 * request and answer, the lookup answer, and what each lookup status means to us.
 *
 * Khalti signs nothing: the customer's return to return_url carries plain query
 * parameters anyone could type, so a payment is decided by the lookup answer alone.
 * Amounts are integer paisa. Facts: ../shared/providers/PROVIDERS.md section 2.
 */
#ifndef PAYMENT_KHALTI_API_H
#define PAYMENT_KHALTI_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KHALTI_INITIATE_PATH "/api/v2/epayment/initiate/"
#define KHALTI_LOOKUP_PATH   "/api/v2/epayment/lookup/"
/* The refund path has no /v2: /api/merchant-transaction/{transaction_id}/refund/. */
#define KHALTI_REFUND_PREFIX "/api/merchant-transaction/"
#define KHALTI_MIN_AMOUNT    1000 /* paisa (Rs 10): Khalti refuses less */
#define KHALTI_PIDX_MAX      64
#define KHALTI_URL_MAX       512
#define KHALTI_TXN_MAX       64

/* The lookup statuses. */
typedef enum khalti_status {
    KHALTI_COMPLETED,
    KHALTI_PENDING,
    KHALTI_INITIATED,
    KHALTI_REFUNDED,
    KHALTI_PARTIALLY_REFUNDED,
    KHALTI_EXPIRED,
    KHALTI_USER_CANCELED,
    KHALTI_FAILED,
    KHALTI_STATUS_UNKNOWN, /* anything else: hold and alert, never fulfil */
} khalti_status_t;

/* What a status means for our payment. */
typedef enum khalti_outcome {
    KHALTI_OUT_PAID,     /* Completed: the only success (after the amount check) */
    KHALTI_OUT_WAIT,     /* Initiated, Pending, unknown: not decided, ask again later */
    KHALTI_OUT_FAILED,   /* Expired, User canceled, Failed: ended unpaid */
    KHALTI_OUT_REFUNDED, /* Refunded, Partially Refunded */
} khalti_outcome_t;

/* What we ask Khalti for. */
typedef struct khalti_initiate {
    const char *return_url;
    const char *website_url;
    int64_t amount; /* paisa, >= KHALTI_MIN_AMOUNT */
    const char *purchase_order_id;
    const char *purchase_order_name;
} khalti_initiate_t;

/* The initiate answer. */
typedef struct khalti_initiated {
    char pidx[KHALTI_PIDX_MAX + 1];
    char payment_url[KHALTI_URL_MAX];
    long expires_in; /* seconds; 0 when the answer did not say */
} khalti_initiated_t;

/* The lookup answer. */
typedef struct khalti_lookup {
    char pidx[KHALTI_PIDX_MAX + 1];
    char status_text[40];
    khalti_status_t status;
    int64_t total_amount;                    /* paisa; -1 when absent */
    char transaction_id[KHALTI_TXN_MAX + 1]; /* "" until paid */
    bool refunded;
} khalti_lookup_t;

/* The status for Khalti's name, compared case-insensitively ("Partially refunded" is
 * printed both ways in the docs). Pure. */
khalti_status_t khalti_status_from(const char *name);

/* What a status means for our payment. Pure. */
khalti_outcome_t khalti_outcome_of(khalti_status_t status);

/* True when s looks like a pidx: 1..KHALTI_PIDX_MAX letters and digits. Pure. */
bool khalti_pidx_valid(const char *s);

/* The initiate request body (JSON); caller frees. NULL when a field is missing or the
 * amount is below KHALTI_MIN_AMOUNT, or on allocation failure. Pure. */
char *khalti_initiate_body(const khalti_initiate_t *in);

/* Parses a 200 initiate answer. Returns 0, or ERR_MALFORMED when pidx or payment_url is
 * missing or unusable. Pure. */
int khalti_initiate_parse(const char *body, size_t len, khalti_initiated_t *out);

/* Parses a lookup answer; Khalti answers some statuses (Expired, User canceled) with
 * HTTP 400 and a normal body, so this reads any body that has a status. Returns 0,
 * ERR_NOT_FOUND for {"detail":"Not found."...}, or ERR_MALFORMED. Pure. */
int khalti_lookup_parse(const char *body, size_t len, khalti_lookup_t *out);

/* The refund request body: "" (no body) for the whole amount, {"amount":<paisa>} for a
 * part (amount > 0). Caller frees; NULL on allocation failure. Pure. */
char *khalti_refund_body(int64_t amount, bool partial);

#endif
