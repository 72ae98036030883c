/* orders.c - the order service client (see orders.h). */
#include "orders.h"

#include <stdio.h>
#include <string.h>

#include "common/errors.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/log.h"
#include "common/money.h"
#include "common/peer.h"

static peer_t *g_order;
static long g_timeout_ms = 3000;

static int str_field(const cJSON *o, const char *name, char *dst, size_t len, bool required)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!cJSON_IsString(v)) {
        dst[0] = '\0';
        return required ? ERR_INVALID : 0;
    }
    if (strlen(v->valuestring) >= len)
        return ERR_INVALID;
    snprintf(dst, len, "%s", v->valuestring);
    return 0;
}

int order_info_parse(const cJSON *o, order_info_t *out)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(o) || str_field(o, "order_id", out->order_id, sizeof out->order_id, true) ||
        str_field(o, "order_number", out->order_number, sizeof out->order_number, false) ||
        str_field(o, "customer_id", out->customer_id, sizeof out->customer_id, true) ||
        str_field(o, "order_status", out->order_status, sizeof out->order_status, true) ||
        str_field(o, "payment_status", out->payment_status, sizeof out->payment_status, false) ||
        str_field(o, "currency", out->currency, sizeof out->currency, true))
        return ERR_INVALID;
    if (!id_is_uuid(out->order_id) || !id_is_uuid(out->customer_id) ||
        !money_currency_valid(out->currency))
        return ERR_INVALID;
    if (json_int64(cJSON_GetObjectItemCaseSensitive(o, "final_price"), &out->total) != 0 ||
        out->total < 0 || out->total > MONEY_MAX_MINOR)
        return ERR_INVALID;
    return 0;
}

int orders_init(long timeout_ms)
{
    g_timeout_ms = timeout_ms;
    if (peer_from_env("ORDER", &g_order) != 0) {
        log_error("ORDER_URLS must list http(s) base URLs, comma-separated");
        return ERR_INVALID;
    }
    if (!peer_configured(g_order))
        log_warn("payment: ORDER_URLS unset: initiate answers 503 until it is configured");
    return 0;
}

int orders_get(const char *order_id, order_info_t *out)
{
    char path[64];
    long status = 0;
    cJSON *json = NULL;
    if (!id_is_uuid(order_id))
        return ERR_NOT_FOUND;
    snprintf(path, sizeof path, "/internal/orders/%s", order_id);
    int rc = peer_call(g_order, "GET", path, NULL, g_timeout_ms, &status, &json);
    if (rc == 0) {
        if (status == 404)
            rc = ERR_NOT_FOUND;
        else if (status != 200 || order_info_parse(json, out) != 0) {
            log_warn("payment: order service answered %ld for order %s", status, order_id);
            rc = ERR_UNAVAILABLE;
        }
    }
    cJSON_Delete(json);
    return rc;
}

void orders_free(void)
{
    peer_free(g_order);
    g_order = NULL;
}
