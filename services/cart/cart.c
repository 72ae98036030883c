/* cart.c - the cart's rules: addability, currency, merging, line flags and totals.
 *
 * A line's flag is decided in this order, the first that applies winning, so the
 * customer sees the reason that matters most (no stock count helps when the product
 * itself is gone):
 *
 *   product unknown, not APPROVED, or the SKU belongs to another product
 *                                         -> PRODUCT_UNAVAILABLE
 *   product currency != cart currency     -> CURRENCY_MISMATCH
 *   SKU unknown, or available <= 0        -> OUT_OF_STOCK
 *   quantity > available                  -> INSUFFICIENT_STOCK
 *   line total or subtotal past the money ceiling -> LIMIT_EXCEEDED
 */
#include "cart.h"

#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/money.h"

static const struct {
    const char *name;
    product_status_t status;
} statuses[] = {
    {"PENDING_APPROVAL", PRODUCT_PENDING_APPROVAL},
    {"APPROVED", PRODUCT_APPROVED},
    {"REJECTED", PRODUCT_REJECTED},
    {"ARCHIVED", PRODUCT_ARCHIVED},
};

product_status_t cart_product_status(const char *s)
{
    if (s == NULL)
        return PRODUCT_STATUS_UNKNOWN;
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (strcmp(s, statuses[i].name) == 0)
            return statuses[i].status;
    return PRODUCT_STATUS_UNKNOWN;
}

int cart_product_addable(product_status_t status)
{
    switch (status) {
    case PRODUCT_APPROVED:
        return 0;
    case PRODUCT_ARCHIVED:
        return ERR_CONFLICT;
    default:
        return ERR_NOT_FOUND;
    }
}

bool cart_sku_valid(const char *sku)
{
    if (sku == NULL)
        return false;
    size_t n = strlen(sku);
    if (n == 0 || n > CART_SKU_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = sku[i];
        bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return false;
    }
    return true;
}

int cart_currency_accepts(const char *cart_currency, int line_count, const char *currency)
{
    if (currency == NULL)
        return ERR_CONFLICT;
    if (line_count == 0 || cart_currency == NULL || *cart_currency == '\0')
        return 0;
    return strcmp(cart_currency, currency) == 0 ? 0 : ERR_CONFLICT;
}

int cart_merge_quantity(int64_t in_cart, int64_t add, int64_t max, int64_t *out)
{
    if (in_cart < 0 || add < 1 || add > max || in_cart > max - add)
        return ERR_CONFLICT;
    *out = in_cart + add;
    return 0;
}

const char *cart_flag_reason(cart_flag_t flag)
{
    switch (flag) {
    case CART_LINE_PRODUCT_UNAVAILABLE:
        return "PRODUCT_UNAVAILABLE";
    case CART_LINE_CURRENCY_MISMATCH:
        return "CURRENCY_MISMATCH";
    case CART_LINE_OUT_OF_STOCK:
        return "OUT_OF_STOCK";
    case CART_LINE_INSUFFICIENT_STOCK:
        return "INSUFFICIENT_STOCK";
    case CART_LINE_LIMIT_EXCEEDED:
        return "LIMIT_EXCEEDED";
    case CART_LINE_OK:
        break;
    }
    return NULL;
}

cart_flag_t cart_line_check(const cart_line_t *l, const char *cart_currency)
{
    if (!l->product_known || cart_product_status(l->status) != PRODUCT_APPROVED)
        return CART_LINE_PRODUCT_UNAVAILABLE;
    if (l->stock_known && l->sku_product_id != NULL && l->product_id != NULL &&
        strcmp(l->sku_product_id, l->product_id) != 0)
        return CART_LINE_PRODUCT_UNAVAILABLE;
    if (cart_currency != NULL && *cart_currency != '\0' &&
        (l->currency == NULL || strcmp(l->currency, cart_currency) != 0))
        return CART_LINE_CURRENCY_MISMATCH;
    if (!l->stock_known || l->available <= 0)
        return CART_LINE_OUT_OF_STOCK;
    if (l->quantity > l->available)
        return CART_LINE_INSUFFICIENT_STOCK;
    return CART_LINE_OK;
}

