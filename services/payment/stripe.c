/* stripe.c - Stripe: Checkout Sessions over the REST API (form-encoded, Bearer secret
 * key, Idempotency-Key), webhooks verified with the Stripe-Signature scheme, refunds.
 *
 * Configuration: STRIPE_API_BASE (scheme and host, default https://api.stripe.com; the
 * paths are built here), STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET (whsec_..., used whole
 * as the HMAC key), STRIPE_WEBHOOK_TOLERANCE (seconds, default 300). Without the key or
 * the webhook secret the provider is unavailable.
 *
 * A session is found again by client_reference_id = our payment id; the browser's
 * return is never trusted: it triggers a server-side GET of the session. */
#include "stripe.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"

static char *g_key, *g_whsec;
static char g_base[512] = "https://api.stripe.com";
static int64_t g_tolerance = 300;

static void stripe_free(void)
{
    free(g_key);
    free(g_whsec);
    g_key = g_whsec = NULL;
}

static int stripe_init(void)
{
    stripe_free();
    const char *base = config_str("STRIPE_API_BASE", "https://api.stripe.com");
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    if ((strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0) ||
        n >= sizeof g_base) {
        log_error("STRIPE_API_BASE must be an http(s):// URL");
        return ERR_INVALID;
    }
    memcpy(g_base, base, n);
    g_base[n] = '\0';
    long tol = config_long("STRIPE_WEBHOOK_TOLERANCE", 300);
    if (tol < 1 || tol > 86400) {
        log_error("STRIPE_WEBHOOK_TOLERANCE must be 1..86400 seconds");
        return ERR_INVALID;
    }
    g_tolerance = tol;
    g_key = config_secret("STRIPE_SECRET_KEY");
    g_whsec = config_secret("STRIPE_WEBHOOK_SECRET");
    static bool registered;
    if (!registered) {
        atexit(stripe_free);
        registered = true;
    }
    return 0;
}

static bool stripe_available(void)
{
    return g_key != NULL && g_key[0] != '\0' && g_whsec != NULL && g_whsec[0] != '\0';
}

static const char *str_of(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int stripe_session_read(const cJSON *s, pay_event_t *out)
{
    const char *id = str_of(s, "id");
    const char *status = str_of(s, "status");
    const char *paid = str_of(s, "payment_status");
    const char *currency = str_of(s, "currency");
    const cJSON *amount = cJSON_GetObjectItemCaseSensitive(s, "amount_total");
    const char *ref = str_of(s, "client_reference_id");
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(s, "metadata");
    const cJSON *pi = cJSON_GetObjectItemCaseSensitive(s, "payment_intent");
    if (id == NULL || status == NULL || paid == NULL)
        return ERR_INVALID;
    if (ref == NULL)
        ref = str_of(meta, "payment_id");
    if (pay_copy(out->provider_reference, sizeof out->provider_reference, id) != 0 ||
        pay_copy(out->payment_id, sizeof out->payment_id, ref) != 0)
        return ERR_INVALID;
    /* payment_intent is an id, or an object when expanded. */
    const char *pi_id = cJSON_IsString(pi) ? pi->valuestring : str_of(pi, "id");
    if (pay_copy(out->provider_txn, sizeof out->provider_txn, pi_id) != 0)
        return ERR_INVALID;
    out->amount = -1;
    if (cJSON_IsNumber(amount) && amount->valuedouble >= 0 && amount->valuedouble < 9e15)
        out->amount = (int64_t)amount->valuedouble;
    out->currency[0] = '\0';
    if (currency != NULL && strlen(currency) == 3)
        for (int i = 0; i < 4; i++)
            out->currency[i] = (char)toupper((unsigned char)currency[i]);
    if (strcmp(status, "complete") == 0 && strcmp(paid, "paid") == 0)
        out->outcome = PAY_OUTCOME_SUCCEEDED;
    else if (strcmp(status, "expired") == 0)
        out->outcome = PAY_OUTCOME_FAILED;
    else
        out->outcome = PAY_OUTCOME_PENDING;
    snprintf(out->detail, sizeof out->detail, "session %s/%s", status, paid);
    return 0;
}

int stripe_event_read(const char *body, size_t len, pay_event_t *out)
{
    memset(out, 0, sizeof *out);
    out->amount = -1;
    cJSON *root = cJSON_ParseWithLength(body, len);
    const char *id = str_of(root, "id");
    const char *type = str_of(root, "type");
    const cJSON *obj =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "data"), "object");
    int rc = ERR_INVALID;
    if (id == NULL || type == NULL || !cJSON_IsObject(obj) ||
        pay_copy(out->event_id, sizeof out->event_id, id) != 0)
        goto out;
    rc = 0;
    if (strncmp(type, "checkout.session.", 17) != 0) {
        out->outcome = PAY_OUTCOME_IGNORED;
        snprintf(out->detail, sizeof out->detail, "%s", type);
        goto out;
    }
    rc = stripe_session_read(obj, out);
    if (rc != 0)
        goto out;
    const char *what = type + 17;
    if (strcmp(what, "completed") == 0)
        out->outcome = strcmp(str_of(obj, "payment_status"), "paid") == 0 ? PAY_OUTCOME_SUCCEEDED
                                                                          : PAY_OUTCOME_PENDING;
    else if (strcmp(what, "async_payment_succeeded") == 0)
        out->outcome = PAY_OUTCOME_SUCCEEDED;
    else if (strcmp(what, "async_payment_failed") == 0 || strcmp(what, "expired") == 0)
        out->outcome = PAY_OUTCOME_FAILED;
    else
        out->outcome = PAY_OUTCOME_IGNORED;
    snprintf(out->detail, sizeof out->detail, "%s", type);
