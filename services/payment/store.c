/* store.c - the payment service's SQL. Statements only: no rules, no HTTP. */
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/errors.h"

#define PAYMENT_COLUMNS                                                                            \
    "id, order_id, customer_id, provider, status, amount, currency, refunded_amount, "             \
    "coalesce(provider_reference, ''), coalesce(provider_txn, ''), "                               \
    "coalesce(failure_reason, ''), version, " DB_TS("created_at") ", " DB_TS("updated_at")

static void copy(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src != NULL ? src : "");
}

/* Reads row `row` of a PAYMENT_COLUMNS result into the payment_row_t at dst. */
static void payment_from(const PGresult *res, int row, void *dst)
{
    payment_row_t *p = dst;
    memset(p, 0, sizeof *p);
    copy(p->id, sizeof p->id, PQgetvalue(res, row, 0));
    copy(p->order_id, sizeof p->order_id, PQgetvalue(res, row, 1));
    copy(p->customer_id, sizeof p->customer_id, PQgetvalue(res, row, 2));
    copy(p->provider, sizeof p->provider, PQgetvalue(res, row, 3));
    if (payment_status_parse(PQgetvalue(res, row, 4), &p->status) != 0)
        p->status = PAYMENT_FAILED;
    p->amount = db_int64(res, row, 5);
    copy(p->currency, sizeof p->currency, PQgetvalue(res, row, 6));
    p->refunded_amount = db_int64(res, row, 7);
    copy(p->provider_reference, sizeof p->provider_reference, PQgetvalue(res, row, 8));
    copy(p->provider_txn, sizeof p->provider_txn, PQgetvalue(res, row, 9));
    copy(p->failure_reason, sizeof p->failure_reason, PQgetvalue(res, row, 10));
    p->version = db_int64(res, row, 11);
    copy(p->created_at, sizeof p->created_at, PQgetvalue(res, row, 12));
    copy(p->updated_at, sizeof p->updated_at, PQgetvalue(res, row, 13));
}

/* One payment row, or ERR_NOT_FOUND. */
static int one_payment(PGconn *conn, const char *sql, int n, const char *const *params,
                       payment_row_t *out)
{
    PGresult *res;
    int rc = db_run(conn, sql, n, params, &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 0)
        rc = ERR_NOT_FOUND;
    else
        payment_from(res, 0, out);
    PQclear(res);
    return rc;
}

/* Runs sql and reads every row with read() into a calloc'd array of elements of size
 * bytes: *out is NULL when there are none, else the caller frees it. */
static int all_rows(PGconn *conn, const char *sql, int n, const char *const *params, size_t size,
                    void (*read)(const PGresult *res, int row, void *dst), void **out, int *count)
{
    PGresult *res;
    *out = NULL;
    *count = 0;
    int rc = db_run(conn, sql, n, params, &res);
    if (rc != 0)
        return rc;
    int rows = PQntuples(res);
    if (rows > 0) {
        *out = calloc((size_t)rows, size);
        if (*out == NULL) {
            PQclear(res);
            return ERR_INTERNAL;
        }
        for (int i = 0; i < rows; i++)
            read(res, i, (char *)*out + (size_t)i * size);
    }
    *count = rows;
    PQclear(res);
    return 0;
}

/* Every row of a payment query into a malloc'd array. */
static int many_payments(PGconn *conn, const char *sql, int n, const char *const *params,
                         payment_row_t **out, int *count)
{
    void *rows;
    int rc = all_rows(conn, sql, n, params, sizeof **out, payment_from, &rows, count);
    *out = rows;
    return rc;
}

int store_payment_insert(PGconn *conn, const payment_row_t *p)
{
    char amount[24];
    snprintf(amount, sizeof amount, "%" PRId64, p->amount);
    const char *params[] = {p->id, p->order_id, p->customer_id, p->provider, amount, p->currency};
    return db_exec(conn,
                   "INSERT INTO payments (id, order_id, customer_id, provider, amount, currency) "
                   "VALUES ($1, $2, $3, $4, $5, $6)",
                   6, params);
}

