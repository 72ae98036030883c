/* views.c - parsing the read model's inputs: catalog and inventory events, and the
 * peers' /internal answers. Every check here guards the read model against a
 * malformed producer: what does not parse is refused (the consumer dead-letters it)
 * rather than stored half-right. */
#include "views.h"

#include <string.h>

#include "common/errors.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/money.h"
#include "common/text.h"
#include "cart.h"

static const cJSON *item(const cJSON *obj, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

static const char *string_of(const cJSON *obj, const char *name)
{
    const cJSON *v = item(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *uuid_of(const cJSON *obj, const char *name)
{
    const char *s = string_of(obj, name);
    return s != NULL && id_is_uuid(s) ? s : NULL;
}

/* An int64 field; absent means 0, as proto3 JSON omits fields at their default value. */
static bool int64_or_default(const cJSON *v, int64_t *out)
{
    if (v == NULL) {
        *out = 0;
        return true;
    }
    return json_int64(v, out) == 0;
}

/* Names of the product fields in one of the two spellings. */
typedef struct product_names {
    const char *id, *title, *price, *currency, *status, *version;
} product_names_t;

static const product_names_t event_names = {"productId", "title",  "price",
                                            "currency",  "status", "version"};
static const product_names_t api_names = {"id", "title", "price", "currency", "status", "version"};

/* Fills out from obj; a missing version is left as the caller set it. */
static int product_parse(const cJSON *obj, const product_names_t *n, bool version_required,
                         product_view_t *out)
{
    if (!cJSON_IsObject(obj))
        return ERR_INVALID;
    out->id = uuid_of(obj, n->id);
    out->title = string_of(obj, n->title);
    out->currency = string_of(obj, n->currency);
    out->status = string_of(obj, n->status);
    if (out->id == NULL || out->title == NULL || out->currency == NULL || out->status == NULL)
        return ERR_INVALID;
    size_t title_len = strlen(out->title);
    if (title_len > VIEW_TITLE_MAX || !utf8_valid((const unsigned char *)out->title, title_len))
        return ERR_INVALID;
    if (!money_currency_valid(out->currency) || strlen(out->status) > 32 ||
        cart_product_status(out->status) == PRODUCT_STATUS_UNKNOWN)
        return ERR_INVALID;
    if (!int64_or_default(item(obj, n->price), &out->price) || out->price < 0 ||
        out->price > MONEY_MAX_MINOR)
        return ERR_INVALID;
    const cJSON *version = item(obj, n->version);
    if (version != NULL) {
        if (json_int64(version, &out->version) != 0)
            return ERR_INVALID;
    } else if (version_required) {
        return ERR_INVALID;
    }
    return out->version >= 1 ? 0 : ERR_INVALID;
}

/* The envelope's sequence, 0 when absent. */
static int64_t sequence_of(const cJSON *event)
{
    int64_t seq = 0;
    if (json_int64(item(event, "sequence"), &seq) != 0)
        return 0;
    return seq;
}

int product_view_from_event(const cJSON *event, product_view_t *out)
{
    memset(out, 0, sizeof *out);
    out->version = sequence_of(event);
    return product_parse(item(event, "data"), &event_names, false, out);
}

int product_view_from_api(const cJSON *obj, product_view_t *out)
{
    memset(out, 0, sizeof *out);
    return product_parse(obj, &api_names, true, out);
}

static int stock_parse(const cJSON *obj, const char *product_name, stock_view_t *out)
{
    if (!cJSON_IsObject(obj))
        return ERR_INVALID;
    out->sku = string_of(obj, "sku");
    out->product_id = uuid_of(obj, product_name);
    if (out->sku == NULL || !cart_sku_valid(out->sku) || out->product_id == NULL)
        return ERR_INVALID;
    if (!int64_or_default(item(obj, "available"), &out->available))
        return ERR_INVALID;
    return 0;
}

int stock_view_from_event(const cJSON *event, stock_view_t *out)
{
    memset(out, 0, sizeof *out);
    out->sequence = sequence_of(event);
    if (out->sequence < 1)
        return ERR_INVALID;
    return stock_parse(item(event, "data"), "productId", out);
}

int stock_view_from_api(const cJSON *obj, stock_view_t *out)
{
    memset(out, 0, sizeof *out);
    return stock_parse(obj, "product_id", out);
}