out:
    cJSON_Delete(root);
    return rc;
}

/* Maps a Stripe answer: 2xx fine, 404 not found, other 4xx a refusal (logged with
 * Stripe's error type and message, never shown to our client), 5xx unavailable. */
static int answer_code(const char *what, long status, const cJSON *json)
{
    if (status >= 200 && status < 300)
        return 0;
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(json, "error");
    log_warn("stripe: %s: HTTP %ld %s: %s", what, status,
             str_of(err, "type") ? str_of(err, "type") : "",
             str_of(err, "message") ? str_of(err, "message") : "");
    if (status == 404)
        return ERR_NOT_FOUND;
    if (status >= 400 && status < 500 && status != 409 && status != 429)
        return ERR_CONFLICT;
    return ERR_UNAVAILABLE;
}

/* POSTs a form (or GETs when form is NULL) to g_base + path with the key and an
 * optional Idempotency-Key. */
static int stripe_call(const char *method, const char *path, const char *form, const char *idem_key,
                       long *status, cJSON **json)
{
    char url[1024], auth[600], idem[320];
    const char *headers[4];
    int h = 0;
    int n = snprintf(url, sizeof url, "%s%s", g_base, path);
    if (n < 0 || (size_t)n >= sizeof url || g_key == NULL ||
        (size_t)snprintf(auth, sizeof auth, "Authorization: Bearer %s", g_key) >= sizeof auth)
        return ERR_INVALID;
    headers[h++] = auth;
    if (form != NULL)
        headers[h++] = "Content-Type: application/x-www-form-urlencoded";
    if (idem_key != NULL) {
        snprintf(idem, sizeof idem, "Idempotency-Key: %.255s", idem_key);
        headers[h++] = idem;
    }
    headers[h] = NULL;
    return pay_http_json(method, url, headers, form, form != NULL ? strlen(form) : 0, status, json);
}