void cart_evaluate(cart_line_t *lines, int count, const char *cart_currency, cart_summary_t *out)
{
    memset(out, 0, sizeof *out);
    out->line_count = count;
    out->currency =
        count > 0 && cart_currency != NULL && *cart_currency != '\0' ? cart_currency : NULL;
    for (int i = 0; i < count; i++) {
        cart_line_t *l = &lines[i];
        l->flag = cart_line_check(l, out->currency);
        l->has_line_total = false;
        l->line_total = 0;
        if (l->product_known) {
            if (money_mul(l->unit_price, l->quantity, &l->line_total) == 0)
                l->has_line_total = true;
            else if (l->flag == CART_LINE_OK)
                l->flag = CART_LINE_LIMIT_EXCEEDED;
        }
        if (l->flag == CART_LINE_OK) {
            int64_t subtotal;
            if (money_add(out->subtotal, l->line_total, &subtotal) != 0) {
                l->flag = CART_LINE_LIMIT_EXCEEDED;
            } else {
                out->subtotal = subtotal;
                out->item_count += l->quantity;
            }
        }
        if (l->flag != CART_LINE_OK)
            out->flagged_count++;
    }
}

/* A field of obj that is a UUID, copied into out[37]. */
static bool uuid_field(const cJSON *obj, const char *name, char out[37])
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsString(v) || !id_is_uuid(v->valuestring))
        return false;
    memcpy(out, v->valuestring, 37);
    return true;
}

int cart_order_parse(const cJSON *data, cart_order_t *out)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(data) || !uuid_field(data, "orderId", out->order_id) ||
        !uuid_field(data, "customerId", out->customer_id))
        return ERR_INVALID;
    const cJSON *cart = cJSON_GetObjectItemCaseSensitive(data, "cartId");
    /* proto3 JSON leaves an empty string out or writes it as "": both mean "no cart". */
    if (cart != NULL && !cJSON_IsNull(cart) &&
        !(cJSON_IsString(cart) && cart->valuestring[0] == '\0') &&
        !uuid_field(data, "cartId", out->cart_id))
        return ERR_INVALID;

    const cJSON *lines = cJSON_GetObjectItemCaseSensitive(data, "lines");
    int n = cJSON_IsArray(lines) ? cJSON_GetArraySize(lines) : -1;
    if (n < 0 || n > CART_ORDER_LINES_MAX)
        return ERR_INVALID;
    if (n == 0)
        return 0;
    out->lines = calloc((size_t)n, sizeof *out->lines);
    if (out->lines == NULL)
        return ERR_INTERNAL;
    const cJSON *line;
    cJSON_ArrayForEach(line, lines)
    {
        const cJSON *sku = cJSON_GetObjectItemCaseSensitive(line, "sku");
        int64_t qty;
        if (!cJSON_IsString(sku) || !cart_sku_valid(sku->valuestring) ||
            json_int64(cJSON_GetObjectItemCaseSensitive(line, "quantity"), &qty) != 0 || qty < 1)
            goto invalid;
        int at = 0;
        while (at < out->count && strcmp(out->lines[at].sku, sku->valuestring) != 0)
            at++;
        if (at == out->count) {
            memcpy(out->lines[at].sku, sku->valuestring, strlen(sku->valuestring) + 1);
            out->count++;
        }
        /* A SKU listed twice left the cart twice; saturate rather than overflow. */
        cart_bought_t *b = &out->lines[at];
        b->quantity = qty > INT64_MAX - b->quantity ? INT64_MAX : b->quantity + qty;
    }
    return 0;
invalid:
    cart_order_free(out);
    return ERR_INVALID;
}

void cart_order_free(cart_order_t *order)
{
    free(order->lines);
    order->lines = NULL;
    order->count = 0;
}
