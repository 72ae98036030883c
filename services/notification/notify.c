/* notify.c - the notification rules (see notify.h). Every parse here guards the read
 * models against a malformed producer: what does not parse is refused (the consumer
 * dead-letters it) rather than stored half-right. */
#include "notify.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/money.h"
#include "common/text.h"

#define TITLE_MAX 1000
#define LINES_MAX 100

static const cJSON *item(const cJSON *obj, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

static const char *string_of(const cJSON *obj, const char *name)
{
    const cJSON *v = item(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Copies a valid UTF-8 string of at most n-1 bytes; false otherwise. */
static bool copy_text(char *dst, size_t n, const char *src)
{
    size_t len = src != NULL ? strlen(src) : 0;
    if (src == NULL || len >= n || !utf8_valid((const unsigned char *)src, len))
        return false;
    memcpy(dst, src, len + 1);
    return true;
}

static bool copy_uuid(char dst[37], const char *src)
{
    if (src == NULL || !id_is_uuid(src))
        return false;
    memcpy(dst, src, 37);
    return true;
}

/* An int64 money field; absent means 0 (proto3 JSON omits defaults). */
static bool money_of(const cJSON *obj, const char *name, int64_t *out)
{
    const cJSON *v = item(obj, name);
    if (v == NULL) {
        *out = 0;
        return true;
    }
    return json_int64(v, out) == 0 && *out >= 0 && *out <= MONEY_MAX_MINOR;
}

/* Adds a string variable to the cause's vars when the event has it (and it is sane). */
static int var_string(cJSON *vars, const cJSON *data, const char *field, const char *var)
{
    const cJSON *v = item(data, field);
    if (v == NULL || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v) || strlen(v->valuestring) > 256 ||
        !utf8_valid((const unsigned char *)v->valuestring, strlen(v->valuestring)))
        return ERR_INVALID;
    return cJSON_AddStringToObject(vars, var, v->valuestring) != NULL ? 0 : ERR_INTERNAL;
}

void notify_cause_free(notify_cause_t *c)
{
    if (c == NULL)
        return;
    cJSON_Delete(c->vars);
    c->vars = NULL;
}

int notify_cause_from_event(const char *type, const cJSON *data, notify_cause_t *out)
{
    memset(out, 0, sizeof *out);
    if (type == NULL || !cJSON_IsObject(data))
        return type == NULL ? 1 : ERR_INVALID;
    if (strcmp(type, "OrderCreated") == 0)
        out->template = TPL_ORDER_CREATED;
    else if (strcmp(type, "PaymentSucceeded") == 0)
        out->template = TPL_PAYMENT_SUCCEEDED;
    else if (strcmp(type, "OrderCancelled") == 0)
        out->template = TPL_ORDER_CANCELLED;
    else if (strcmp(type, "ShipmentStatusChanged") == 0) {
        const char *to = string_of(data, "to");
        if (to == NULL)
            return ERR_INVALID;
        if (strcmp(to, "SHIPPED") == 0)
            out->template = TPL_ORDER_SHIPPED;
        else if (strcmp(to, "DELIVERED") == 0)
            out->template = TPL_ORDER_DELIVERED;
        else
            return 1;
    } else {
        return 1;
    }
    if (!copy_uuid(out->order_id, string_of(data, "orderId")))
        return ERR_INVALID;
    const char *customer = string_of(data, "customerId");
    if (customer != NULL && !copy_uuid(out->user_id, customer))
        return ERR_INVALID;
    out->vars = cJSON_CreateObject();
    if (out->vars == NULL)
        return ERR_INTERNAL;
    int rc = 0;
    if (strcmp(out->template, TPL_PAYMENT_SUCCEEDED) == 0) {
        int64_t amount = 0;
        const char *currency = string_of(data, "currency");
        char digits[24];
        if (!money_of(data, "amount", &amount) ||
            (currency != NULL && !money_currency_valid(currency)))
            rc = ERR_INVALID;
        snprintf(digits, sizeof digits, "%" PRId64, amount);
        if (rc == 0 && currency != NULL &&
            (cJSON_AddStringToObject(out->vars, "amount_minor", digits) == NULL ||
             cJSON_AddStringToObject(out->vars, "amount_currency", currency) == NULL))
            rc = ERR_INTERNAL;
        if (rc == 0)
            rc = var_string(out->vars, data, "provider", "provider");
    } else if (strcmp(out->template, TPL_ORDER_SHIPPED) == 0 ||
               strcmp(out->template, TPL_ORDER_DELIVERED) == 0) {
        rc = var_string(out->vars, data, "trackingNumber", "tracking_number");
        if (rc == 0)
            rc = var_string(out->vars, data, "courierName", "courier_name");
        if (rc == 0)
            rc = var_string(out->vars, data, "shipmentId", "shipment_id");
    } else if (strcmp(out->template, TPL_ORDER_CANCELLED) == 0) {
        rc = var_string(out->vars, data, "reason", "reason");
    }
    if (rc != 0)
        notify_cause_free(out);
    return rc;
}

/* ---- orders ------------------------------------------------------------------------- */

/* Field names of an order in one of its two spellings. */
typedef struct order_names {
    const char *id, *number, *customer, *subtotal, *shipping, *discount, *tax, *total, *lines;
    const char *unit_price, *line_total;
} order_names_t;

static const order_names_t event_names = {"orderId",     "orderNumber", "customerId", "subtotal",
                                          "shippingFee", "discount",    "tax",        "total",
                                          "lines",       "unitPrice",   "lineTotal"};
static const order_names_t api_names = {
    "order_id", "order_number", "customer_id", "subtotal",   "shipping_fee", "discount",
    "tax",      "final_price",  "items",       "unit_price", "line_total"};

/* One line, normalized to the read model's spelling. */
static int line_parse(const cJSON *in, const order_names_t *n, cJSON *lines)
{
    const char *title = string_of(in, "title");
    const char *sku = string_of(in, "sku");
    int64_t quantity, unit, total;
    const cJSON *q = item(in, "quantity");
    if (!cJSON_IsObject(in) || title == NULL || strlen(title) > TITLE_MAX ||
        !utf8_valid((const unsigned char *)title, strlen(title)) || sku == NULL ||
        strlen(sku) > 64 || q == NULL || json_int64(q, &quantity) != 0 || quantity < 1 ||
        !money_of(in, n->unit_price, &unit) || !money_of(in, n->line_total, &total))
        return ERR_INVALID;
    cJSON *l = cJSON_CreateObject();
    if (l == NULL || !cJSON_AddItemToArray(lines, l))
        return ERR_INTERNAL; /* l leaks only if the add failed; cJSON cannot fail it here */
    if (cJSON_AddStringToObject(l, "title", title) == NULL ||
        cJSON_AddStringToObject(l, "sku", sku) == NULL ||
        cJSON_AddNumberToObject(l, "quantity", (double)quantity) == NULL ||
        cJSON_AddNumberToObject(l, "unit_price", (double)unit) == NULL ||
        cJSON_AddNumberToObject(l, "line_total", (double)total) == NULL)
        return ERR_INTERNAL;
    return 0;
}

static int order_parse(const cJSON *obj, const order_names_t *n, notify_order_t *out)
{
    memset(out, 0, sizeof *out);
    const char *currency = string_of(obj, "currency");
    if (!cJSON_IsObject(obj) || !copy_uuid(out->order_id, string_of(obj, n->id)) ||
        !copy_uuid(out->customer_id, string_of(obj, n->customer)) ||
        !copy_text(out->order_number, sizeof out->order_number, string_of(obj, n->number)) ||
        out->order_number[0] == '\0' || currency == NULL || !money_currency_valid(currency) ||
        !money_of(obj, n->subtotal, &out->subtotal) ||
        !money_of(obj, n->shipping, &out->shipping_fee) ||
        !money_of(obj, n->discount, &out->discount) || !money_of(obj, n->tax, &out->tax) ||
        !money_of(obj, n->total, &out->total))
        return ERR_INVALID;
    memcpy(out->currency, currency, 4);
    const char *phone = string_of(item(obj, "address"), "phone");
    if (phone != NULL && notify_phone_normalize(phone, out->phone, sizeof out->phone) != 0)
        out->phone[0] = '\0'; /* an unusable phone only means no SMS */
    const cJSON *lines = item(obj, n->lines);
    if (!cJSON_IsArray(lines) || cJSON_GetArraySize(lines) > LINES_MAX)
        return ERR_INVALID;
    out->lines = cJSON_CreateArray();
    if (out->lines == NULL)
        return ERR_INTERNAL;
    const cJSON *l;
    cJSON_ArrayForEach(l, lines)
    {
        int rc = line_parse(l, n, out->lines);
        if (rc != 0) {
            notify_order_free(out);
            return rc;
        }
    }
    return 0;
}

int notify_order_from_event(const cJSON *data, notify_order_t *out)
{
    return order_parse(data, &event_names, out);
}

int notify_order_from_api(const cJSON *order, notify_order_t *out)
{
    return order_parse(order, &api_names, out);
}

void notify_order_free(notify_order_t *o)
{
    if (o == NULL)
        return;
    cJSON_Delete(o->lines);
    o->lines = NULL;
}

/* ---- contacts ----------------------------------------------------------------------- */

static int contact_parse(const cJSON *obj, const char *id_name, notify_contact_t *out)
{
    memset(out, 0, sizeof *out);
    const char *role = string_of(obj, "role");
    if (!cJSON_IsObject(obj) || !copy_uuid(out->user_id, string_of(obj, id_name)) ||
        !copy_text(out->email, sizeof out->email, string_of(obj, "email")) ||
        strchr(out->email, '@') == NULL)
        return ERR_INVALID;
    /* The name is optional for us: a mail without it still greets the customer. */
    if (!copy_text(out->name, sizeof out->name, string_of(obj, "name")))
        out->name[0] = '\0';
    if (role != NULL && !copy_text(out->role, sizeof out->role, role))
        return ERR_INVALID;
    return 0;
}

int notify_contact_from_event(const cJSON *data, notify_contact_t *out)
{
    return contact_parse(data, "userId", out);
}

int notify_contact_from_api(const cJSON *user, notify_contact_t *out)
{
    return contact_parse(user, "id", out);
}

/* ---- template variables ------------------------------------------------------------- */

static void set_money(tpl_ctx_t *ctx, const char *name, int64_t minor, const char *currency)
{
    char buf[64];
    if (tpl_money(minor, currency, buf, sizeof buf) < 0)
        buf[0] = '\0';
    tpl_ctx_set(ctx, name, buf);
}

static const char *reason_text(const char *reason)
{
    static const struct {
        const char *reason, *text;
    } texts[] = {
        {"customer", "you cancelled it"},
        {"admin", "our team cancelled it"},
        {"payment_failed", "the payment did not go through"},
        {"reservation_expired", "it was not paid in time"},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (strcmp(reason, texts[i].reason) == 0)
            return texts[i].text;
    return "it could not be completed";
}

int notify_build_ctx(const notify_order_t *o, const notify_contact_t *contact, const cJSON *vars,
                     tpl_ctx_t *ctx)
{
    char buf[32];
    tpl_ctx_init(ctx);
    tpl_ctx_set(ctx, "name", contact != NULL && contact->name[0] ? contact->name : "customer");
    tpl_ctx_set(ctx, "email", contact != NULL ? contact->email : "");
    tpl_ctx_set(ctx, "order_id", o->order_id);
    tpl_ctx_set(ctx, "order_number", o->order_number);
    tpl_ctx_set(ctx, "currency", o->currency);
    set_money(ctx, "subtotal", o->subtotal, o->currency);
    set_money(ctx, "shipping_fee", o->shipping_fee, o->currency);
    set_money(ctx, "discount", o->discount, o->currency);
    set_money(ctx, "tax", o->tax, o->currency);
    set_money(ctx, "total", o->total, o->currency);
    /* Zero amounts are left empty, so {{#discount}} shows a discount only when there is one. */
    if (o->discount == 0)
        tpl_ctx_set(ctx, "discount", "");
    if (o->tax == 0)
        tpl_ctx_set(ctx, "tax", "");
    const cJSON *l;
    cJSON_ArrayForEach(l, o->lines)
    {
        tpl_ctx_t *it = tpl_ctx_add_item(ctx);
        if (it == NULL)
            break;
        tpl_ctx_set(it, "title", string_of(l, "title"));
        tpl_ctx_set(it, "sku", string_of(l, "sku"));
        snprintf(buf, sizeof buf, "%.0f", cJSON_GetNumberValue(item(l, "quantity")));
        tpl_ctx_set(it, "quantity", buf);
        set_money(it, "unit_price", (int64_t)cJSON_GetNumberValue(item(l, "unit_price")),
                  o->currency);
        set_money(it, "line_total", (int64_t)cJSON_GetNumberValue(item(l, "line_total")),
                  o->currency);
    }
    const cJSON *v;
    cJSON_ArrayForEach(v, vars)
    {
        if (cJSON_IsString(v) && v->string != NULL)
            tpl_ctx_set(ctx, v->string, v->valuestring);
    }
    const char *amount = string_of(vars, "amount_minor");
    const char *amount_currency = string_of(vars, "amount_currency");
    /* amount_minor was written by notify_cause_from_event from a checked int64. */
    if (amount != NULL && amount_currency != NULL)
        set_money(ctx, "amount", strtoll(amount, NULL, 10), amount_currency);
    const char *reason = string_of(vars, "reason");
    if (reason != NULL)
        tpl_ctx_set(ctx, "reason_text", reason_text(reason));
    return ctx->failed ? ERR_INTERNAL : 0;
}

/* ---- small rules -------------------------------------------------------------------- */

int notify_phone_normalize(const char *in, char *out, size_t n)
{
    size_t o = 0, digits = 0;
    if (in == NULL || n < 17)
        return ERR_INVALID;
    for (const char *p = in; *p != '\0'; p++) {
        if (*p == '+' && o == 0 && digits == 0)
            out[o++] = '+';
        else if (*p >= '0' && *p <= '9') {
            if (++digits > 15)
                return ERR_INVALID;
            out[o++] = *p;
        } else if (!strchr(" -.()", *p))
            return ERR_INVALID;
    }
    out[o] = '\0';
    return digits >= 7 ? 0 : ERR_INVALID;
}

long notify_backoff_ms(int attempts, long base_ms, long cap_ms)
{
    long wait = base_ms;
    for (int i = 1; i < attempts && wait < cap_ms; i++)
        wait = wait > cap_ms / 2 ? cap_ms : wait * 2;
    return wait < cap_ms ? wait : cap_ms;
}

bool notify_channel_valid(const char *channel)
{
    return channel != NULL && (strcmp(channel, "email") == 0 || strcmp(channel, "sms") == 0);
}