static int stripe_initiate(const pay_initiate_req_t *req, pay_initiate_res_t *out)
{
    char amount[24], currency[4], name[128], success[1024], cancel[1024];
    char *form = NULL;
    cJSON *json = NULL;
    long status = 0;
    int rc;

    memset(out, 0, sizeof *out);
    snprintf(amount, sizeof amount, "%" PRId64, req->amount);
    for (int i = 0; i < 4; i++)
        currency[i] = (char)tolower((unsigned char)req->currency[i]);
    snprintf(name, sizeof name, "Order %s",
             req->order_number != NULL && req->order_number[0] != '\0' ? req->order_number
                                                                       : req->order_id);
    /* {CHECKOUT_SESSION_ID} is filled in by Stripe on the redirect. */
    snprintf(success, sizeof success, "%s?payment_id=%s&session_id={CHECKOUT_SESSION_ID}",
             req->return_url, req->payment_id);
    snprintf(cancel, sizeof cancel, "%s?payment_id=%s&cancelled=1", req->cancel_url,
             req->payment_id);
    rc = pay_form_add(&form, "mode", "payment");
    rc = rc ? rc : pay_form_add(&form, "line_items[0][price_data][currency]", currency);
    rc = rc ? rc : pay_form_add(&form, "line_items[0][price_data][unit_amount]", amount);
    rc = rc ? rc : pay_form_add(&form, "line_items[0][price_data][product_data][name]", name);
    rc = rc ? rc : pay_form_add(&form, "line_items[0][quantity]", "1");
    rc = rc ? rc : pay_form_add(&form, "success_url", success);
    rc = rc ? rc : pay_form_add(&form, "cancel_url", cancel);
    rc = rc ? rc : pay_form_add(&form, "client_reference_id", req->payment_id);
    rc = rc ? rc : pay_form_add(&form, "metadata[payment_id]", req->payment_id);
    rc = rc ? rc : pay_form_add(&form, "metadata[order_id]", req->order_id);
    rc =
        rc ? rc : pay_form_add(&form, "payment_intent_data[metadata][payment_id]", req->payment_id);
    rc = rc ? rc : pay_form_add(&form, "payment_intent_data[metadata][order_id]", req->order_id);
    if (rc != 0)
        goto out;
    rc = stripe_call("POST", "/v1/checkout/sessions", form, req->idempotency_key, &status, &json);
    if (rc != 0)
        goto out;
    rc = answer_code("create checkout session", status, json);
    if (rc != 0)
        goto out;
    const char *id = str_of(json, "id");
    const char *url = str_of(json, "url");
    if (id == NULL || url == NULL || strncmp(id, "cs_", 3) != 0 ||
        pay_copy(out->provider_reference, sizeof out->provider_reference, id) != 0) {
        log_warn("stripe: checkout session answer without id or url");
        rc = ERR_UNAVAILABLE;
        goto out;
    }
    out->redirect_url = strdup(url);
    rc = out->redirect_url != NULL ? 0 : ERR_INTERNAL;
out:
    if (rc != 0)
        pay_initiate_res_free(out);
    free(form);
    cJSON_Delete(json);
    return rc;
}

static int stripe_identify(const pay_notification_t *n, pay_ref_t *out)
{
    memset(out, 0, sizeof *out);
    if (n->is_return) {
        char pid[64];
        if (!pay_form_get(n->query, "payment_id", pid, sizeof pid) || !id_is_uuid(pid))
            return ERR_INVALID;
        return pay_copy(out->payment_id, sizeof out->payment_id, pid);
    }
    cJSON *root = n->body != NULL ? cJSON_ParseWithLength(n->body, n->body_len) : NULL;
    const cJSON *obj =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "data"), "object");
    const char *ref = str_of(obj, "client_reference_id");
    if (ref == NULL)
        ref = str_of(cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "payment_id");
    const char *id = str_of(obj, "id");
    int rc = ERR_INVALID;
    if (ref != NULL && id_is_uuid(ref))
        rc = pay_copy(out->payment_id, sizeof out->payment_id, ref);
    if (id != NULL && strncmp(id, "cs_", 3) == 0 &&
        pay_copy(out->provider_reference, sizeof out->provider_reference, id) == 0)
        rc = 0;
    cJSON_Delete(root);
    return rc;
}

