/* khalti.c - the Khalti ePayment (KPG-2) provider.
 *
 * initiate: POST {KHALTI_API_BASE}/api/v2/epayment/initiate/ with our payment id as
 * purchase_order_id and the amount in paisa; the buyer goes to the payment_url Khalti
 * answers, and Khalti sends the browser back to return_url with pidx, status, amounts
 * and ids in the query.
 *
 * Khalti signs nothing and documents no webhook, so that query is never believed: a
 * return (or anything posted to /payment/webhook/khalti) only names the payment, and
 * verify() decides from POST /api/v2/epayment/lookup/ of the pidx WE stored at initiate.
 * The core's reconciler calls lookup() for attempts whose buyer never came back.
 *
 * refund: POST {base}/api/merchant-transaction/{transaction_id}/refund/ (no /v2), no
 * body for everything, {"amount": paisa} for a part. Khalti has no idempotency key, so
 * a lookup first turns a retried full refund that already happened into a success.
 *
 * Environment: KHALTI_SECRET_KEY (or KHALTI_SECRET_KEY_FILE; unset: unavailable),
 * KHALTI_API_BASE (default https://dev.khalti.com, the sandbox).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base_url.h"
#include "common/config.h"
#include "common/errors.h"
#include "common/httpclient.h"
#include "common/ids.h"
#include "common/log.h"
#include "khalti_api.h"
#include "provider.h"

#define KHALTI_TIMEOUT_MS 10000
#define KHALTI_MAX_REPLY  (64 * 1024)

static char *g_key;
static char g_base[256] = "https://dev.khalti.com";

static void khalti_free(void)
{
    free(g_key);
    g_key = NULL;
}

static int khalti_init(void)
{
    khalti_free();
    int rc = base_url_read("KHALTI_API_BASE", "https://dev.khalti.com", g_base, sizeof g_base);
    if (rc != 0)
        return rc;
    g_key = config_secret("KHALTI_SECRET_KEY");
    static bool registered;
    if (!registered) {
        atexit(khalti_free);
        registered = true;
    }
    return 0;
}

static bool khalti_available(void)
{
    return g_key != NULL && g_key[0] != '\0';
}

/* POSTs a JSON body to base + path with our key. 0 with *resp for any HTTP status
 * (caller frees), ERR_UNAVAILABLE when Khalti could not be reached or is unconfigured. */
static int khalti_post(const char *path, const char *body, hc_response_t *resp)
{
    char url[512], auth[300];
    memset(resp, 0, sizeof *resp);
    if (!khalti_available())
        return ERR_UNAVAILABLE;
    int n = snprintf(url, sizeof url, "%s%s", g_base, path);
    int m = snprintf(auth, sizeof auth, "Authorization: Key %s", g_key);
    if (n < 0 || (size_t)n >= sizeof url || m < 0 || (size_t)m >= sizeof auth)
        return ERR_INVALID;
    const char *headers[] = {auth, "Content-Type: application/json", "Accept: application/json",
                             NULL};
    int rc = hc_request("POST", url, headers, body, strlen(body), KHALTI_TIMEOUT_MS,
                        KHALTI_MAX_REPLY, resp);
    return rc == ERR_TOO_LARGE ? ERR_UNAVAILABLE : rc;
}

/* Logs an answer we cannot use; 401/403 mean our key is wrong, which no retry fixes. */
static void log_refusal(const char *what, const hc_response_t *resp)
{
    if (resp->status == 401 || resp->status == 403)
        log_error("khalti: %s: key refused (%ld): check KHALTI_SECRET_KEY", what, resp->status);
    else
        log_warn("khalti: %s: HTTP %ld: %.200s", what, resp->status,
                 resp->body != NULL ? resp->body : "");
}

/* Logs a refused call and classifies it. A 4xx is Khalti refusing this request
 * (ERR_CONFLICT); our key refused, a 5xx or an answer we cannot read is Khalti (or our
 * configuration) being unusable right now (ERR_UNAVAILABLE). */
static int refusal_code(const char *what, const hc_response_t *resp)
{
    log_refusal(what, resp);
    return resp->status >= 400 && resp->status < 500 && resp->status != 401 && resp->status != 403
               ? ERR_CONFLICT
               : ERR_UNAVAILABLE;
}

