/* store.h - every SQL statement of the payment service, nothing else. Tables are
 * unqualified (the connection's search_path is the payments schema). Functions return 0
 * or a code from common/errors.h (ERR_NOT_FOUND for a missing row). */
#ifndef PAYMENT_STORE_H
#define PAYMENT_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "payment.h"

/* A refund as stored. */
typedef struct refund_row {
    char id[37];
    char payment_id[37];
    int64_t amount;
    char reason[128];
    char status[16]; /* PENDING, SUCCEEDED, FAILED, MANUAL */
    char provider_refund_id[PAY_REF_LEN];
    char actor[64];
    int attempts;
    char created_at[40];
} refund_row_t;

/* Inserts a new INITIATED payment (id, order_id, customer_id, provider, amount, currency
 * of p). */
int store_payment_insert(PGconn *conn, const payment_row_t *p);

/* Stores what the provider answered initiate and bumps the version to `version`. */
int store_payment_initiated(PGconn *conn, const char *id, const char *provider_reference,
                            const char *redirect_url, const char *form_json, int64_t version);

/* Marks an attempt whose initiate the provider refused or never answered: FAILED with
 * reason, no event (the order is not failed by our own trouble). */
int store_payment_initiate_failed(PGconn *conn, const char *id, const char *reason);

/* Reads a payment by id; FOR UPDATE when lock. */
int store_payment_get(PGconn *conn, const char *id, bool lock, payment_row_t *out);

/* Reads the redirect URL and form (JSON text) stored for a payment; caller frees both
 * (either may come back NULL). */
int store_payment_redirect(PGconn *conn, const char *id, char **redirect_url, char **form_json);

/* Reads the payment a provider's reference names; FOR UPDATE when lock. */
int store_payment_by_reference(PGconn *conn, const char *provider, const char *reference, bool lock,
                               payment_row_t *out);

/* Moves a payment to status with version; provider_txn and failure_reason are kept when
 * NULL or empty. */
int store_payment_set_status(PGconn *conn, const char *id, payment_status_t status,
                             const char *provider_txn, const char *failure_reason, int64_t version);

/* Records refunded_amount, the status after it and the version. */
int store_payment_refunded(PGconn *conn, const char *id, int64_t refunded_amount,
                           payment_status_t status, int64_t version);

/* Locks every payment of an order (FOR UPDATE, oldest first) and returns them in a
 * malloc'd array (caller frees; *count may be 0). */
int store_payments_of_order(PGconn *conn, const char *order_id, payment_row_t **out, int *count);

/* True in *yes when the order has a SUCCEEDED (or partly refunded) payment other than
 * except_id. */
int store_order_has_success(PGconn *conn, const char *order_id, const char *except_id, bool *yes);

/* Up to limit INITIATED payments of provider older than min_age_s, oldest first, into a
 * malloc'd array (caller frees). */
int store_payments_stale(PGconn *conn, const char *provider, int min_age_s, int limit,
                         payment_row_t **out, int *count);

/* Marks an INITIATED payment as just looked up (the reconciler's round robin). */
int store_payment_touch(PGconn *conn, const char *id);

/* Records a notification once. ERR_CONFLICT when (provider, event_id) was seen before.
 * payment_id may be NULL; amount < 0 and currency "" are stored as NULL. */
int store_notification_insert(PGconn *conn, const char *provider, const char *event_id,
                              const char *payment_id, const char *kind, const char *outcome,
                              int64_t amount, const char *currency, const char *result);

/* Remembers a cancelled order (idempotent). */
int store_order_cancelled(PGconn *conn, const char *order_id, const char *reason);

/* True in *yes when the order is known cancelled. */
int store_order_is_cancelled(PGconn *conn, const char *order_id, bool *yes);

/* Sum of the PENDING refunds of a payment. */
int store_refunds_pending_sum(PGconn *conn, const char *payment_id, int64_t *sum);

/* Inserts a PENDING refund; its lease starts lease_s seconds from now (0: due now, for
 * the worker; >0: the caller completes it itself). */
int store_refund_insert(PGconn *conn, const char *id, const char *payment_id, int64_t amount,
                        const char *reason, const char *actor, int lease_s);

/* Claims up to max due PENDING refunds by pushing their lease lease_s ahead (FOR UPDATE
 * SKIP LOCKED, so replicas share the work). Their ids go into ids[max][37]. */
int store_refunds_claim(PGconn *conn, int max, int lease_s, char (*ids)[37], int *count);

/* Reads a refund; FOR UPDATE when lock. */
int store_refund_get(PGconn *conn, const char *id, bool lock, refund_row_t *out);

/* Finishes a refund: status SUCCEEDED/FAILED/MANUAL, with the provider's id or error. */
int store_refund_finish(PGconn *conn, const char *id, const char *status,
                        const char *provider_refund_id, const char *error);

/* Records a failed attempt and pushes the next one delay_s ahead. */
int store_refund_retry_later(PGconn *conn, const char *id, const char *error, int delay_s);

/* The refunds of a payment, oldest first, malloc'd (caller frees). */
int store_refunds_of_payment(PGconn *conn, const char *payment_id, refund_row_t **out, int *count);

#endif
