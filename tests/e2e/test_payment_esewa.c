/* test_payment_esewa.c - paying an order with eSewa ePay v2 through the gateway, against
 * the eSewa stub (tests/stubs/esewa_stub.py) that scripts/stack.sh starts: checkout,
 * POST /payment/initiate answers the signed form, the "browser" posts it to the stub
 * (which checks the signature), the buyer pays or cancels, and the browser's return to
 * /payment/return/esewa is verified twice: the signature of its base64 `data`, then the
 * status-check API, which alone decides. Also: tampered data is refused and changes
 * nothing, authentic data is not enough while the status API disagrees, and the same
 * return five times gives one PaymentSucceeded. */
#include "payment_support.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#define PRICE   125050 /* Rs 1,250.50 in paisa: eSewa gets "1250.50" per unit */
#define STOCK   5
#define WAIT_MS 20000

typedef struct esewa_case {
    pay_case_t pay;
    cJSON *form; /* the initiate answer's "form": {action, method, fields} */
} esewa_case_t;

/* A customer who checked out quantity of a new product with eSewa and got the form. */
static void start_case(esewa_case_t *c, long quantity)
{
    t_resp_t r = pay_case_start(&c->pay, "esewa", "eSewa journey kettle", PRICE, STOCK, quantity);
    /* A form to post, not a page to visit. */
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r.json, "redirect_url")));
    c->form = cJSON_DetachItemFromObjectCaseSensitive(r.json, "form");
    assert_non_null(c->form);
    t_resp_free(&r);
}

static void end_case(esewa_case_t *c)
{
    cJSON_Delete(c->form);
    pay_case_end(&c->pay);
}

static const char *field(const esewa_case_t *c, const char *name)
{
    const char *v = c_str(cJSON_GetObjectItemCaseSensitive(c->form, "fields"), name);
    if (v == NULL)
        fail_msg("the form has no field %s", name);
    return v;
}

/* The browser posts the form, form-encoded, to its action (the stub); the reply. */
static t_resp_t post_form(const esewa_case_t *c, const char *override_name,
                          const char *override_value)
{
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    assert_non_null(f);
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(c->form, "fields"))
    {
        const char *v = item->valuestring;
        if (override_name != NULL && strcmp(item->string, override_name) == 0)
            v = override_value;
        char *ev = curl_easy_escape(NULL, v, 0);
        assert_non_null(ev);
        fprintf(f, "%s%s=%s", ftell(f) > 0 ? "&" : "", item->string, ev);
        curl_free(ev);
    }
    fclose(f);
    const char *headers[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    t_resp_t r;
    assert_int_equal(t_http("POST", c_str(c->form, "action"), NULL, body, headers, &r), 0);
    free(body);
    return r;
}

/* Posts the form (which must be accepted) and has the buyer act on the stub (outcome
 * COMPLETE, CANCELED or PENDING); the URL the browser is sent back to, in back[4096]. */
static void pay_at_esewa(const esewa_case_t *c, const char *outcome, char back[4096])
{
    t_resp_t r = post_form(c, NULL, NULL);
    if (r.status != 200)
        fail_msg("eSewa stub refused our form: %ld %s", r.status, r.body);
    t_resp_free(&r);
    char body[160];
    snprintf(body, sizeof body, "{\"transaction_uuid\":\"%s\",\"outcome\":\"%s\"}",
             field(c, "transaction_uuid"), outcome);
    pay_stub_complete("ESEWA_STUB_URL", body, back, 4096);
}

/* Sets what the stub's status API says about the case's transaction. */
static void stub_status(const esewa_case_t *c, const char *status)
{
    char body[160];
    snprintf(body, sizeof body, "{\"transaction_uuid\":\"%s\",\"status\":\"%s\"}",
             field(c, "transaction_uuid"), status);
    t_resp_t r = pay_stub_post("ESEWA_STUB_URL", "/_test/status", body);
    assert_int_equal(r.status, 200);
    t_resp_free(&r);
}

/* Rewrites the `data` of a success URL: decodes it, replaces `from` with `to` in the
 * JSON (signature untouched), encodes it again. */
static void tamper(const char *url, const char *from, const char *to, char out[4096])
{
    const char *d = strstr(url, "data=");
    assert_non_null(d);
    d += 5;
    size_t n = strlen(d);
    unsigned char *json = calloc(1, n + 1);
    int jl = EVP_DecodeBlock(json, (const unsigned char *)d, (int)n);
    assert_true(jl > 0);
    json[jl] = '\0'; /* padding decodes as trailing NULs: the text ends at the first */
    char *at = strstr((char *)json, from);
    if (at == NULL)
        fail_msg("%s not in %s", from, json);
    char edited[2048];
    snprintf(edited, sizeof edited, "%.*s%s%s", (int)(at - (char *)json), json, to,
             at + strlen(from));
    char enc[2800]; /* base64 of up to 2048 bytes */
    EVP_EncodeBlock((unsigned char *)enc, (const unsigned char *)edited, (int)strlen(edited));
    int w = snprintf(out, 4096, "%.*s%s", (int)(d - url), url, enc);
    assert_true(w > 0 && w < 4096);
    free(json);
}