static int stripe_lookup(const pay_payment_t *payment, pay_event_t *out)
{
    char path[PAY_REF_LEN + 32];
    cJSON *json = NULL;
    long status = 0;
    memset(out, 0, sizeof *out);
    const char *ref = payment->provider_reference;
    /* A session id is letters, digits and '_': anything else never goes into a path. */
    if (ref == NULL || strncmp(ref, "cs_", 3) != 0 ||
        strspn(ref, "abcdefghijklmnopqrstuvwxyz"
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789_") != strlen(ref))
        return ERR_NOT_FOUND;
    snprintf(path, sizeof path, "/v1/checkout/sessions/%s", ref);
    int rc = stripe_call("GET", path, NULL, NULL, &status, &json);
    if (rc == 0)
        rc = answer_code("retrieve checkout session", status, json);
    if (rc == 0)
        rc = stripe_session_read(json, out) == 0 ? 0 : ERR_UNAVAILABLE;
    if (rc == 0)
        snprintf(out->event_id, sizeof out->event_id, "lookup:%s:%d", ref, (int)out->outcome);
    cJSON_Delete(json);
    return rc;
}

static int stripe_verify(const pay_notification_t *n, const pay_payment_t *payment,
                         pay_event_t *out)
{
    memset(out, 0, sizeof *out);
    if (n->is_return) {
        /* The query string proves nothing: ask Stripe. */
        if (payment == NULL)
            return ERR_NOT_FOUND;
        return stripe_lookup(payment, out);
    }
    const char *sig = n->header != NULL ? n->header(n->header_ctx, STRIPE_SIGNATURE_HEADER) : NULL;
    int rc = pay_sig_verify(sig, n->body, n->body_len, g_whsec, n->now, g_tolerance);
    if (rc != 0)
        return rc;
    return stripe_event_read(n->body, n->body_len, out);
}

static int stripe_refund(const pay_refund_req_t *req, pay_refund_res_t *out)
{
    char amount[24];
    char *form = NULL;
    cJSON *json = NULL;
    long status = 0;
    memset(out, 0, sizeof *out);
    const char *pi = req->payment->provider_txn;
    if (pi == NULL || pi[0] == '\0') {
        log_warn("stripe: refund of payment %s without a payment_intent", req->payment->payment_id);
        return ERR_CONFLICT;
    }
    snprintf(amount, sizeof amount, "%" PRId64, req->amount);
    int rc = pay_form_add(&form, "payment_intent", pi);
    rc = rc ? rc : pay_form_add(&form, "amount", amount);
    rc = rc ? rc : pay_form_add(&form, "metadata[refund_id]", req->refund_id);
    rc = rc ? rc : pay_form_add(&form, "metadata[payment_id]", req->payment->payment_id);
    if (rc == 0 && req->reason != NULL && req->reason[0] != '\0')
        rc = pay_form_add(&form, "metadata[reason]", req->reason);
    if (rc == 0)
        rc = stripe_call("POST", "/v1/refunds", form, req->idempotency_key, &status, &json);
    if (rc == 0)
        rc = answer_code("create refund", status, json);
    if (rc == 0) {
        const char *st = str_of(json, "status");
        if (pay_copy(out->provider_refund_id, sizeof out->provider_refund_id, str_of(json, "id")) !=
            0)
            rc = ERR_UNAVAILABLE;
        else if (st != NULL && (strcmp(st, "failed") == 0 || strcmp(st, "canceled") == 0))
            rc = ERR_CONFLICT;
        else
            out->pending = st == NULL || strcmp(st, "succeeded") != 0;
    }
    free(form);
    cJSON_Delete(json);
    return rc;
}

const pay_provider_t pay_provider_stripe = {
    .name = "stripe",
    .init = stripe_init,
    .available = stripe_available,
    .initiate = stripe_initiate,
    .identify = stripe_identify,
    .verify = stripe_verify,
    .lookup = stripe_lookup,
    .refund = stripe_refund,
};