int store_payment_initiated(PGconn *conn, const char *id, const char *provider_reference,
                            const char *redirect_url, const char *form_json, int64_t version)
{
    char v[24];
    snprintf(v, sizeof v, "%" PRId64, version);
    const char *params[] = {id, provider_reference, redirect_url, form_json, v};
    return db_exec(conn,
                   "UPDATE payments SET provider_reference = $2, redirect_url = $3, "
                   "form = $4::jsonb, version = $5, updated_at = now() WHERE id = $1",
                   5, params);
}

int store_payment_initiate_failed(PGconn *conn, const char *id, const char *reason)
{
    const char *params[] = {id, reason};
    return db_exec(conn,
                   "UPDATE payments SET status = 'FAILED', failure_reason = $2, updated_at = now() "
                   "WHERE id = $1 AND status = 'INITIATED'",
                   2, params);
}

int store_payment_get(PGconn *conn, const char *id, bool lock, payment_row_t *out)
{
    const char *params[] = {id};
    return one_payment(conn,
                       lock ? "SELECT " PAYMENT_COLUMNS " FROM payments WHERE id = $1 FOR UPDATE"
                            : "SELECT " PAYMENT_COLUMNS " FROM payments WHERE id = $1",
                       1, params, out);
}

int store_payment_redirect(PGconn *conn, const char *id, char **redirect_url, char **form_json)
{
    const char *params[] = {id};
    PGresult *res;
    *redirect_url = *form_json = NULL;
    int rc = db_run(conn, "SELECT redirect_url, form::text FROM payments WHERE id = $1", 1, params,
                    &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 0) {
        rc = ERR_NOT_FOUND;
    } else {
        if (!PQgetisnull(res, 0, 0) && (*redirect_url = strdup(PQgetvalue(res, 0, 0))) == NULL)
            rc = ERR_INTERNAL;
        if (!PQgetisnull(res, 0, 1) && (*form_json = strdup(PQgetvalue(res, 0, 1))) == NULL)
            rc = ERR_INTERNAL;
        if (rc != 0) {
            free(*redirect_url);
            free(*form_json);
            *redirect_url = *form_json = NULL;
        }
    }
    PQclear(res);
    return rc;
}

int store_payment_by_reference(PGconn *conn, const char *provider, const char *reference, bool lock,
                               payment_row_t *out)
{
    const char *params[] = {provider, reference};
    return one_payment(conn,
                       lock ? "SELECT " PAYMENT_COLUMNS " FROM payments WHERE provider = $1 AND "
                              "provider_reference = $2 FOR UPDATE"
                            : "SELECT " PAYMENT_COLUMNS " FROM payments WHERE provider = $1 AND "
                              "provider_reference = $2",
                       2, params, out);
}

int store_payment_set_status(PGconn *conn, const char *id, payment_status_t status,
                             const char *provider_txn, const char *failure_reason, int64_t version)
{
    char v[24];
    snprintf(v, sizeof v, "%" PRId64, version);
    const char *params[] = {id, payment_status_name(status),
                            provider_txn != NULL && provider_txn[0] ? provider_txn : NULL,
                            failure_reason != NULL && failure_reason[0] ? failure_reason : NULL, v};
    return db_exec(conn,
                   "UPDATE payments SET status = $2, provider_txn = coalesce($3, provider_txn), "
                   "failure_reason = coalesce($4, failure_reason), version = $5, "
                   "updated_at = now() WHERE id = $1",
                   5, params);
}

int store_payment_refunded(PGconn *conn, const char *id, int64_t refunded_amount,
                           payment_status_t status, int64_t version)
{
    char amount[24], v[24];
    snprintf(amount, sizeof amount, "%" PRId64, refunded_amount);
    snprintf(v, sizeof v, "%" PRId64, version);
    const char *params[] = {id, amount, payment_status_name(status), v};
    return db_exec(conn,
                   "UPDATE payments SET refunded_amount = $2, status = $3, version = $4, "
                   "updated_at = now() WHERE id = $1",
                   4, params);
}

int store_payments_of_order(PGconn *conn, const char *order_id, payment_row_t **out, int *count)
{
    const char *params[] = {order_id};
    /* No status filter: in READ COMMITTED a row that did not match a filter in the
     * statement's snapshot is never locked, even if a concurrent transaction is just
     * making it match. Locking them all and deciding on the returned (latest) values
     * closes that gap (see consumers.c). */
    return many_payments(conn,
                         "SELECT " PAYMENT_COLUMNS " FROM payments WHERE order_id = $1 "
                         "ORDER BY created_at, id FOR UPDATE",
                         1, params, out, count);
}

