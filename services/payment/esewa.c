/* esewa.c - the eSewa ePay v2 provider.
 *
 * initiate: no call to eSewa. The buyer's browser POSTs a signed HTML form to
 * {ESEWA_FORM_BASE}/api/epay/main/v2/form; we return its action and fields: amount (the
 * order's total in rupees, e.g. "1500" or "1500.50"), tax_amount, product_service_charge
 * and product_delivery_charge ("0": the order total already holds them), total_amount,
 * transaction_uuid (our payment id), product_code, success_url (the core's return_url),
 * failure_url (cancel_url plus ?transaction_uuid=<ours>, since what eSewa adds there is
 * not documented), signed_field_names and signature.
 *
 * The return: eSewa sends the buyer to success_url?data=<base64 JSON>, whose own
 * signature we check (esewa_sign.c), and then ask the status-check API
 * {ESEWA_STATUS_BASE}/api/epay/transaction/status/ anyway: that answer alone decides
 * the outcome (the docs call it the filter against fraudulent transactions). A failure
 * return carries no signed data, so it only names the payment and the status API
 * decides too. lookup() is the same status check, for the core's reconciler (which
 * holds a NOT_FOUND: see status_check).
 *
 * eSewa documents no refund API: refund is NULL and the core records refunds as manual.
 *
 * Environment: ESEWA_PRODUCT_CODE and ESEWA_SECRET_KEY (or ESEWA_SECRET_KEY_FILE; either
 * unset: unavailable), ESEWA_FORM_BASE (default https://rc-epay.esewa.com.np, the UAT
 * form host), ESEWA_STATUS_BASE (default: ESEWA_FORM_BASE; in UAT the docs name another
 * host, rc.esewa.com.np, so it is its own setting).
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
#include "esewa_api.h"
#include "esewa_sign.h"
#include "provider.h"

#define ESEWA_TIMEOUT_MS 10000
#define ESEWA_MAX_REPLY  (64 * 1024)
#define ESEWA_CODE_MAX   64

static char *g_secret;
static char g_product_code[ESEWA_CODE_MAX];
static char g_form_base[256];
static char g_status_base[256];

static void esewa_free(void)
{
    free(g_secret);
    g_secret = NULL;
}

static int esewa_init(void)
{
    esewa_free();
    int rc = base_url_read("ESEWA_FORM_BASE", "https://rc-epay.esewa.com.np", g_form_base,
                           sizeof g_form_base);
    if (rc == 0)
        rc = base_url_read("ESEWA_STATUS_BASE", g_form_base, g_status_base, sizeof g_status_base);
    if (rc != 0)
        return rc;
    const char *code = config_str("ESEWA_PRODUCT_CODE", "");
    /* The code goes into a signed "name=value,..." message: no ',' or '='. */
    if (strlen(code) >= sizeof g_product_code || strpbrk(code, ",=&") != NULL) {
        log_error("ESEWA_PRODUCT_CODE is not a merchant code");
        return ERR_INVALID;
    }
    snprintf(g_product_code, sizeof g_product_code, "%s", code);
    g_secret = config_secret("ESEWA_SECRET_KEY");
    static bool registered;
    if (!registered) {
        atexit(esewa_free);
        registered = true;
    }
    return 0;
}

static bool esewa_available(void)
{
    return g_secret != NULL && g_secret[0] != '\0' && g_product_code[0] != '\0';
}

/* Adds name: value to the form object; false on allocation failure. */
static bool add_field(cJSON *form, const char *name, const char *value)
{
    return cJSON_AddStringToObject(form, name, value) != NULL;
}

