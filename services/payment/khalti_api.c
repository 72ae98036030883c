/* khalti_api.c - Khalti ePayment requests, answers and statuses. No I/O. */
#include "khalti_api.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/errors.h"
#include "common/json.h"

static const struct {
    const char *name;
    khalti_status_t status;
} STATUSES[] = {
    {"Completed", KHALTI_COMPLETED},
    {"Pending", KHALTI_PENDING},
    {"Initiated", KHALTI_INITIATED},
    {"Refunded", KHALTI_REFUNDED},
    {"Partially Refunded", KHALTI_PARTIALLY_REFUNDED},
    {"Expired", KHALTI_EXPIRED},
    {"User canceled", KHALTI_USER_CANCELED},
    {"Failed", KHALTI_FAILED},
};

khalti_status_t khalti_status_from(const char *name)
{
    if (name == NULL)
        return KHALTI_STATUS_UNKNOWN;
    for (size_t i = 0; i < sizeof STATUSES / sizeof STATUSES[0]; i++)
        if (strcasecmp(name, STATUSES[i].name) == 0)
            return STATUSES[i].status;
    return KHALTI_STATUS_UNKNOWN;
}

khalti_outcome_t khalti_outcome_of(khalti_status_t status)
{
    switch (status) {
    case KHALTI_COMPLETED:
        return KHALTI_OUT_PAID;
    case KHALTI_EXPIRED:
    case KHALTI_USER_CANCELED:
    case KHALTI_FAILED:
        return KHALTI_OUT_FAILED;
    case KHALTI_REFUNDED:
    case KHALTI_PARTIALLY_REFUNDED:
        return KHALTI_OUT_REFUNDED;
    case KHALTI_PENDING:
    case KHALTI_INITIATED:
    case KHALTI_STATUS_UNKNOWN:
        break;
    }
    return KHALTI_OUT_WAIT;
}

bool khalti_pidx_valid(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return false;
    }
    return n >= 1 && n <= KHALTI_PIDX_MAX;
}

char *khalti_initiate_body(const khalti_initiate_t *in)
{
    if (in->return_url == NULL || in->website_url == NULL || in->purchase_order_id == NULL ||
        in->purchase_order_name == NULL || in->amount < KHALTI_MIN_AMOUNT)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    char *text = NULL;
    /* cJSON stores numbers as doubles; paisa below 2^53 print as exact integers. */
    if (o == NULL || cJSON_AddStringToObject(o, "return_url", in->return_url) == NULL ||
        cJSON_AddStringToObject(o, "website_url", in->website_url) == NULL ||
        cJSON_AddNumberToObject(o, "amount", (double)in->amount) == NULL ||
        cJSON_AddStringToObject(o, "purchase_order_id", in->purchase_order_id) == NULL ||
        cJSON_AddStringToObject(o, "purchase_order_name", in->purchase_order_name) == NULL)
        goto out;
    text = json_print(o);
out:
    cJSON_Delete(o);
    return text;
}

/* Copies a string member into buf; ERR_NOT_FOUND when absent or null, ERR_INVALID when
 * another type or too long. */
static int copy_str(const cJSON *obj, const char *name, char *buf, size_t size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    buf[0] = '\0';
    if (v == NULL || cJSON_IsNull(v))
        return ERR_NOT_FOUND;
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= size)
        return ERR_INVALID;
    memcpy(buf, v->valuestring, strlen(v->valuestring) + 1);
    return 0;
}

int khalti_initiate_parse(const char *body, size_t len, khalti_initiated_t *out)
{
    memset(out, 0, sizeof *out);
    cJSON *obj = cJSON_ParseWithLength(body, len);
    int rc = ERR_MALFORMED;
    if (!cJSON_IsObject(obj))
        goto out;
    if (copy_str(obj, "pidx", out->pidx, sizeof out->pidx) != 0 || !khalti_pidx_valid(out->pidx))
        goto out;
    /* Only an http(s) URL goes into a redirect we hand to the customer. */
    if (copy_str(obj, "payment_url", out->payment_url, sizeof out->payment_url) != 0 ||
        (strncmp(out->payment_url, "https://", 8) != 0 &&
         strncmp(out->payment_url, "http://", 7) != 0))
        goto out;
    int64_t expires_in;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(obj, "expires_in");
    if (e != NULL && json_int64(e, &expires_in) == 0 && expires_in > 0 && expires_in < 86400 * 30)
        out->expires_in = (long)expires_in;
    rc = 0;
out:
    if (rc != 0)
        memset(out, 0, sizeof *out);
    cJSON_Delete(obj);
    return rc;
}

int khalti_lookup_parse(const char *body, size_t len, khalti_lookup_t *out)
{
    memset(out, 0, sizeof *out);
    out->total_amount = -1;
    out->status = KHALTI_STATUS_UNKNOWN;
    cJSON *obj = cJSON_ParseWithLength(body, len);
    int rc = ERR_MALFORMED;
    if (!cJSON_IsObject(obj))
        goto out;
    if (copy_str(obj, "status", out->status_text, sizeof out->status_text) != 0) {
        /* No status: either the documented "Not found." for a pidx Khalti does not know,
         * or something we cannot read. */
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(obj, "detail");
        if (cJSON_IsString(d) && strcmp(d->valuestring, "Not found.") == 0)
            rc = ERR_NOT_FOUND;
        goto out;
    }
    out->status = khalti_status_from(out->status_text);
    if (copy_str(obj, "pidx", out->pidx, sizeof out->pidx) != 0)
        goto out;
    int rc_txn = copy_str(obj, "transaction_id", out->transaction_id, sizeof out->transaction_id);
    if (rc_txn == ERR_INVALID)
        goto out;
    int64_t amount;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "total_amount");
    if (t != NULL && json_int64(t, &amount) == 0 && amount >= 0)
        out->total_amount = amount;
    out->refunded = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "refunded"));
    rc = 0;
out:
    if (rc != 0) {
        khalti_status_t keep = KHALTI_STATUS_UNKNOWN;
        memset(out, 0, sizeof *out);
        out->status = keep;
        out->total_amount = -1;
    }
    cJSON_Delete(obj);
    return rc;
}

char *khalti_refund_body(int64_t amount, bool partial)
{
    if (!partial)
        return strdup(""); /* the docs' wallet full refund: no body */
    if (amount <= 0)
        return NULL;
    char buf[48];
    snprintf(buf, sizeof buf, "{\"amount\":%lld}", (long long)amount);
    return strdup(buf);
}