static int khalti_initiate(const pay_initiate_req_t *req, pay_initiate_res_t *out)
{
    memset(out, 0, sizeof *out);
    if (strcmp(req->currency, "NPR") != 0) {
        log_warn("khalti: payment %s in %s: Khalti takes NPR only", req->payment_id, req->currency);
        return ERR_CONFLICT;
    }
    if (req->amount < KHALTI_MIN_AMOUNT) {
        log_warn("khalti: payment %s of %lld paisa: Khalti takes at least %d", req->payment_id,
                 (long long)req->amount, KHALTI_MIN_AMOUNT);
        return ERR_CONFLICT;
    }
    char name[96];
    if (req->order_number != NULL && req->order_number[0] != '\0')
        snprintf(name, sizeof name, "%s", req->order_number);
    else
        snprintf(name, sizeof name, "Order %s", req->order_id);
    /* return_url as the core gives it: Khalti appends its own query (pidx,
     * purchase_order_id = our payment id, ...), which is enough to find the payment. */
    khalti_initiate_t in = {.return_url = req->return_url,
                            .website_url = req->website_url,
                            .amount = req->amount,
                            .purchase_order_id = req->payment_id,
                            .purchase_order_name = name};
    char *body = khalti_initiate_body(&in);
    if (body == NULL)
        return ERR_INTERNAL;
    hc_response_t resp;
    int rc = khalti_post(KHALTI_INITIATE_PATH, body, &resp);
    free(body);
    if (rc != 0) {
        log_warn("khalti: initiate of payment %s: Khalti unreachable", req->payment_id);
        goto out;
    }
    khalti_initiated_t ok;
    if (resp.status == 200 && khalti_initiate_parse(resp.body, resp.len, &ok) == 0) {
        out->redirect_url = strdup(ok.payment_url);
        if (out->redirect_url == NULL ||
            pay_copy(out->provider_reference, sizeof out->provider_reference, ok.pidx) != 0) {
            rc = ERR_INTERNAL;
            pay_initiate_res_free(out);
        }
        goto out;
    }
    rc = refusal_code("initiate", &resp);
out:
    hc_response_free(&resp);
    return rc;
}

/* Reads pidx and purchase_order_id, untrusted, from a posted JSON body. */
static int read_json_ref(const pay_notification_t *n, pay_ref_t *out)
{
    cJSON *root = cJSON_ParseWithLength(n->body, n->body_len);
    const cJSON *pidx = cJSON_GetObjectItemCaseSensitive(root, "pidx");
    const cJSON *poid = cJSON_GetObjectItemCaseSensitive(root, "purchase_order_id");
    if (cJSON_IsString(pidx) && khalti_pidx_valid(pidx->valuestring))
        pay_copy(out->provider_reference, sizeof out->provider_reference, pidx->valuestring);
    if (cJSON_IsString(poid) && id_is_uuid(poid->valuestring))
        pay_copy(out->payment_id, sizeof out->payment_id, poid->valuestring);
    cJSON_Delete(root);
    return 0;
}

static int khalti_identify(const pay_notification_t *n, pay_ref_t *out)
{
    memset(out, 0, sizeof *out);
    char pidx[KHALTI_PIDX_MAX + 1], poid[64];
    const char *text = n->is_return ? n->query : NULL;
    char *body_text = NULL;
    if (!n->is_return && n->body != NULL && n->body_len > 0) {
        if (n->body[0] == '{') {
            read_json_ref(n, out);
        } else {
            body_text = strndup(n->body, n->body_len);
            text = body_text;
        }
    }
    if (text != NULL) {
        if (pay_form_get(text, "pidx", pidx, sizeof pidx) && khalti_pidx_valid(pidx))
            pay_copy(out->provider_reference, sizeof out->provider_reference, pidx);
        if (pay_form_get(text, "purchase_order_id", poid, sizeof poid) && id_is_uuid(poid))
            pay_copy(out->payment_id, sizeof out->payment_id, poid);
    }
    free(body_text);
    return out->payment_id[0] != '\0' || out->provider_reference[0] != '\0' ? 0 : ERR_INVALID;
}

/* What a lookup status means in the interface's terms. */
static pay_outcome_t outcome_of(khalti_status_t s)
{
    switch (khalti_outcome_of(s)) {
    case KHALTI_OUT_PAID:
        return PAY_OUTCOME_SUCCEEDED;
    case KHALTI_OUT_FAILED:
        return PAY_OUTCOME_FAILED;
    case KHALTI_OUT_REFUNDED:
        return s == KHALTI_PARTIALLY_REFUNDED ? PAY_OUTCOME_PARTIALLY_REFUNDED
                                              : PAY_OUTCOME_REFUNDED;
    case KHALTI_OUT_WAIT:
        break;
    }
    return PAY_OUTCOME_PENDING;
}

/* Looks pidx up at Khalti into *out. 0, ERR_NOT_FOUND or ERR_UNAVAILABLE. */
static int lookup_pidx(const char *pidx, khalti_lookup_t *out)
{
    char body[KHALTI_PIDX_MAX + 16];
    if (!khalti_pidx_valid(pidx))
        return ERR_NOT_FOUND;
    snprintf(body, sizeof body, "{\"pidx\":\"%s\"}", pidx);
    hc_response_t resp;
    int rc = khalti_post(KHALTI_LOOKUP_PATH, body, &resp);
    if (rc != 0)
        goto out;
    /* Expired and User canceled come back as 400 with the ordinary body, so any body
     * with a status counts, whatever the HTTP status; Khalti's own trouble does not. */
    if (resp.status >= 500 || resp.status == 0) {
        log_refusal("lookup", &resp);
        rc = ERR_UNAVAILABLE;
        goto out;
    }
    rc = khalti_lookup_parse(resp.body != NULL ? resp.body : "", resp.len, out);
    if (rc == ERR_MALFORMED) {
        log_refusal("lookup", &resp);
        rc = ERR_UNAVAILABLE;
    } else if (rc == 0 && strcmp(out->pidx, pidx) != 0) {
        log_warn("khalti: lookup of %s answered about %s", pidx, out->pidx);
        rc = ERR_UNAVAILABLE;
    }
out:
    hc_response_free(&resp);
    return rc;
}