static int esewa_initiate(const pay_initiate_req_t *req, pay_initiate_res_t *out)
{
    memset(out, 0, sizeof *out);
    if (!esewa_available())
        return ERR_UNAVAILABLE;
    if (strcmp(req->currency, "NPR") != 0) {
        log_warn("esewa: payment %s in %s: eSewa takes NPR only", req->payment_id, req->currency);
        return ERR_CONFLICT;
    }
    char amount[ESEWA_AMOUNT_MAX], sig[ESEWA_SIG_LEN];
    if (!esewa_uuid_valid(req->payment_id) || esewa_amount_format(req->amount, amount) != 0)
        return ERR_INVALID;
    int rc = esewa_sign_request(g_secret, amount, req->payment_id, g_product_code, sig);
    if (rc != 0)
        return rc;
    const char *cancel =
        req->cancel_url != NULL && req->cancel_url[0] != '\0' ? req->cancel_url : req->return_url;
    size_t flen = strlen(cancel) + strlen(req->payment_id) + 32;
    char *failure_url = malloc(flen);
    size_t alen = strlen(g_form_base) + sizeof ESEWA_FORM_PATH;
    out->form_action = malloc(alen);
    out->form_fields = cJSON_CreateObject();
    rc = ERR_INTERNAL;
    if (failure_url == NULL || out->form_action == NULL || out->form_fields == NULL)
        goto out;
    snprintf(failure_url, flen, "%s%ctransaction_uuid=%s", cancel,
             strchr(cancel, '?') != NULL ? '&' : '?', req->payment_id);
    snprintf(out->form_action, alen, "%s%s", g_form_base, ESEWA_FORM_PATH);
    /* The whole order total is the product amount: its tax and shipping are already
     * in it, and eSewa wants every part present, "0" when unused. */
    cJSON *f = out->form_fields;
    if (!add_field(f, "amount", amount) || !add_field(f, "tax_amount", "0") ||
        !add_field(f, "product_service_charge", "0") ||
        !add_field(f, "product_delivery_charge", "0") || !add_field(f, "total_amount", amount) ||
        !add_field(f, "transaction_uuid", req->payment_id) ||
        !add_field(f, "product_code", g_product_code) ||
        !add_field(f, "success_url", req->return_url) ||
        !add_field(f, "failure_url", failure_url) ||
        !add_field(f, "signed_field_names", ESEWA_REQUEST_NAMES) || !add_field(f, "signature", sig))
        goto out;
    rc = pay_copy(out->provider_reference, sizeof out->provider_reference, req->payment_id);
out:
    free(failure_url);
    if (rc != 0)
        pay_initiate_res_free(out);
    return rc;
}

/* The transaction_uuid a failure return names: eSewa may append its own "?..." to our
 * failure_url, so the value ends at a '?'. */
static bool failure_uuid(const char *query, char *uuid, size_t len)
{
    if (!pay_form_get(query, "transaction_uuid", uuid, len))
        return false;
    char *q = strchr(uuid, '?');
    if (q != NULL)
        *q = '\0';
    return esewa_uuid_valid(uuid);
}

/* The request text that carries a notification's fields: the return's query, or a
 * form-encoded body posted to /payment/webhook/esewa. Caller frees *owned. */
static const char *notification_text(const pay_notification_t *n, char **owned)
{
    *owned = NULL;
    if (n->is_return)
        return n->query;
    if (n->body == NULL || n->body_len == 0)
        return NULL;
    *owned = strndup(n->body, n->body_len);
    return *owned;
}

static int esewa_identify(const pay_notification_t *n, pay_ref_t *out)
{
    memset(out, 0, sizeof *out);
    char *owned;
    const char *text = notification_text(n, &owned);
    char *data = malloc(ESEWA_DATA_MAX + 1);
    char uuid[ESEWA_UUID_MAX + 1];
    int rc = ERR_INVALID;
    if (data == NULL || text == NULL)
        goto out;
    bool found = false;
    if (pay_form_get(text, "data", data, ESEWA_DATA_MAX + 1))
        found = esewa_data_peek(data, uuid, sizeof uuid) == 0 && esewa_uuid_valid(uuid);
    else
        found = failure_uuid(text, uuid, sizeof uuid);
    if (!found)
        goto out;
    pay_copy(out->provider_reference, sizeof out->provider_reference, uuid);
    /* Our transaction_uuid is the payment id. */
    if (id_is_uuid(uuid))
        pay_copy(out->payment_id, sizeof out->payment_id, uuid);
    rc = 0;
out:
    free(data);
    free(owned);
    return rc;
}

