/* provider.h - the one interface every payment provider implements, and the registry.
 *
 * Interface version 1 (stable). Any change after this line is announced here first.
 *
 * The service core (routes.c, consumers.c) never knows a provider's wire format: it
 * asks a provider to start a payment (initiate), to turn a notification or a browser
 * return into a trusted outcome (identify, then verify), to ask the provider for the
 * truth server-side (lookup), and to give money back (refund). The core then checks
 * amount and currency against its own record, records the notification once (unique
 * provider event id), and writes the payment change and its event in one transaction.
 *
 * Providers: "fake" (fake.c, always available), "stripe" (stripe.c), "khalti"
 * (khalti.c), "esewa" (esewa.c). Each reads its configuration from the environment in
 * init(); a provider whose credentials are unset stays registered but unavailable, and
 * initiate on it is refused by the core with 409 PROVIDER_UNAVAILABLE.
 *
 * Threads: init() runs once in main before any thread starts; afterwards a provider's
 * configuration is immutable and every other function may be called from any thread at
 * once (HTTP workers, the consumer thread, the reconciler). Outgoing HTTP goes through
 * common/httpclient.h (per-thread curl handle).
 *
 * Errors: 0 or a negative code from common/errors.h. Meanings used here:
 *   ERR_UNAUTHORIZED  the notification is not authentic (bad/missing signature, stale
 *                     timestamp): the core answers 400 and changes nothing
 *   ERR_INVALID       malformed input (unparseable body, missing field)
 *   ERR_NOT_FOUND     the provider does not know the payment/session
 *   ERR_UNAVAILABLE   the provider could not be reached, answered 5xx, or is unconfigured
 *   ERR_CONFLICT      the provider refused the request (4xx business error, e.g. refund
 *                     more than paid); pay_provider_t.refund == NULL means "no refund API"
 * Amounts are always int64 minor units (paisa, cents) plus an upper-case ISO 4217
 * currency; a provider that speaks rupees (eSewa) converts at its edge.
 */
#ifndef PAYMENT_PROVIDER_H
#define PAYMENT_PROVIDER_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAY_REF_LEN 192 /* provider ids (cs_..., pidx, evt_..., transaction ids) */

/* What a verified notification or lookup says about a payment. */
typedef enum pay_outcome {
    PAY_OUTCOME_PENDING = 0,   /* started or in progress: change nothing, maybe poll later */
    PAY_OUTCOME_SUCCEEDED = 1, /* money captured */
    PAY_OUTCOME_FAILED = 2,    /* failed, cancelled by the buyer, expired */
    PAY_OUTCOME_REFUNDED = 3,  /* fully refunded at the provider */
    PAY_OUTCOME_PARTIALLY_REFUNDED = 4,
    PAY_OUTCOME_IGNORED = 5, /* authentic but not about a payment outcome (other event type) */
} pay_outcome_t;

/* What the core asks a provider to start. All strings are borrowed for the call. */
typedef struct pay_initiate_req {
    const char *payment_id;   /* our payment UUID: use it as the merchant reference
                                 (Stripe client_reference_id/metadata, Khalti
                                 purchase_order_id, eSewa transaction_uuid) */
    const char *order_id;     /* the order's UUID */
    const char *order_number; /* human order number ("ORD-000123"), may be "" */
    const char *customer_id;
    int64_t amount;              /* minor units, > 0 */
    const char *currency;        /* "NPR", "USD" */
    const char *return_url;      /* PUBLIC_BASE_URL + "/payment/return/<provider>" with NO
                                    query; the provider adds what it needs to recognise the
                                    payment on return (e.g. "?payment_id=<id>") */
    const char *cancel_url;      /* same base; where a cancel/failure sends the buyer */
    const char *website_url;     /* PUBLIC_BASE_URL */
    const char *idempotency_key; /* stable per attempt ("checkout-<payment_id>"); send it
                                    where the provider supports one */
} pay_initiate_req_t;

/* What initiate returns. The caller frees it with pay_initiate_res_free(). */
typedef struct pay_initiate_res {
    char provider_reference[PAY_REF_LEN]; /* cs_..., pidx, transaction_uuid; stored and
                                             used later by lookup/identify */
    char *redirect_url; /* malloc'd: where to send the buyer (GET); NULL for form posts */
    char *form_action;  /* malloc'd: eSewa: the URL the browser POSTs the form to; or NULL */
    cJSON *form_fields; /* eSewa: object of name -> string value to post; or NULL */
} pay_initiate_res_t;