int store_order_has_success(PGconn *conn, const char *order_id, const char *except_id, bool *yes)
{
    const char *params[] = {order_id, except_id};
    PGresult *res;
    int rc = db_run(conn,
                    "SELECT EXISTS (SELECT 1 FROM payments WHERE order_id = $1 AND id <> $2 AND "
                    "status IN ('SUCCEEDED', 'PARTIALLY_REFUNDED'))",
                    2, params, &res);
    if (rc != 0)
        return rc;
    *yes = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    return 0;
}

int store_payments_stale(PGconn *conn, const char *provider, int min_age_s, int limit,
                         payment_row_t **out, int *count)
{
    char age[16], lim[16];
    snprintf(age, sizeof age, "%d", min_age_s);
    snprintf(lim, sizeof lim, "%d", limit);
    const char *params[] = {provider, age, lim};
    return many_payments(conn,
                         "SELECT " PAYMENT_COLUMNS " FROM payments WHERE status = 'INITIATED' AND "
                         "provider = $1 AND provider_reference IS NOT NULL AND "
                         "updated_at < now() - make_interval(secs => $2::int) AND "
                         "created_at > now() - interval '1 day' "
                         "ORDER BY updated_at LIMIT $3::int",
                         3, params, out, count);
}

int store_payment_touch(PGconn *conn, const char *id)
{
    const char *params[] = {id};
    return db_exec(conn,
                   "UPDATE payments SET updated_at = now() WHERE id = $1 AND status = 'INITIATED'",
                   1, params);
}

int store_notification_insert(PGconn *conn, const char *provider, const char *event_id,
                              const char *payment_id, const char *kind, const char *outcome,
                              int64_t amount, const char *currency, const char *result)
{
    char a[24];
    snprintf(a, sizeof a, "%" PRId64, amount);
    const char *params[] = {provider,
                            event_id,
                            payment_id != NULL && payment_id[0] ? payment_id : NULL,
                            kind,
                            outcome,
                            amount >= 0 ? a : NULL,
                            currency != NULL && currency[0] ? currency : NULL,
                            result};
    PGresult *res;
    int rc = db_run(conn,
                    "INSERT INTO notifications (provider, provider_event_id, payment_id, kind, "
                    "outcome, amount, currency, result) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                    "ON CONFLICT (provider, provider_event_id) DO NOTHING RETURNING id",
                    8, params, &res);
    if (rc != 0)
        return rc;
    rc = PQntuples(res) == 1 ? 0 : ERR_CONFLICT;
    PQclear(res);
    return rc;
}

int store_order_cancelled(PGconn *conn, const char *order_id, const char *reason)
{
    const char *params[] = {order_id, reason};
    return db_exec(conn,
                   "INSERT INTO cancelled_orders (order_id, reason) VALUES ($1, $2) "
                   "ON CONFLICT (order_id) DO NOTHING",
                   2, params);
}

int store_order_is_cancelled(PGconn *conn, const char *order_id, bool *yes)
{
    const char *params[] = {order_id};
    PGresult *res;
    int rc = db_run(conn, "SELECT 1 FROM cancelled_orders WHERE order_id = $1", 1, params, &res);
    if (rc != 0)
        return rc;
    *yes = PQntuples(res) > 0;
    PQclear(res);
    return 0;
}

int store_refunds_pending_sum(PGconn *conn, const char *payment_id, int64_t *sum)
{
    const char *params[] = {payment_id};
    PGresult *res;
    int rc = db_run(conn,
                    "SELECT coalesce(sum(amount), 0) FROM refunds WHERE payment_id = $1 AND "
                    "status = 'PENDING'",
                    1, params, &res);
    if (rc != 0)
        return rc;
    *sum = db_int64(res, 0, 0);
    PQclear(res);
    return 0;
}

int store_refund_insert(PGconn *conn, const char *id, const char *payment_id, int64_t amount,
                        const char *reason, const char *actor, int lease_s)
{
    char a[24], lease[16];
    snprintf(a, sizeof a, "%" PRId64, amount);
    snprintf(lease, sizeof lease, "%d", lease_s);
    const char *params[] = {id, payment_id, a, reason, actor, lease};
    return db_exec(conn,
                   "INSERT INTO refunds (id, payment_id, amount, reason, actor, next_attempt_at) "
                   "VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6::int))",
                   6, params);
}

