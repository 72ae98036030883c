/* payment.c - the payment aggregate's rules (see payment.h for the transition table). */
#include "payment.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/errors.h"

static const char *const names[] = {"INITIATED", "SUCCEEDED", "FAILED", "REFUNDED",
                                    "PARTIALLY_REFUNDED"};

const char *payment_status_name(payment_status_t s)
{
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "UNKNOWN";
}

int payment_status_parse(const char *name, payment_status_t *out)
{
    for (unsigned i = 0; name != NULL && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], name) == 0) {
            *out = (payment_status_t)i;
            return 0;
        }
    return ERR_INVALID;
}

int payment_next_status(payment_status_t s, pay_outcome_t outcome)
{
    if (outcome == PAY_OUTCOME_SUCCEEDED && (s == PAYMENT_INITIATED || s == PAYMENT_FAILED))
        return PAYMENT_SUCCEEDED;
    if (outcome == PAY_OUTCOME_FAILED && s == PAYMENT_INITIATED)
        return PAYMENT_FAILED;
    return -1;
}

const char *payment_event_type(payment_status_t to)
{
    switch (to) {
    case PAYMENT_INITIATED:
        return "PaymentInitiated";
    case PAYMENT_SUCCEEDED:
        return "PaymentSucceeded";
    case PAYMENT_FAILED:
        return "PaymentFailed";
    case PAYMENT_REFUNDED:
    case PAYMENT_PARTIALLY_REFUNDED:
        return "PaymentRefunded";
    }
    return "PaymentUnknown";
}

bool payment_amount_matches(const payment_row_t *p, int64_t amount, const char *currency,
                            pay_outcome_t outcome)
{
    if (currency != NULL && currency[0] != '\0' && strcmp(currency, p->currency) != 0)
        return false;
    if (amount < 0)
        return outcome != PAY_OUTCOME_SUCCEEDED;
    return amount == p->amount;
}

int payment_refund_amount(const payment_row_t *p, int64_t pending, int64_t requested,
                          int64_t *amount)
{
    if (p->status != PAYMENT_SUCCEEDED && p->status != PAYMENT_PARTIALLY_REFUNDED)
        return ERR_CONFLICT;
    int64_t left = p->amount - p->refunded_amount - pending;
    if (left <= 0 || requested < 0 || requested > left)
        return ERR_CONFLICT;
    *amount = requested == 0 ? left : requested;
    return 0;
}

payment_status_t payment_status_after_refund(const payment_row_t *p, int64_t refunded)
{
    return refunded >= p->amount ? PAYMENT_REFUNDED : PAYMENT_PARTIALLY_REFUNDED;
}

cJSON *payment_event_data(const payment_row_t *p, const char *reason, const char *refund_id,
                          int64_t refund_amount, int64_t now)
{
    char at[32];
    time_t t = (time_t)now;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON *d = cJSON_CreateObject();
    bool ok = d != NULL && cJSON_AddStringToObject(d, "paymentId", p->id) != NULL &&
              cJSON_AddStringToObject(d, "orderId", p->order_id) != NULL &&
              cJSON_AddStringToObject(d, "customerId", p->customer_id) != NULL &&
              cJSON_AddStringToObject(d, "provider", p->provider) != NULL &&
              cJSON_AddNumberToObject(d, "amount", (double)p->amount) != NULL &&
              cJSON_AddStringToObject(d, "currency", p->currency) != NULL &&
              cJSON_AddStringToObject(d, "status", payment_status_name(p->status)) != NULL &&
              cJSON_AddStringToObject(d, "providerReference", p->provider_reference) != NULL &&
              cJSON_AddStringToObject(d, "occurredAt", at) != NULL;
    if (ok && reason != NULL && reason[0] != '\0')
        ok = cJSON_AddStringToObject(d, "reason", reason) != NULL;
    if (ok && refund_id != NULL) {
        ok = cJSON_AddStringToObject(d, "refundId", refund_id) != NULL &&
             cJSON_AddNumberToObject(d, "refundAmount", (double)refund_amount) != NULL &&
             cJSON_AddNumberToObject(d, "refundedAmount", (double)p->refunded_amount) != NULL;
    }
    if (!ok) {
        cJSON_Delete(d);
        return NULL;
    }
    return d;
}