/* One incoming notification: a server-to-server webhook or a browser return. Borrowed. */
typedef struct pay_notification {
    bool is_return;   /* false: POST /payment/webhook/<p>; true: GET /payment/return/<p> */
    const char *body; /* raw request body bytes exactly as received (webhooks) */
    size_t body_len;
    const char *query; /* raw query string, not decoded (returns); may be NULL */
    /* Request header lookup (case-insensitive), NULL when absent. */
    const char *(*header)(void *ctx, const char *name);
    void *header_ctx;
    int64_t now; /* unix seconds: the injectable clock for timestamp tolerance */
} pay_notification_t;

/* Which payment a notification claims to be about: read WITHOUT trusting it, only so the
 * core can load its record before verify(). At least one field is non-empty. */
typedef struct pay_ref {
    char payment_id[64];                  /* our payment UUID when the provider echoes it */
    char provider_reference[PAY_REF_LEN]; /* cs_..., pidx, transaction_uuid */
} pay_ref_t;

/* Our record of a payment, as the core hands it to verify/lookup/refund. Borrowed. */
typedef struct pay_payment {
    const char *payment_id;
    const char *order_id;
    const char *provider_reference; /* from pay_initiate_res_t */
    const char *provider_txn;       /* from an earlier pay_event_t.provider_txn, or "" */
    int64_t amount;                 /* what we asked for, minor units */
    const char *currency;
} pay_payment_t;

/* A trusted outcome. Filled by verify() and lookup(). */
typedef struct pay_event {
    char event_id[PAY_REF_LEN]; /* unique per provider notification: the dedupe key
                                   (Stripe evt_..., eSewa transaction_code, Khalti
                                   "<pidx>:<status>", ...) */
    char payment_id[64];        /* our payment UUID as the provider echoes it, or "" */
    char provider_reference[PAY_REF_LEN];
    char provider_txn[PAY_REF_LEN]; /* what refund needs later (Stripe pi_..., Khalti
                                       transaction_id, eSewa ref_id), or "" */
    pay_outcome_t outcome;
    int64_t amount;   /* minor units as the provider reports it; -1 if absent */
    char currency[8]; /* upper case; "" if the provider does not say (the core
                         then assumes the payment's currency, e.g. NPR-only) */
    char detail[128]; /* provider status text or failure reason, for logs */
} pay_event_t;

/* A refund request. Borrowed. */
typedef struct pay_refund_req {
    const pay_payment_t *payment;
    const char *refund_id;       /* our refund UUID */
    int64_t amount;              /* minor units, 0 < amount <= what remains */
    bool full;                   /* true when amount is everything that remains */
    const char *reason;          /* free text or NULL */
    const char *idempotency_key; /* "refund-<refund_id>" */
} pay_refund_req_t;

/* A refund result. */
typedef struct pay_refund_res {
    char provider_refund_id[PAY_REF_LEN]; /* re_..., or the provider's answer id; may be "" */
    bool pending;                         /* accepted but not final (Stripe "pending") */
} pay_refund_res_t;