/* What a status means in the interface's terms. */
static pay_outcome_t outcome_of(esewa_status_t s)
{
    switch (esewa_outcome_of(s)) {
    case ESEWA_OUT_PAID:
        return PAY_OUTCOME_SUCCEEDED;
    case ESEWA_OUT_FAILED:
        return PAY_OUTCOME_FAILED;
    case ESEWA_OUT_REFUNDED:
        return s == ESEWA_PARTIAL_REFUND ? PAY_OUTCOME_PARTIALLY_REFUNDED : PAY_OUTCOME_REFUNDED;
    case ESEWA_OUT_WAIT:
        break;
    }
    return PAY_OUTCOME_PENDING;
}

/* Asks the status-check API about uuid paid with total_amount (the rupee text) and fills
 * *out. returned: the buyer came back from eSewa, so its session is over and NOT_FOUND
 * is a failure; without a return (the reconciler) NOT_FOUND may only mean the buyer has
 * not posted the form yet (a client app may show it for as long as it likes), so it is
 * held rather than failing the order under the buyer's feet. 0, or ERR_UNAVAILABLE when
 * eSewa could not be reached, said it is down, or answered something we cannot read. */
static int status_check(const pay_payment_t *payment, const char *total_amount, bool returned,
                        pay_event_t *out)
{
    const char *uuid = payment->provider_reference;
    char *url = esewa_status_url(g_status_base, g_product_code, total_amount, uuid);
    if (url == NULL)
        return ERR_INTERNAL;
    const char *headers[] = {"Accept: application/json", NULL};
    hc_response_t resp = {0};
    esewa_status_reply_t r;
    int rc = hc_request("GET", url, headers, NULL, 0, ESEWA_TIMEOUT_MS, ESEWA_MAX_REPLY, &resp);
    free(url);
    if (rc != 0) {
        rc = ERR_UNAVAILABLE;
        goto out;
    }
    /* The HTTP codes of the statuses are not documented: the body decides. */
    rc = esewa_status_parse(resp.body != NULL ? resp.body : "", resp.len, &r);
    if (rc != 0) {
        log_warn("esewa: status of %s: HTTP %ld: %.200s", uuid, resp.status,
                 resp.body != NULL ? resp.body : "");
        rc = ERR_UNAVAILABLE;
        goto out;
    }
    /* An answer about another transaction is not an answer about ours. */
    if ((r.transaction_uuid[0] != '\0' && strcmp(r.transaction_uuid, uuid) != 0) ||
        (r.product_code[0] != '\0' && strcmp(r.product_code, g_product_code) != 0)) {
        log_warn("esewa: status of %s answered about %s/%s", uuid, r.product_code,
                 r.transaction_uuid);
        rc = ERR_UNAVAILABLE;
        goto out;
    }
    if (r.status == ESEWA_STATUS_UNKNOWN)
        log_error("esewa: transaction %s has status \"%s\", which we do not know: held", uuid,
                  r.status_text);
    else if (r.status == ESEWA_AMBIGUOUS)
        log_error("esewa: transaction %s is AMBIGUOUS (halted at eSewa): held", uuid);
    /* One observation per (uuid, status), whoever asked. */
    snprintf(out->event_id, sizeof out->event_id, "%s:%s", uuid, r.status_text);
    pay_copy(out->payment_id, sizeof out->payment_id, payment->payment_id);
    pay_copy(out->provider_reference, sizeof out->provider_reference, uuid);
    pay_copy(out->provider_txn, sizeof out->provider_txn, r.ref_id);
    out->outcome = outcome_of(r.status);
    if (r.status == ESEWA_NOT_FOUND && !returned)
        out->outcome = PAY_OUTCOME_PENDING;
    /* The amount eSewa reports, or, when the answer carries none, the one the query
     * named: a COMPLETE answer is eSewa confirming that amount. */
    out->amount = r.total_amount;
    if (out->amount < 0 &&
        esewa_amount_parse(total_amount, strlen(total_amount), &out->amount) != 0)
        out->amount = -1;
    pay_copy(out->currency, sizeof out->currency, "NPR");
    snprintf(out->detail, sizeof out->detail, "%s", r.status_text);
out:
    hc_response_free(&resp);
    return rc;
}

