/* fake.c - the fake provider: always available, no account anywhere. Its "hosted page"
 * is our own GET /payment/fake/:id; the buttons there make the service send itself a
 * webhook signed like Stripe's ("t=..,v1=<hex HMAC-SHA256 of t.body>") under
 * FAKE_WEBHOOK_SECRET, so the webhook path the real providers take is exercised end to
 * end. Without FAKE_WEBHOOK_SECRET a random secret is made at start: fine for one
 * replica, wrong for several (logged). */
#include "fake.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/config.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/sig.h"
#include "provider.h"

static char *g_secret;
static int64_t g_tolerance = 300;

static void free_secret(void)
{
    free(g_secret);
    g_secret = NULL;
}

static int fake_init(void)
{
    free_secret();
    g_secret = config_secret("FAKE_WEBHOOK_SECRET");
    long tol = config_long("FAKE_WEBHOOK_TOLERANCE", 300);
    if (tol < 1 || tol > 86400) {
        log_error("FAKE_WEBHOOK_TOLERANCE must be 1..86400 seconds");
        return ERR_INVALID;
    }
    g_tolerance = tol;
    if (g_secret == NULL || g_secret[0] == '\0') {
        unsigned char raw[32];
        free(g_secret);
        g_secret = malloc(65);
        if (g_secret == NULL || getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
            return ERR_INTERNAL;
        sig_hex(raw, sizeof raw, g_secret);
        log_warn("payment: FAKE_WEBHOOK_SECRET unset: using a random secret (one replica only)");
    }
    static bool registered;
    if (!registered) {
        atexit(free_secret);
        registered = true;
    }
    return 0;
}

static bool fake_available(void)
{
    return g_secret != NULL;
}

static int fake_initiate(const pay_initiate_req_t *req, pay_initiate_res_t *out)
{
    memset(out, 0, sizeof *out);
    size_t n = strlen(req->website_url) + strlen("/payment/fake/") + strlen(req->payment_id) + 1;
    out->redirect_url = malloc(n);
    if (out->redirect_url == NULL)
        return ERR_INTERNAL;
    snprintf(out->redirect_url, n, "%s/payment/fake/%s", req->website_url, req->payment_id);
    /* The fake provider has no ids of its own: the payment id is its reference. */
    return pay_copy(out->provider_reference, sizeof out->provider_reference, req->payment_id);
}

static int fake_identify(const pay_notification_t *n, pay_ref_t *out)
{
    memset(out, 0, sizeof *out);
    cJSON *root = n->body != NULL ? cJSON_ParseWithLength(n->body, n->body_len) : NULL;
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    const cJSON *pid = cJSON_GetObjectItemCaseSensitive(data, "payment_id");
    int rc = ERR_INVALID;
    if (cJSON_IsString(pid) && id_is_uuid(pid->valuestring))
        rc = pay_copy(out->payment_id, sizeof out->payment_id, pid->valuestring);
    cJSON_Delete(root);
    return rc;
}

static int fake_verify(const pay_notification_t *n, const pay_payment_t *payment, pay_event_t *out)
{
    (void)payment;
    memset(out, 0, sizeof *out);
    if (n->is_return)
        return ERR_INVALID; /* the fake provider never sends a browser back */
    const char *sig = n->header != NULL ? n->header(n->header_ctx, FAKE_SIGNATURE_HEADER) : NULL;
    int rc = pay_sig_verify(sig, n->body, n->body_len, g_secret, n->now, g_tolerance);
    if (rc != 0)
        return rc;
    cJSON *root = cJSON_ParseWithLength(n->body, n->body_len);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    const cJSON *pid = cJSON_GetObjectItemCaseSensitive(data, "payment_id");
    const cJSON *amount = cJSON_GetObjectItemCaseSensitive(data, "amount");
    const cJSON *currency = cJSON_GetObjectItemCaseSensitive(data, "currency");
    rc = ERR_INVALID;
    if (!cJSON_IsString(id) || !cJSON_IsString(type) || !cJSON_IsString(pid) ||
        !cJSON_IsNumber(amount) || !cJSON_IsString(currency) ||
        pay_copy(out->event_id, sizeof out->event_id, id->valuestring) != 0 ||
        pay_copy(out->payment_id, sizeof out->payment_id, pid->valuestring) != 0 ||
        pay_copy(out->provider_reference, sizeof out->provider_reference, pid->valuestring) != 0 ||
        pay_copy(out->currency, sizeof out->currency, currency->valuestring) != 0)
        goto out;
    out->amount = (int64_t)amount->valuedouble;
    if ((double)out->amount != amount->valuedouble)
        goto out;
    if (strcmp(type->valuestring, "payment.succeeded") == 0)
        out->outcome = PAY_OUTCOME_SUCCEEDED;
    else if (strcmp(type->valuestring, "payment.failed") == 0)
        out->outcome = PAY_OUTCOME_FAILED;
    else
        out->outcome = PAY_OUTCOME_IGNORED;
    snprintf(out->detail, sizeof out->detail, "%s", type->valuestring);
    rc = 0;
out:
    cJSON_Delete(root);
    return rc;
}

static int fake_refund(const pay_refund_req_t *req, pay_refund_res_t *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->provider_refund_id, sizeof out->provider_refund_id, "fkre_%s", req->refund_id);
    return 0;
}

char *fake_webhook_body(const char *payment_id, int64_t amount, const char *currency, bool pay,
                        int64_t now)
{
    char evt[ID_UUID_LEN + 16], uuid[ID_UUID_LEN];
    id_uuid(uuid);
    snprintf(evt, sizeof evt, "evt_fake_%s", uuid);
    cJSON *root = cJSON_CreateObject();
    cJSON *data = NULL;
    char *body = NULL;
    if (root != NULL && cJSON_AddStringToObject(root, "id", evt) != NULL &&
        cJSON_AddStringToObject(root, "type", pay ? "payment.succeeded" : "payment.failed") !=
            NULL &&
        cJSON_AddNumberToObject(root, "created", (double)now) != NULL &&
        (data = cJSON_AddObjectToObject(root, "data")) != NULL &&
        cJSON_AddStringToObject(data, "payment_id", payment_id) != NULL &&
        cJSON_AddNumberToObject(data, "amount", (double)amount) != NULL &&
        cJSON_AddStringToObject(data, "currency", currency) != NULL)
        body = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return body;
}

int fake_send_webhook(const char *base_url, const char *body, int64_t now, long *status)
{
    char sig[160], header[200], url[1024];
    cJSON *json = NULL;
    *status = 0;
    int rc = pay_sig_sign(body, strlen(body), g_secret, now, sig, sizeof sig);
    if (rc != 0)
        return rc;
    snprintf(header, sizeof header, "%s: %s", FAKE_SIGNATURE_HEADER, sig);
    int n = snprintf(url, sizeof url, "%s/payment/webhook/fake", base_url);
    if (n < 0 || (size_t)n >= sizeof url)
        return ERR_INVALID;
    const char *headers[] = {header, "Content-Type: application/json", NULL};
    rc = pay_http_json("POST", url, headers, body, strlen(body), status, &json);
    cJSON_Delete(json);
    return rc;
}

const pay_provider_t pay_provider_fake = {
    .name = "fake",
    .init = fake_init,
    .available = fake_available,
    .initiate = fake_initiate,
    .identify = fake_identify,
    .verify = fake_verify,
    .lookup = NULL,
    .refund = fake_refund,
};