typedef struct pay_provider {
    const char *name; /* "fake", "stripe", "khalti", "esewa": the URL segment */

    /* Reads configuration from the environment (once, before threads). Returns 0 even
     * when credentials are unset (then available() is false); an error only for a
     * setting that is present but malformed. */
    int (*init)(void);

    /* True when the provider has what it needs to take payments. */
    bool (*available)(void);

    /* Starts a payment at the provider; fills *out (caller frees with
     * pay_initiate_res_free). ERR_UNAVAILABLE when the provider is down, ERR_CONFLICT
     * when it refused the request (the error is logged, never shown raw). */
    int (*initiate)(const pay_initiate_req_t *req, pay_initiate_res_t *out);

    /* Reads, without trusting it, which payment a notification is about.
     * ERR_INVALID when the notification names none. Must not do network I/O. */
    int (*identify)(const pay_notification_t *n, pay_ref_t *out);

    /* Decides whether the notification is authentic and what it says. payment is our
     * record of the payment identify() named, or NULL when we have none (then only the
     * signature can be checked; providers that must look up return ERR_NOT_FOUND).
     * Signature providers (fake, Stripe, eSewa data) check signature and timestamp;
     * lookup providers (Khalti, eSewa) decide from a server-side lookup only, never from
     * query parameters. Returns 0 with *out, ERR_UNAUTHORIZED, ERR_INVALID,
     * ERR_NOT_FOUND or ERR_UNAVAILABLE. Never checks amounts against our record: the
     * core does that with out->amount/currency. */
    int (*verify)(const pay_notification_t *n, const pay_payment_t *payment, pay_event_t *out);

    /* Asks the provider for the payment's current status (server-side truth), for the
     * reconciler and for returns. out->event_id is a stable id for this observation
     * (e.g. "lookup:<ref>:<status>") so recording it twice is a duplicate.
     * ERR_NOT_FOUND, ERR_UNAVAILABLE. May be NULL (fake). */
    int (*lookup)(const pay_payment_t *payment, pay_event_t *out);

    /* Refunds req->amount of a succeeded payment at the provider. 0 with *out when the
     * provider accepted it; ERR_CONFLICT when it refused; ERR_UNAVAILABLE when it could
     * not be reached (the core retries later). NULL when the provider has no refund API
     * (eSewa): the core then records the refund as manual. */
    int (*refund)(const pay_refund_req_t *req, pay_refund_res_t *out);
} pay_provider_t;

/* The registered providers (defined in fake.c, stripe.c, khalti.c, esewa.c). */
extern const pay_provider_t pay_provider_fake;
extern const pay_provider_t pay_provider_stripe;
extern const pay_provider_t pay_provider_khalti;
extern const pay_provider_t pay_provider_esewa;

/* Runs every provider's init(); 0, or the first error (logged). Call once from main. */
int pay_providers_init(void);

/* The provider registered under name, or NULL. Does not check available(). */
const pay_provider_t *pay_provider_find(const char *name);

/* Frees what an initiate result owns and zeroes it (NULL-safe). */
void pay_initiate_res_free(pay_initiate_res_t *res);

/* ---- helpers shared by the providers (provider.c; pure unless stated) ---- */

/* Copies src into dst[len] (always NUL-terminated); ERR_INVALID when it does not fit. */
int pay_copy(char *dst, size_t len, const char *src);

/* Standard base64 (with padding) of n bytes into out[((n+2)/3)*4+1]. */
void pay_base64(const unsigned char *in, size_t n, char *out);

/* Decodes standard base64 (padding optional) into a malloc'd NUL-terminated buffer;
 * NULL on bad input. *out_len gets the decoded length (may be NULL). Caller frees. */
unsigned char *pay_base64_decode(const char *in, size_t *out_len);

/* Decoded value of name in a raw query/form string ("a=1&b=x%20y", '+' = space) into
 * buf[len]; false when absent, malformed or too long. */
bool pay_form_get(const char *query, const char *name, char *buf, size_t len);

/* Appends "&key=value" (no '&' when *buf is empty) to a malloc'd growing string with
 * both parts form-url-encoded; *buf may start NULL. 0 or ERR_INTERNAL (then *buf is
 * freed and NULL). */
int pay_form_add(char **buf, const char *key, const char *value);

/* Verifies a "t=<unix>,v1=<hex>[,v1=<hex>...]" signature header (the Stripe-Signature
 * scheme, also used by the fake provider): HMAC-SHA256 hex of "<t>.<body>" under secret
 * must equal one v1 value (constant time), other schemes ignored, and |now - t| must be
 * at most tolerance seconds. 0, or ERR_UNAUTHORIZED. Pure. */
int pay_sig_verify(const char *header, const char *body, size_t body_len, const char *secret,
                   int64_t now, int64_t tolerance);

/* Builds a "t=<t>,v1=<hex>" header for body into out[len] (the fake provider's sender
 * and the tests). 0 or ERR_INVALID/ERR_INTERNAL. */
int pay_sig_sign(const char *body, size_t body_len, const char *secret, int64_t t, char *out,
                 size_t len);

/* Sends an HTTP request with the common client (timeout always set) and parses a JSON
 * answer: 0 with *status and *json (NULL when the body is not JSON; caller deletes) for
 * any status, ERR_UNAVAILABLE when unreachable. headers as in hc_request. */
int pay_http_json(const char *method, const char *url, const char *const *headers, const char *body,
                  size_t body_len, long *status, cJSON **json);

#endif
