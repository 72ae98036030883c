/* routes.c - the payment service's route table and thin handlers: parse, authorize,
 * call a provider / settle.c / refunds.c, render.
 *
 * Customers and admins authenticate with the bearer token (auth_require). Webhooks,
 * browser returns and the fake provider's page carry no token: they are trusted only
 * through the provider's verify() (a signature or a server-side lookup), never because
 * they reached us.
 */
#include "routes.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/auth.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/idempotency.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/money.h"
#include "common/service.h"
#include "fake.h"
#include "orders.h"
#include "payment.h"
#include "provider.h"
#include "refunds.h"
#include "settle.h"
#include "store.h"

#define IDEM_KEY_MAX 255

static char g_public_base[512] = "http://127.0.0.1:8080";
static char g_webhook_base[512] = "http://127.0.0.1:8080";
static char g_result_url[512];

/* Copies a base URL without its trailing '/'s. */
static void set_base(char *dst, size_t len, const char *url)
{
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    snprintf(dst, len, "%.*s", (int)n, url);
}

void routes_init(const char *public_base_url, const char *fake_webhook_base_url,
                 const char *result_url)
{
    set_base(g_public_base, sizeof g_public_base, public_base_url);
    set_base(g_webhook_base, sizeof g_webhook_base,
             fake_webhook_base_url != NULL && fake_webhook_base_url[0] ? fake_webhook_base_url
                                                                       : public_base_url);
    snprintf(g_result_url, sizeof g_result_url, "%s", result_url != NULL ? result_url : "");
}

/* ---- helpers ----------------------------------------------------------------------- */

static void reply_failure(http_req_t *req, int rc)
{
    if (rc == ERR_RETRY)
        rc = ERR_UNAVAILABLE;
    if (rc == ERR_INVALID)
        rc = ERR_INTERNAL;
    http_reply_err(req, rc, NULL);
}

/* reply_failure() for a request about one payment, whose ERR_NOT_FOUND (unknown, or not the
 * caller's) is "no such payment". */
static void reply_payment_failure(http_req_t *req, int rc)
{
    if (rc == ERR_NOT_FOUND)
        http_reply_err(req, ERR_NOT_FOUND, "no such payment");
    else
        reply_failure(req, rc);
}

static cJSON *refund_json(const refund_row_t *r)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || cJSON_AddStringToObject(o, "refund_id", r->id) == NULL ||
        cJSON_AddStringToObject(o, "payment_id", r->payment_id) == NULL ||
        cJSON_AddNumberToObject(o, "amount", (double)r->amount) == NULL ||
        cJSON_AddStringToObject(o, "status", r->status) == NULL ||
        cJSON_AddStringToObject(o, "reason", r->reason) == NULL ||
        (r->provider_refund_id[0]
             ? cJSON_AddStringToObject(o, "provider_refund_id", r->provider_refund_id)
             : cJSON_AddNullToObject(o, "provider_refund_id")) == NULL ||
        cJSON_AddStringToObject(o, "created_at", r->created_at) == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* The public view of a payment. */
static cJSON *payment_json(const payment_row_t *p)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || cJSON_AddStringToObject(o, "payment_id", p->id) == NULL ||
        cJSON_AddStringToObject(o, "order_id", p->order_id) == NULL ||
        cJSON_AddStringToObject(o, "customer_id", p->customer_id) == NULL ||
        cJSON_AddStringToObject(o, "provider", p->provider) == NULL ||
        cJSON_AddStringToObject(o, "status", payment_status_name(p->status)) == NULL ||
        cJSON_AddNumberToObject(o, "amount", (double)p->amount) == NULL ||
        cJSON_AddStringToObject(o, "currency", p->currency) == NULL ||
        cJSON_AddNumberToObject(o, "refunded_amount", (double)p->refunded_amount) == NULL ||
        (p->provider_reference[0]
             ? cJSON_AddStringToObject(o, "provider_reference", p->provider_reference)
             : cJSON_AddNullToObject(o, "provider_reference")) == NULL ||
        (p->failure_reason[0] ? cJSON_AddStringToObject(o, "failure_reason", p->failure_reason)
                              : cJSON_AddNullToObject(o, "failure_reason")) == NULL ||
        cJSON_AddStringToObject(o, "created_at", p->created_at) == NULL ||
        cJSON_AddStringToObject(o, "updated_at", p->updated_at) == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* ---- POST /payment/initiate -------------------------------------------------------- */