static void test_esewa_initiate_answers_a_signed_form(void **state)
{
    (void)state;
    esewa_case_t c;
    start_case(&c, 2);
    char want[512];
    snprintf(want, sizeof want, "%s/api/epay/main/v2/form", stack_get("ESEWA_STUB_URL"));
    assert_string_equal(c_str(c.form, "action"), want);
    assert_string_equal(c_str(c.form, "method"), "POST");
    /* The order's total in rupees as decimal text ("2501" for 2 x Rs 1,250.50 and no
     * shipping); every part present. */
    char path[128], total[32];
    snprintf(path, sizeof path, "/orders/%s", c.pay.order_id);
    t_resp_t o = j_call("GET", path, c.pay.customer.token, NULL, 200);
    const cJSON *fp = cJSON_GetObjectItemCaseSensitive(o.json, "final_price");
    assert_true(cJSON_IsNumber(fp));
    long paisa = (long)fp->valuedouble;
    if (paisa % 100 == 0)
        snprintf(total, sizeof total, "%ld", paisa / 100);
    else
        snprintf(total, sizeof total, "%ld.%02ld", paisa / 100, paisa % 100);
    t_resp_free(&o);
    assert_string_equal(field(&c, "amount"), total);
    assert_string_equal(field(&c, "total_amount"), total);
    assert_string_equal(field(&c, "tax_amount"), "0");
    assert_string_equal(field(&c, "product_service_charge"), "0");
    assert_string_equal(field(&c, "product_delivery_charge"), "0");
    assert_string_equal(field(&c, "transaction_uuid"), c.pay.payment_id);
    assert_string_equal(field(&c, "product_code"), "EPAYTEST");
    assert_string_equal(field(&c, "signed_field_names"),
                        "total_amount,transaction_uuid,product_code");
    snprintf(want, sizeof want, "%s/payment/return/esewa", stack_get("GATEWAY_URL"));
    assert_string_equal(field(&c, "success_url"), want);
    assert_non_null(strstr(field(&c, "failure_url"), c.pay.payment_id));
    assert_int_equal(strlen(field(&c, "signature")), 44);
    /* The stub checks the signature as eSewa would: one changed byte and it refuses. */
    t_resp_t r = post_form(&c, "total_amount", "1");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "ES10"));
    t_resp_free(&r);
    r = post_form(&c, NULL, NULL);
    assert_int_equal(r.status, 200);
    t_resp_free(&r);
    pay_assert_status(&c.pay.customer, c.pay.payment_id, "INITIATED");
    end_case(&c);
}

static void test_esewa_paid_order_confirmed(void **state)
{
    (void)state;
    esewa_case_t c;
    start_case(&c, 2);
    char back[4096];
    pay_at_esewa(&c, "COMPLETE", back);
    pay_return_ok(back, "SUCCEEDED");
    /* eSewa's ref_id is kept (a manual refund needs it). */
    pay_assert_confirmed(&c.pay, STOCK, 2, WAIT_MS);
    end_case(&c);
}

static void test_esewa_same_return_five_times_one_success(void **state)
{
    (void)state;
    esewa_case_t c;
    start_case(&c, 1);
    char back[4096];
    pay_at_esewa(&c, "COMPLETE", back);
    pay_assert_five_returns_one_success(&c.pay, back, NULL, WAIT_MS);
    end_case(&c);
}

static void test_esewa_cancelled_by_buyer_cancels_order(void **state)
{
    (void)state;
    esewa_case_t c;
    start_case(&c, 3);
    char back[4096];
    pay_at_esewa(&c, "CANCELED", back);
    /* failure_url: nothing signed, the status API decides */
    pay_return_ok(back, "FAILED");
    pay_assert_cancelled(&c.pay, STOCK, WAIT_MS);
    end_case(&c);
}