int store_refunds_claim(PGconn *conn, int max, int lease_s, char (*ids)[37], int *count)
{
    char lim[16], lease[16];
    snprintf(lim, sizeof lim, "%d", max);
    snprintf(lease, sizeof lease, "%d", lease_s);
    const char *params[] = {lim, lease};
    PGresult *res;
    *count = 0;
    int rc = db_run(conn,
                    "UPDATE refunds SET next_attempt_at = now() + make_interval(secs => $2::int) "
                    "WHERE id IN (SELECT id FROM refunds WHERE status = 'PENDING' AND "
                    "next_attempt_at <= now() ORDER BY next_attempt_at LIMIT $1::int "
                    "FOR UPDATE SKIP LOCKED) RETURNING id",
                    2, params, &res);
    if (rc != 0)
        return rc;
    int rows = PQntuples(res);
    for (int i = 0; i < rows && i < max; i++)
        copy(ids[i], 37, PQgetvalue(res, i, 0));
    *count = rows < max ? rows : max;
    PQclear(res);
    return 0;
}

#define REFUND_COLUMNS                                                                             \
    "id, payment_id, amount, reason, status, coalesce(provider_refund_id, ''), actor, "            \
    "attempts, " DB_TS("created_at")

/* Reads row `row` of a REFUND_COLUMNS result into the refund_row_t at dst. */
static void refund_from(const PGresult *res, int row, void *dst)
{
    refund_row_t *r = dst;
    memset(r, 0, sizeof *r);
    copy(r->id, sizeof r->id, PQgetvalue(res, row, 0));
    copy(r->payment_id, sizeof r->payment_id, PQgetvalue(res, row, 1));
    r->amount = db_int64(res, row, 2);
    copy(r->reason, sizeof r->reason, PQgetvalue(res, row, 3));
    copy(r->status, sizeof r->status, PQgetvalue(res, row, 4));
    copy(r->provider_refund_id, sizeof r->provider_refund_id, PQgetvalue(res, row, 5));
    copy(r->actor, sizeof r->actor, PQgetvalue(res, row, 6));
    r->attempts = (int)db_int64(res, row, 7);
    copy(r->created_at, sizeof r->created_at, PQgetvalue(res, row, 8));
}

int store_refund_get(PGconn *conn, const char *id, bool lock, refund_row_t *out)
{
    const char *params[] = {id};
    PGresult *res;
    int rc = db_run(conn,
                    lock ? "SELECT " REFUND_COLUMNS " FROM refunds WHERE id = $1 FOR UPDATE"
                         : "SELECT " REFUND_COLUMNS " FROM refunds WHERE id = $1",
                    1, params, &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 0)
        rc = ERR_NOT_FOUND;
    else
        refund_from(res, 0, out);
    PQclear(res);
    return rc;
}

int store_refund_finish(PGconn *conn, const char *id, const char *status,
                        const char *provider_refund_id, const char *error)
{
    const char *params[] = {
        id, status, provider_refund_id != NULL && provider_refund_id[0] ? provider_refund_id : NULL,
        error};
    return db_exec(conn,
                   "UPDATE refunds SET status = $2, provider_refund_id = $3, last_error = $4, "
                   "attempts = attempts + 1, updated_at = now() WHERE id = $1",
                   4, params);
}

int store_refund_retry_later(PGconn *conn, const char *id, const char *error, int delay_s)
{
    char d[16];
    snprintf(d, sizeof d, "%d", delay_s);
    const char *params[] = {id, error, d};
    return db_exec(conn,
                   "UPDATE refunds SET attempts = attempts + 1, last_error = $2, "
                   "next_attempt_at = now() + make_interval(secs => $3::int), updated_at = now() "
                   "WHERE id = $1 AND status = 'PENDING'",
                   3, params);
}

int store_refunds_of_payment(PGconn *conn, const char *payment_id, refund_row_t **out, int *count)
{
    const char *params[] = {payment_id};
    void *rows;
    int rc = all_rows(conn,
                      "SELECT " REFUND_COLUMNS " FROM refunds WHERE payment_id = $1 "
                      "ORDER BY created_at, id",
                      1, params, sizeof **out, refund_from, &rows, count);
    *out = rows;
    return rc;
}