typedef struct initiated_tx {
    const payment_row_t *p;
    const pay_initiate_res_t *res;
    const char *form_json;
    const event_ctx_t *ctx;
    const char *idem_scope, *idem_key;
    int status;
    const char *body;
} initiated_tx_t;

/* Stores the provider's answer with PaymentInitiated and the idempotent response. */
static int initiated_tx(PGconn *conn, void *arg)
{
    initiated_tx_t *t = arg;
    int rc = store_payment_initiated(conn, t->p->id, t->res->provider_reference,
                                     t->res->redirect_url, t->form_json, 1);
    if (rc != 0)
        return rc;
    payment_row_t p = *t->p;
    p.version = 1;
    snprintf(p.provider_reference, sizeof p.provider_reference, "%s", t->res->provider_reference);
    cJSON *data = payment_event_data(&p, NULL, NULL, 0, (int64_t)time(NULL));
    if (data == NULL)
        return ERR_INTERNAL;
    rc = outbox_put(conn, PAYMENT_TOPIC, p.id, "PaymentInitiated",
                    "store.payment.v1.PaymentInitiated", 1, data, t->ctx);
    if (rc == 0 && t->idem_key != NULL)
        rc = idem_finish(conn, t->idem_scope, t->idem_key, t->status, t->body);
    return rc;
}

