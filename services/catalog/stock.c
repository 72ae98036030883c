/* stock.c - inventory events as stock updates (see stock.h). */
#include "stock.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/ids.h"

static bool whole(const cJSON *v, double min)
{
    return cJSON_IsNumber(v) && v->valuedouble >= min && v->valuedouble <= 9007199254740992.0 &&
           floor(v->valuedouble) == v->valuedouble;
}

int stock_update_parse(const cJSON *event, stock_update_t *out)
{
    memset(out, 0, sizeof *out);
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(event, "data");
    const cJSON *subject = cJSON_GetObjectItemCaseSensitive(event, "subject");
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(event, "sequence");
    const cJSON *sku = cJSON_GetObjectItemCaseSensitive(data, "sku");
    const cJSON *product = cJSON_GetObjectItemCaseSensitive(data, "productId");
    const cJSON *available = cJSON_GetObjectItemCaseSensitive(data, "available");
    if (!cJSON_IsString(sku) || sku->valuestring[0] == '\0' ||
        strlen(sku->valuestring) > STOCK_SKU_MAX || !cJSON_IsString(product) ||
        !id_is_uuid(product->valuestring))
        return ERR_INVALID;
    /* The key of an inventory event is its SKU: an event about another SKU than its
     * subject is malformed. */
    if (cJSON_IsString(subject) && strcmp(subject->valuestring, sku->valuestring) != 0)
        return ERR_INVALID;
    /* proto3 JSON may carry an int64 as a string. */
    if (cJSON_IsString(available)) {
        char *end;
        double v = strtod(available->valuestring, &end);
        if (*available->valuestring == '\0' || *end != '\0' || v < 0 || floor(v) != v)
            return ERR_INVALID;
        out->available = (int64_t)v;
    } else if (available == NULL) {
        out->available = 0; /* proto3 JSON omits a zero */
    } else if (whole(available, 0)) {
        out->available = (int64_t)available->valuedouble;
    } else {
        return ERR_INVALID;
    }
    if (seq != NULL) {
        if (!whole(seq, 0))
            return ERR_INVALID;
        out->sequence = (int64_t)seq->valuedouble;
    }
    snprintf(out->sku, sizeof out->sku, "%s", sku->valuestring);
    for (int i = 0; i < 37; i++) {
        char c = product->valuestring[i];
        out->product_id[i] = (char)(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    }
    return 0;
}