/* The status check for our record's amount; returned as for status_check. */
static int check_payment(const pay_payment_t *payment, bool returned, pay_event_t *out)
{
    memset(out, 0, sizeof *out);
    if (!esewa_available())
        return ERR_UNAVAILABLE;
    if (payment == NULL || payment->provider_reference == NULL ||
        !esewa_uuid_valid(payment->provider_reference))
        return ERR_NOT_FOUND;
    char amount[ESEWA_AMOUNT_MAX];
    if (esewa_amount_format(payment->amount, amount) != 0)
        return ERR_INVALID;
    return status_check(payment, amount, returned, out);
}

static int esewa_lookup(const pay_payment_t *payment, pay_event_t *out)
{
    return check_payment(payment, false, out);
}

static int esewa_verify(const pay_notification_t *n, const pay_payment_t *payment, pay_event_t *out)
{
    memset(out, 0, sizeof *out);
    if (!esewa_available())
        return ERR_UNAVAILABLE;
    if (payment == NULL)
        return ERR_NOT_FOUND; /* the status check needs our record */
    char *owned;
    const char *text = notification_text(n, &owned);
    char *data = malloc(ESEWA_DATA_MAX + 1);
    int rc = ERR_INVALID;
    if (data == NULL || text == NULL)
        goto out;
    if (!pay_form_get(text, "data", data, ESEWA_DATA_MAX + 1)) {
        /* A failure (or pending) return: nothing signed, the status API decides. */
        char uuid[ESEWA_UUID_MAX + 1];
        if (!failure_uuid(text, uuid, sizeof uuid))
            goto out;
        if (strcmp(uuid, payment->provider_reference) != 0) {
            rc = ERR_UNAUTHORIZED;
            goto out;
        }
        rc = check_payment(payment, true, out);
        goto out;
    }
    esewa_result_t r;
    rc = esewa_verify_data(g_secret, data, &r);
    if (rc != 0) {
        log_warn("esewa: success data for payment %s refused (%s)", payment->payment_id,
                 rc == ERR_UNAUTHORIZED ? "bad signature" : "malformed");
        rc = rc == ERR_UNAUTHORIZED ? ERR_UNAUTHORIZED : ERR_INVALID;
        goto out;
    }
    /* Authentic, but it must be about this payment of this merchant. */
    if (strcmp(r.product_code, g_product_code) != 0 ||
        strcmp(r.transaction_uuid, payment->provider_reference) != 0) {
        log_warn("esewa: signed data names %s/%s, payment %s is %s/%s", r.product_code,
                 r.transaction_uuid, payment->payment_id, g_product_code,
                 payment->provider_reference);
        rc = ERR_UNAUTHORIZED;
        goto out;
    }
    /* Ask about the amount eSewa says was paid: ours in the text we posted when they
     * agree, else eSewa's own text, so that a different amount is reported as such and
     * the core rejects it rather than reading a NOT_FOUND as a failed payment. */
    int64_t paid;
    char amount[ESEWA_AMOUNT_MAX];
    if (esewa_amount_parse(r.total_amount, strlen(r.total_amount), &paid) != 0) {
        rc = ERR_INVALID;
        goto out;
    }
    if (paid == payment->amount)
        rc = esewa_amount_format(payment->amount, amount);
    else
        rc = pay_copy(amount, sizeof amount, r.total_amount);
    if (rc == 0)
        rc = status_check(payment, amount, true, out);
    if (rc == 0 && out->provider_txn[0] == '\0')
        pay_copy(out->provider_txn, sizeof out->provider_txn, r.transaction_code);
out:
    free(data);
    free(owned);
    return rc;
}

const pay_provider_t pay_provider_esewa = {
    .name = "esewa",
    .init = esewa_init,
    .available = esewa_available,
    .initiate = esewa_initiate,
    .identify = esewa_identify,
    .verify = esewa_verify,
    .lookup = esewa_lookup,
    .refund = NULL, /* eSewa documents no refund API */
};