static int khalti_lookup(const pay_payment_t *payment, pay_event_t *out)
{
    memset(out, 0, sizeof *out);
    if (payment == NULL || payment->provider_reference == NULL ||
        payment->provider_reference[0] == '\0')
        return ERR_NOT_FOUND;
    khalti_lookup_t l;
    int rc = lookup_pidx(payment->provider_reference, &l);
    if (rc != 0)
        return rc;
    /* One observation per (pidx, status): the same answer recorded twice is a
     * duplicate, whoever asked (a return, a repeated return, the reconciler). */
    snprintf(out->event_id, sizeof out->event_id, "%s:%s", l.pidx, l.status_text);
    pay_copy(out->payment_id, sizeof out->payment_id, payment->payment_id);
    pay_copy(out->provider_reference, sizeof out->provider_reference, l.pidx);
    pay_copy(out->provider_txn, sizeof out->provider_txn, l.transaction_id);
    out->outcome = outcome_of(l.status);
    out->amount = l.total_amount;
    pay_copy(out->currency, sizeof out->currency, "NPR");
    snprintf(out->detail, sizeof out->detail, "%s", l.status_text);
    if (l.status == KHALTI_STATUS_UNKNOWN)
        log_error("khalti: pidx %s has status \"%s\", which we do not know: held", l.pidx,
                  l.status_text);
    return 0;
}

static int khalti_verify(const pay_notification_t *n, const pay_payment_t *payment,
                         pay_event_t *out)
{
    memset(out, 0, sizeof *out);
    if (payment == NULL)
        return ERR_NOT_FOUND; /* nothing of ours to look up */
    pay_ref_t claimed;
    if (khalti_identify(n, &claimed) == 0 && claimed.provider_reference[0] != '\0' &&
        payment->provider_reference != NULL &&
        strcmp(claimed.provider_reference, payment->provider_reference) != 0)
        log_warn("khalti: a return for payment %s names pidx %s, ours is %s: looking up ours",
                 payment->payment_id, claimed.provider_reference, payment->provider_reference);
    /* The query's status, amounts and ids are never read: only the lookup decides. */
    return khalti_lookup(payment, out);
}

static int khalti_refund(const pay_refund_req_t *req, pay_refund_res_t *out)
{
    memset(out, 0, sizeof *out);
    const pay_payment_t *p = req->payment;
    khalti_lookup_t l;
    int rc = lookup_pidx(p->provider_reference != NULL ? p->provider_reference : "", &l);
    if (rc != 0)
        return rc == ERR_NOT_FOUND ? ERR_CONFLICT : rc;
    if (req->full && l.status == KHALTI_REFUNDED) {
        /* An earlier attempt went through and we never heard the answer. */
        snprintf(out->provider_refund_id, sizeof out->provider_refund_id, "%s:refund",
                 l.transaction_id);
        return 0;
    }
    const char *txn =
        p->provider_txn != NULL && p->provider_txn[0] != '\0' ? p->provider_txn : l.transaction_id;
    if (!khalti_pidx_valid(txn)) { /* an id of letters and digits, safe in the path */
        log_warn("khalti: refund %s: payment %s has no transaction id (%s)", req->refund_id,
                 p->payment_id, l.status_text);
        return ERR_CONFLICT;
    }
    char path[160];
    snprintf(path, sizeof path, "%s%s/refund/", KHALTI_REFUND_PREFIX, txn);
    /* "No body" refunds the whole transaction; after a partial refund, what is left is
     * asked for by its amount, since the docs do not say what "whole" means then. */
    bool partial = !req->full || l.status == KHALTI_PARTIALLY_REFUNDED;
    char *body = khalti_refund_body(req->amount, partial);
    if (body == NULL)
        return ERR_INTERNAL;
    hc_response_t resp;
    rc = khalti_post(path, body, &resp);
    free(body);
    if (rc != 0)
        goto out;
    if (resp.status >= 200 && resp.status < 300) {
        snprintf(out->provider_refund_id, sizeof out->provider_refund_id, "%s:refund", txn);
        log_info("khalti: refund %s of %lld paisa accepted for transaction %s", req->refund_id,
                 (long long)req->amount, txn);
        goto out;
    }
    rc = refusal_code("refund", &resp);
out:
    hc_response_free(&resp);
    return rc;
}

const pay_provider_t pay_provider_khalti = {
    .name = "khalti",
    .init = khalti_init,
    .available = khalti_available,
    .initiate = khalti_initiate,
    .identify = khalti_identify,
    .verify = khalti_verify,
    .lookup = khalti_lookup,
    .refund = khalti_refund,
};