static void test_esewa_tampered_data_changes_nothing(void **state)
{
    (void)state;
    esewa_case_t c;
    start_case(&c, 1);
    char back[4096], forged[4096];
    pay_at_esewa(&c, "COMPLETE", back);
    /* The amount lowered inside the signed JSON, the signature left as it was. */
    tamper(back, "\"total_amount\":\"1250.5\"", "\"total_amount\":\"1.0\"", forged);
    t_resp_t r = pay_follow(forged);
    assert_int_equal(r.status, 400);
    assert_string_equal(c_str(cJSON_GetObjectItemCaseSensitive(r.json, "error"), "code"),
                        "SIGNATURE_INVALID");
    t_resp_free(&r);
    /* Any other signed field changed: the same. */
    tamper(back, "\"transaction_code\":\"", "\"transaction_code\":\"X", forged);
    pay_return_refused(forged, 400);
    /* Not base64 at all. */
    char garbage[600];
    snprintf(garbage, sizeof garbage, "%s/payment/return/esewa?data=%%%%%%",
             stack_get("GATEWAY_URL"));
    pay_return_refused(garbage, 400);

    pay_assert_status(&c.pay.customer, c.pay.payment_id, "INITIATED");
    pay_assert_order(&c.pay.customer, c.pay.order_id, "PENDING_PAYMENT", "PENDING");
    assert_int_equal(pay_outbox_count(c.pay.payment_id, "PaymentSucceeded"), 0);
    pay_assert_stock(c.pay.product.sku, -1, 1);
    /* The genuine return still works afterwards. */
    pay_return_ok(back, "SUCCEEDED");
    j_wait_order(c.pay.customer.token, c.pay.order_id, "order_status", "CONFIRMED", WAIT_MS);
    end_case(&c);
}

static void test_esewa_status_api_decides_over_signed_data(void **state)
{
    (void)state;
    esewa_case_t c;
    start_case(&c, 1);
    char back[4096];
    pay_at_esewa(&c, "COMPLETE", back);
    /* Authentic data, but eSewa's status API says the payment is still pending. */
    stub_status(&c, "PENDING");
    pay_return_ok(back, "INITIATED");
    /* eSewa's status API down: the service says so, and changes nothing. */
    t_resp_t r = pay_stub_post("ESEWA_STUB_URL", "/_test/outage", "{\"down\":true}");
    t_resp_free(&r);
    r = pay_follow(back);
    t_resp_t up = pay_stub_post("ESEWA_STUB_URL", "/_test/outage", "{\"down\":false}");
    t_resp_free(&up);
    assert_int_equal(r.status, 503);
    t_resp_free(&r);
    pay_assert_status(&c.pay.customer, c.pay.payment_id, "INITIATED");
    assert_int_equal(pay_outbox_count(c.pay.payment_id, "PaymentSucceeded"), 0);
    pay_assert_order(&c.pay.customer, c.pay.order_id, "PENDING_PAYMENT", "PENDING");
    /* Once eSewa says COMPLETE, the same return settles it. */
    stub_status(&c, "COMPLETE");
    pay_return_ok(back, "SUCCEEDED");
    j_wait_order(c.pay.customer.token, c.pay.order_id, "order_status", "CONFIRMED", WAIT_MS);
    j_wait_events("payment.events", "PaymentSucceeded", c.pay.payment_id, 1, WAIT_MS);
    end_case(&c);
}

static void test_esewa_refund_is_recorded_as_manual(void **state)
{
    (void)state;
    esewa_case_t c;
    start_case(&c, 1);
    char back[4096];
    pay_at_esewa(&c, "COMPLETE", back);
    pay_return_ok(back, NULL);
    pay_assert_status(&c.pay.customer, c.pay.payment_id, "SUCCEEDED");
    /* eSewa documents no refund API: the refund is accepted, to be done by hand. */
    t_resp_t r = pay_refund(j_admin(), c.pay.payment_id, NULL);
    if (r.status != 202)
        fail_msg("refund: got %ld, want 202: %s", r.status, r.body);
    assert_string_equal(c_str(r.json, "status"), "MANUAL");
    t_resp_free(&r);
    end_case(&c);
}

static void test_esewa_failure_return_for_another_payment_refused(void **state)
{
    (void)state;
    char url[600];
    /* A transaction_uuid nobody issued. */
    snprintf(url, sizeof url,
             "%s/payment/return/esewa?transaction_uuid=00000000-0000-4000-8000-000000000000",
             stack_get("GATEWAY_URL"));
    pay_return_refused(url, 404);
    /* Nothing that names a payment. */
    snprintf(url, sizeof url, "%s/payment/return/esewa?status=COMPLETE", stack_get("GATEWAY_URL"));
    pay_return_refused(url, 400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_esewa_initiate_answers_a_signed_form),
        cmocka_unit_test(test_esewa_paid_order_confirmed),
        cmocka_unit_test(test_esewa_same_return_five_times_one_success),
        cmocka_unit_test(test_esewa_cancelled_by_buyer_cancels_order),
        cmocka_unit_test(test_esewa_tampered_data_changes_nothing),
        cmocka_unit_test(test_esewa_status_api_decides_over_signed_data),
        cmocka_unit_test(test_esewa_refund_is_recorded_as_manual),
        cmocka_unit_test(test_esewa_failure_return_for_another_payment_refused),
    };
    return cmocka_run_group_tests(tests, pay_setup, pay_teardown);
}