/* {payment_id, order_id, provider, status, amount, currency, redirect_url, form?} */
static cJSON *initiate_answer(const payment_row_t *p, const pay_initiate_res_t *res)
{
    cJSON *o = cJSON_CreateObject();
    bool ok =
        o != NULL && cJSON_AddStringToObject(o, "payment_id", p->id) != NULL &&
        cJSON_AddStringToObject(o, "order_id", p->order_id) != NULL &&
        cJSON_AddStringToObject(o, "provider", p->provider) != NULL &&
        cJSON_AddStringToObject(o, "status", "INITIATED") != NULL &&
        cJSON_AddNumberToObject(o, "amount", (double)p->amount) != NULL &&
        cJSON_AddStringToObject(o, "currency", p->currency) != NULL &&
        (res->redirect_url != NULL ? cJSON_AddStringToObject(o, "redirect_url", res->redirect_url)
                                   : cJSON_AddNullToObject(o, "redirect_url")) != NULL;
    if (ok && res->form_action != NULL && res->form_fields != NULL) {
        cJSON *form = cJSON_AddObjectToObject(o, "form");
        cJSON *fields = cJSON_Duplicate(res->form_fields, true);
        ok = form != NULL && fields != NULL &&
             cJSON_AddStringToObject(form, "action", res->form_action) != NULL &&
             cJSON_AddStringToObject(form, "method", "POST") != NULL &&
             cJSON_AddItemToObject(form, "fields", fields);
        if (!ok)
            cJSON_Delete(fields);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Checks the order may be paid by this customer now; on failure it has replied. */
static bool order_payable(http_req_t *req, const auth_principal_t *me, const char *order_id,
                          order_info_t *order)
{
    int rc = orders_get(order_id, order);
    /* Another customer's order is simply not found: its existence is not theirs to know. */
    if (rc == ERR_NOT_FOUND || (rc == 0 && strcmp(order->customer_id, me->user_id) != 0)) {
        http_reply_error(req, 404, "ORDER_NOT_FOUND", "no such order", NULL);
        return false;
    }
    if (rc != 0) {
        http_reply_error(req, 503, "SERVICE_UNAVAILABLE", "the order service is unavailable", NULL);
        return false;
    }
    if (strcmp(order->payment_status, "PAID") == 0) {
        http_reply_error(req, 409, "ORDER_ALREADY_PAID", "the order is already paid", NULL);
        return false;
    }
    if (strcmp(order->order_status, "PENDING_PAYMENT") != 0) {
        cJSON *details = cJSON_CreateObject();
        cJSON_AddStringToObject(details, "order_status", order->order_status);
        http_reply_error(req, 409, "ORDER_NOT_PAYABLE", "the order is not awaiting payment",
                         details);
        return false;
    }
    if (order->total <= 0) {
        http_reply_error(req, 409, "ORDER_NOT_PAYABLE", "the order has nothing to pay", NULL);
        return false;
    }
    return true;
}

static void handle_initiate(http_req_t *req)
{
    auth_principal_t me;
    cJSON *body;
    const char *raw = NULL;
    size_t raw_len = 0;
    if (auth_require(req, "customer", &me) != 0 || http_json_body(req, &body) != 0)
        return;
    if (http_body(req, &raw, &raw_len) != 0) {
        http_reply_err(req, ERR_INTERNAL, NULL);
        return;
    }

    json_check_t chk;
    json_check_init(&chk);
    const char *order_id = json_req_string(&chk, body, "order_id", 36, 36);
    if (order_id != NULL && !id_is_uuid(order_id))
        json_check_fail(&chk, "order_id", "must be a UUID");
    const char *provider_name = json_req_string(&chk, body, "provider", 1, 16);
    const pay_provider_t *prov = pay_provider_find(provider_name);
    if (provider_name != NULL && prov == NULL)
        json_check_fail(&chk, "provider", "must be one of fake, stripe, khalti, esewa");
    const char *key = http_header(req, "Idempotency-Key");
    if (key != NULL && (key[0] == '\0' || strlen(key) > IDEM_KEY_MAX))
        json_check_fail(&chk, "Idempotency-Key", "must be 1 to 255 characters");
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return;
    }
    if (!prov->available()) {
        cJSON *details = cJSON_CreateObject();
        cJSON_AddStringToObject(details, "provider", prov->name);
        http_reply_error(req, 409, "PROVIDER_UNAVAILABLE",
                         "this payment provider is not configured", details);
        return;
    }

    PGconn *conn = service_db(req);
    if (conn == NULL)
        return;
    char scope[64];
    snprintf(scope, sizeof scope, "payment.initiate:%s", me.user_id);
    if (key != NULL) {
        idem_result_t idem;
        int rc = idem_begin(conn, scope, key, raw, raw_len, &idem);
        if (rc != 0) {
            reply_failure(req, rc);
            return;
        }
        if (idem.state == IDEM_REPLAY) {
            http_reply_raw(req, idem.status, "application/json", "Idempotent-Replayed: true\r\n",
                           idem.body, idem.body != NULL ? strlen(idem.body) : 0);
            free(idem.body);
            return;
        }
        free(idem.body);
        if (idem.state == IDEM_MISMATCH) {
            http_reply_err(req, ERR_IDEM_MISMATCH,
                           "this Idempotency-Key was used with another body");
            return;
        }
        if (idem.state == IDEM_IN_PROGRESS) {
            http_reply_error(req, 409, "IDEMPOTENCY_KEY_IN_USE",
                             "a request with this Idempotency-Key is still running", NULL);
            return;
        }
    }

    order_info_t order;
    pay_initiate_res_t res = {0};
    payment_row_t p;
    char *form_json = NULL, *answer_text = NULL;
    cJSON *answer = NULL;
    bool cancelled = false;
    int rc;
    if (!order_payable(req, &me, order_id, &order))
        goto abandon;
    rc = store_order_is_cancelled(conn, order.order_id, &cancelled);
    if (rc != 0 || cancelled) {
        if (rc != 0)
            reply_failure(req, rc);
        else
            http_reply_error(req, 409, "ORDER_NOT_PAYABLE", "the order is cancelled", NULL);
        goto abandon;
    }

    memset(&p, 0, sizeof p);
    id_uuid(p.id);
    snprintf(p.order_id, sizeof p.order_id, "%s", order.order_id);
    snprintf(p.customer_id, sizeof p.customer_id, "%s", me.user_id);
    snprintf(p.provider, sizeof p.provider, "%s", prov->name);
    snprintf(p.currency, sizeof p.currency, "%s", order.currency);
    p.amount = order.total;
    p.status = PAYMENT_INITIATED;
    /* The row exists before the provider is called, so a webhook that beats our answer
     * (or a crash in between) still finds the payment it names. */
    rc = store_payment_insert(conn, &p);
    if (rc != 0) {
        reply_failure(req, rc);
        goto abandon;
    }

    char return_url[600], idem_key[64];
    snprintf(return_url, sizeof return_url, "%s/payment/return/%s", g_public_base, prov->name);
    snprintf(idem_key, sizeof idem_key, "checkout-%s", p.id);
    pay_initiate_req_t preq = {.payment_id = p.id,
                               .order_id = p.order_id,
                               .order_number = order.order_number,
                               .customer_id = p.customer_id,
                               .amount = p.amount,
                               .currency = p.currency,
                               .return_url = return_url,
                               .cancel_url = return_url,
                               .website_url = g_public_base,
                               .idempotency_key = idem_key};
    rc = prov->initiate(&preq, &res);
    if (rc != 0) {
        log_warn("payment %s: %s initiate failed: %s", p.id, prov->name, err_code(rc));
        if ((conn = service_db(req)) != NULL)
            store_payment_initiate_failed(conn, p.id, "initiate_failed");
        if (!http_replied(req)) {
            if (rc == ERR_CONFLICT)
                http_reply_error(req, 502, "PROVIDER_REJECTED",
                                 "the payment provider refused the payment", NULL);
            else
                http_reply_error(req, 503, "PROVIDER_UNAVAILABLE",
                                 "the payment provider could not be reached", NULL);
        }
        goto abandon;
    }
    if (res.form_fields != NULL) {
        cJSON *form = cJSON_CreateObject();
        cJSON *fields = cJSON_Duplicate(res.form_fields, true);
        if (form == NULL || fields == NULL ||
            cJSON_AddStringToObject(form, "action", res.form_action ? res.form_action : "") ==
                NULL ||
            !cJSON_AddItemToObject(form, "fields", fields)) {
            cJSON_Delete(fields);
        } else {
            form_json = cJSON_PrintUnformatted(form);
        }
        cJSON_Delete(form);
    }
    answer = initiate_answer(&p, &res);
    answer_text = answer != NULL ? cJSON_PrintUnformatted(answer) : NULL;
    if (answer_text == NULL) {
        http_reply_err(req, ERR_INTERNAL, NULL);
        goto abandon;
    }
    event_ctx_t ctx = service_event_ctx(req);
    initiated_tx_t t = {.p = &p,
                        .res = &res,
                        .form_json = form_json,
                        .ctx = &ctx,
                        .idem_scope = scope,
                        .idem_key = key,
                        .status = 201,
                        .body = answer_text};
    rc = db_tx(initiated_tx, &t);
    if (rc != 0) {
        reply_failure(req, rc);
        goto abandon;
    }
    log_info("payment %s: initiated with %s for order %s, %lld %s", p.id, prov->name, p.order_id,
             (long long)p.amount, p.currency);
    http_reply_json(req, 201, answer);
    answer = NULL;
    goto out;
abandon:
    if (key != NULL && (conn = db_conn()) != NULL)
        idem_abandon(conn, scope, key);
out:
    cJSON_Delete(answer);
    free(answer_text);
    free(form_json);
    pay_initiate_res_free(&res);
}

/* ---- webhooks and returns ---------------------------------------------------------- */

static const char *req_header(void *ctx, const char *name)
{
    return http_header(ctx, name);
}

/* Where a browser goes after a return: PAYMENT_RESULT_URL when configured, else a small
 * JSON result. */
static void reply_return(http_req_t *req, const payment_row_t *p, const char *result)
{
    if (g_result_url[0] != '\0') {
        char loc[1024];
        snprintf(loc, sizeof loc, "Location: %s%cpayment_id=%s&status=%s\r\n", g_result_url,
                 strchr(g_result_url, '?') ? '&' : '?', p->id, payment_status_name(p->status));
        http_reply_raw(req, 303, "text/plain", loc, "", 0);
        return;
    }
    cJSON *o = payment_json(p);
    if (o != NULL && cJSON_AddStringToObject(o, "result", result) == NULL) {
        cJSON_Delete(o);
        o = NULL;
    }
    http_reply_json_or_500(req, 200, o);
}

/* A webhook (is_return false) or a browser return of provider `name`: identify, load,
 * verify, settle, answer as the provider expects (2xx for anything authentic that we
 * recorded, 400 for what is not authentic). */
static void handle_notification(http_req_t *req, const char *name, bool is_return)
{
    const pay_provider_t *prov = pay_provider_find(name);
    const char *body = NULL;
    size_t len = 0;
    if (prov == NULL) {
        http_reply_err(req, ERR_NOT_FOUND, "no such payment provider");
        return;
    }
    if (!is_return && http_body(req, &body, &len) != 0) {
        http_reply_err(req, ERR_TOO_LARGE, NULL);
        return;
    }
    pay_notification_t n = {.is_return = is_return,
                            .body = body,
                            .body_len = len,
                            .query = http_query_string(req),
                            .header = req_header,
                            .header_ctx = req,
                            .now = (int64_t)time(NULL)};
    pay_ref_t ref;
    if (prov->identify(&n, &ref) != 0) {
        http_reply_error(req, 400, "INVALID_NOTIFICATION", "the notification names no payment",
                         NULL);
        return;
    }
    PGconn *conn = service_db(req);
    if (conn == NULL)
        return;
    payment_row_t stored;
    int rc =
        ref.payment_id[0] != '\0' && id_is_uuid(ref.payment_id)
            ? store_payment_get(conn, ref.payment_id, false, &stored)
            : store_payment_by_reference(conn, prov->name, ref.provider_reference, false, &stored);
    if (rc != 0 && rc != ERR_NOT_FOUND) {
        reply_failure(req, rc);
        return;
    }
    bool known = rc == 0 && strcmp(stored.provider, prov->name) == 0;
    pay_payment_t view = known ? settle_view(&stored) : (pay_payment_t){0};

    pay_event_t ev;
    /* The provider call may take a while (a lookup): the connection goes back meanwhile. */
    db_release();
    rc = prov->verify(&n, known ? &view : NULL, &ev);
    if (rc == ERR_UNAUTHORIZED) {
        log_warn("payment: %s %s rejected: bad or stale signature", prov->name,
                 is_return ? "return" : "webhook");
        http_reply_error(req, 400, "SIGNATURE_INVALID",
                         "the notification's signature does not verify", NULL);
        return;
    }
    if (rc == ERR_NOT_FOUND && is_return) {
        http_reply_err(req, ERR_NOT_FOUND, "no such payment");
        return;
    }
    if (rc == ERR_UNAVAILABLE) {
        http_reply_error(req, 503, "PROVIDER_UNAVAILABLE",
                         "the payment provider could not be reached", NULL);
        return;
    }
    if (rc != 0) {
        http_reply_error(req, 400, "INVALID_NOTIFICATION", "the notification cannot be read", NULL);
        return;
    }
    /* The payment the notification was loaded for is the one it is applied to. */
    if (known && ev.payment_id[0] == '\0')
        snprintf(ev.payment_id, sizeof ev.payment_id, "%s", stored.id);
    if (known && ev.provider_reference[0] == '\0' && stored.provider_reference[0] != '\0')
        snprintf(ev.provider_reference, sizeof ev.provider_reference, "%s",
                 stored.provider_reference);

    settle_result_t result;
    payment_row_t after;
    event_ctx_t ctx = service_event_ctx(req);
    rc = settle_apply(prov->name, is_return ? "return" : "webhook", &ev, &ctx, &result, &after);
    if (rc != 0) {
        reply_failure(req, rc);
        return;
    }
    if (result == SETTLE_REJECTED) {
        http_reply_error(req, 400, "AMOUNT_MISMATCH",
                         "the notification's amount, currency or reference does not match the "
                         "payment",
                         NULL);
        return;
    }
    if (is_return) {
        if (result == SETTLE_UNKNOWN_PAYMENT)
            http_reply_err(req, ERR_NOT_FOUND, "no such payment");
        else
            reply_return(req, &after, settle_result_name(result));
        return;
    }
    cJSON *o = cJSON_CreateObject();
    if (o != NULL &&
        (cJSON_AddBoolToObject(o, "received", true) == NULL ||
         cJSON_AddStringToObject(o, "result", settle_result_name(result)) == NULL ||
         (result != SETTLE_UNKNOWN_PAYMENT &&
          (cJSON_AddStringToObject(o, "payment_id", after.id) == NULL ||
           cJSON_AddStringToObject(o, "status", payment_status_name(after.status)) == NULL)))) {
        cJSON_Delete(o);
        o = NULL;
    }
    http_reply_json_or_500(req, 200, o);
}

static void handle_webhook(http_req_t *req)
{
    handle_notification(req, http_param(req, "provider"), false);
}

/* POST /payment/webhook, the roadmap's path: the fake provider's webhook. */
static void handle_webhook_default(http_req_t *req)
{
    handle_notification(req, "fake", false);
}

static void handle_return(http_req_t *req)
{
    handle_notification(req, http_param(req, "provider"), true);
}

/* ---- the fake provider's hosted page ----------------------------------------------- */

/* The fake payment of the path, or a reply (404 for a payment that is not fake's). */
static bool fake_payment(http_req_t *req, payment_row_t *p)
{
    char buf[37];
    const char *id = http_path_uuid(req, "id", "no such payment", buf);
    if (id == NULL)
        return false;
    PGconn *conn = service_db(req);
    if (conn == NULL)
        return false;
    int rc = store_payment_get(conn, id, false, p);
    if (rc == 0 && strcmp(p->provider, "fake") != 0)
        rc = ERR_NOT_FOUND;
    if (rc != 0) {
        reply_payment_failure(req, rc);
        return false;
    }
    return true;
}

static void handle_fake_page(http_req_t *req)
{
    payment_row_t p;
    char page[2048];
    if (!fake_payment(req, &p))
        return;
    bool open = p.status == PAYMENT_INITIATED;
    int n = snprintf(
        page, sizeof page,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Fake payment</title></head>"
        "<body><h1>Fake payment provider</h1><p>Payment <code>%s</code>: %" PRId64
        " %s (minor units), status <b>%s</b>.</p>%s</body></html>",
        p.id, p.amount, p.currency, payment_status_name(p.status),
        open ? "<form method=\"post\"><button name=\"action\" value=\"pay\">Pay</button> "
               "<button name=\"action\" value=\"fail\">Decline</button></form>"
             : "<p>This payment is no longer waiting.</p>");
    if (n < 0 || (size_t)n >= sizeof page) {
        http_reply_err(req, ERR_INTERNAL, NULL);
        return;
    }
    http_reply_raw(req, 200, "text/html; charset=utf-8", "Cache-Control: no-store\r\n", page,
                   (size_t)n);
}

/* POST /payment/fake/:id with action=pay|fail (form body, or the query): what the page's
 * buttons do. It sends the signed webhook through PUBLIC_BASE_URL, as a provider would,
 * (or FAKE_WEBHOOK_BASE_URL: the gateway as this service reaches it) and answers with the
 * payment as the webhook left it. */
static void handle_fake_confirm(http_req_t *req)
{
    payment_row_t p;
    const char *body = NULL;
    size_t len = 0;
    char action[16];
    if (!fake_payment(req, &p))
        return;
    if (http_body(req, &body, &len) != 0) {
        http_reply_err(req, ERR_TOO_LARGE, NULL);
        return;
    }
    bool found =
        pay_form_get(body != NULL && len > 0 ? body : "", "action", action, sizeof action) ||
        pay_form_get(http_query_string(req), "action", action, sizeof action);
    if (!found || (strcmp(action, "pay") != 0 && strcmp(action, "fail") != 0)) {
        json_check_t chk;
        json_check_init(&chk);
        json_check_fail(&chk, "action", "must be pay or fail");
        http_reply_invalid(req, &chk);
        return;
    }
    if (p.status != PAYMENT_INITIATED) {
        cJSON *details = cJSON_CreateObject();
        cJSON_AddStringToObject(details, "status", payment_status_name(p.status));
        http_reply_error(req, 409, "PAYMENT_NOT_PENDING", "the payment is no longer waiting",
                         details);
        return;
    }
    /* The webhook comes back into this service on another worker: hold no connection. */
    db_release();
    int64_t now = (int64_t)time(NULL);
    char *hook = fake_webhook_body(p.id, p.amount, p.currency, strcmp(action, "pay") == 0, now);
    long status = 0;
    int rc = hook != NULL ? fake_send_webhook(g_webhook_base, hook, now, &status) : ERR_INTERNAL;
    free(hook);
    if (rc != 0 || status != 200) {
        log_warn("payment %s: fake webhook delivery failed (%s, HTTP %ld)", p.id,
                 rc ? err_code(rc) : "delivered", status);
        http_reply_error(req, 503, "PROVIDER_UNAVAILABLE", "the webhook could not be delivered",
                         NULL);
        return;
    }
    PGconn *conn = service_db(req);
    if (conn == NULL)
        return;
    rc = store_payment_get(conn, p.id, false, &p);
    if (rc != 0) {
        reply_failure(req, rc);
        return;
    }
    http_reply_json_or_500(req, 200, payment_json(&p));
}

/* ---- reading and refunding --------------------------------------------------------- */

/* GET /payments/:id: its customer or an admin; anyone else gets a 404. */
static void handle_get(http_req_t *req)
{
    auth_principal_t me;
    char buf[37];
    payment_row_t p;
    const char *id;
    if (auth_require(req, NULL, &me) != 0 ||
        (id = http_path_uuid(req, "id", "no such payment", buf)) == NULL)
        return;
    PGconn *conn = service_db(req);
    if (conn == NULL)
        return;
    int rc = store_payment_get(conn, id, false, &p);
    if (rc == 0 && strcmp(me.role, "admin") != 0 && strcmp(p.customer_id, me.user_id) != 0)
        rc = ERR_NOT_FOUND;
    if (rc != 0) {
        reply_payment_failure(req, rc);
        return;
    }
    char *redirect = NULL, *form = NULL;
    refund_row_t *refunds = NULL;
    int count = 0;
    cJSON *o = payment_json(&p);
    rc = store_payment_redirect(conn, id, &redirect, &form);
    if (rc == 0)
        rc = store_refunds_of_payment(conn, id, &refunds, &count);
    if (rc != 0) {
        cJSON_Delete(o);
        reply_failure(req, rc);
        goto out;
    }
    cJSON *list = NULL;
    bool ok = o != NULL &&
              (redirect != NULL && p.status == PAYMENT_INITIATED
                   ? cJSON_AddStringToObject(o, "redirect_url", redirect)
                   : cJSON_AddNullToObject(o, "redirect_url")) != NULL &&
              (list = cJSON_AddArrayToObject(o, "refunds")) != NULL;
    if (ok && form != NULL && p.status == PAYMENT_INITIATED) {
        cJSON *f = cJSON_Parse(form);
        ok = f != NULL && cJSON_AddItemToObject(o, "form", f);
    }
    for (int i = 0; ok && i < count; i++) {
        cJSON *r = refund_json(&refunds[i]);
        ok = r != NULL && cJSON_AddItemToArray(list, r);
    }
    if (!ok) {
        cJSON_Delete(o);
        o = NULL;
    }
    http_reply_json_or_500(req, 200, o);
out:
    free(redirect);
    free(form);
    free(refunds);
}

/* POST /admin/payments/:id/refund {amount?, reason?}: 201 when the provider refunded,
 * 202 when it must be retried (provider down) or done by hand (no refund API). */
static void handle_refund(http_req_t *req)
{
    auth_principal_t me;
    char buf[37];
    const char *id;
    const char *raw = NULL;
    size_t raw_len = 0;
    cJSON *body = NULL;
    if (auth_require(req, "admin", &me) != 0 ||
        (id = http_path_uuid(req, "id", "no such payment", buf)) == NULL)
        return;
    if (http_body(req, &raw, &raw_len) != 0) {
        http_reply_err(req, ERR_TOO_LARGE, NULL);
        return;
    }
    /* An empty body refunds everything left; a body must be a JSON object. */
    if (raw_len > 0 && http_json_body(req, &body) != 0)
        return;
    json_check_t chk;
    json_check_init(&chk);
    int64_t amount = 0;
    const char *reason = NULL;
    if (body != NULL) {
        json_opt_int(&chk, body, "amount", 1, MONEY_MAX_MINOR, &amount);
        reason = json_opt_string(&chk, body, "reason", 1, 200);
    }
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return;
    }
    char actor[64];
    snprintf(actor, sizeof actor, "admin:%s", me.user_id);
    refund_row_t r;
    int rc = refund_request(id, amount, reason != NULL ? reason : "requested_by_admin", actor, &r);
    if (rc == ERR_CONFLICT) {
        http_reply_error(req, 409, "NOT_REFUNDABLE",
                         "the payment is not captured, or the amount exceeds what is left", NULL);
        return;
    }
    if (rc != 0) {
        reply_payment_failure(req, rc);
        return;
    }
    event_ctx_t ctx = service_event_ctx(req);
    char refund_id[37];
    snprintf(refund_id, sizeof refund_id, "%s", r.id);
    rc = refund_execute(refund_id, &ctx, &r);
    if (rc != 0) {
        reply_failure(req, rc);
        return;
    }
    if (strcmp(r.status, "FAILED") == 0) {
        http_reply_error(req, 502, "PROVIDER_REJECTED", "the payment provider refused the refund",
                         NULL);
        return;
    }
    http_reply_json_or_500(req, strcmp(r.status, "SUCCEEDED") == 0 ? 201 : 202, refund_json(&r));
}

static const http_route_t routes[] = {
    {"POST", "/payment/initiate", handle_initiate},
    {"POST", "/payment/webhook", handle_webhook_default},
    {"POST", "/payment/webhook/:provider", handle_webhook},
    {"GET", "/payment/return/:provider", handle_return},
    {"GET", "/payment/fake/:id", handle_fake_page},
    {"POST", "/payment/fake/:id", handle_fake_confirm},
    {"GET", "/payments/:id", handle_get},
    {"POST", "/admin/payments/:id/refund", handle_refund},
};

const http_route_t *routes_table(size_t *count)
{
    *count = sizeof routes / sizeof routes[0];
    return routes;
}
