/* fuzz_json_body.c - the request-body helpers of common/json.h (json_req_*, json_opt_*,
 * json_int64) over arbitrary bodies, with the field sets of the handlers that read their
 * bodies with them directly: inventory's SKU, adjustment, reservation and release bodies
 * and cart's add and change bodies (services/<name>/routes.c).
 */
#include <stdbool.h>

#include "common/errors.h"
#include "common/json.h"
#include "fuzz_support.h"

/* One handler's reads, as routes.c makes them; every accepted value is within bounds. */
static void read_fields(const cJSON *body)
{
    json_check_t chk;
    json_check_init(&chk);
    int64_t v = 0;

    /* inventory POST /seller/products/:id/inventory and cart POST /cart/items */
    const char *sku = json_req_string(&chk, body, "sku", 1, 64);
    FZ_ASSERT(sku == NULL || (strlen(sku) >= 1 && strlen(sku) <= 64));
    const char *pid = json_req_string(&chk, body, "product_id", 1, 64);
    FZ_ASSERT(pid == NULL || strlen(pid) <= 64);
    if (json_req_int(&chk, body, "quantity", 0, 1000000, &v) == 0)
        FZ_ASSERT(v >= 0 && v <= 1000000);

    /* inventory PATCH /inventory/:sku: a delta or a new on_hand */
    v = -7;
    int rc = json_opt_int(&chk, body, "delta", -1000000, 1000000, &v);
    FZ_ASSERT(rc != 1 || v == -7); /* missing leaves it untouched */
    if (rc == 0)
        FZ_ASSERT(v >= -1000000 && v <= 1000000);
    json_opt_int(&chk, body, "on_hand", 0, 1000000, &v);

    /* inventory POST /internal/reservations and .../release */
    const char *order_id = json_req_string(&chk, body, "order_id", 36, 36);
    FZ_ASSERT(order_id == NULL || strlen(order_id) == 36);
    json_opt_int(&chk, body, "ttl_seconds", 1, 3600, &v);
    json_opt_string(&chk, body, "reason", 1, 32);

    /* proto3 int64 of events' data */
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(body, "amount");
    if (n != NULL && json_int64(n, &v) == 0 && cJSON_IsNumber(n))
        FZ_ASSERT(v <= (INT64_C(1) << 53) && v >= -(INT64_C(1) << 53));

    /* A failed check names at least one field in its details. */
    bool ok = json_check_ok(&chk);
    cJSON *details = json_check_take_details(&chk);
    if (details != NULL) {
        const cJSON *fields = cJSON_GetObjectItemCaseSensitive(details, "fields");
        FZ_ASSERT(ok == (cJSON_GetArraySize(fields) == 0));
        char *text = json_print(details);
        free(text);
        cJSON_Delete(details);
    }
    json_check_free(&chk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *body = fz_json_object(data, size);
    if (body == NULL)
        return 0;
    read_fields(body);
    /* Every member, whatever its name, through the string and integer readers. */
    for (const cJSON *it = body->child; it != NULL; it = it->next) {
        if (it->string == NULL)
            continue;
        json_check_t chk;
        json_check_init(&chk);
        int64_t v;
        json_req_string(&chk, body, it->string, 0, 1 << 20);
        json_req_int(&chk, body, it->string, INT64_MIN, INT64_MAX, &v);
        json_int64(it, &v);
        json_check_free(&chk);
    }
    cJSON_Delete(body);
    return 0;
}
