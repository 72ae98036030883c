/* fuzz_inventory.c - inventory's parsers (services/inventory): the reservation lines of
 * POST /internal/reservations (reservation_lines_parse), a SKU's attributes and code
 * (POST /seller/products/:id/inventory, PATCH /inventory/:sku), and the order id it takes
 * from payment and order events (reservation_event_order_id). Accepted lines are
 * sorted, distinct, valid SKU codes with quantities in range.
 */
#include "common/errors.h"
#include "common/ids.h"
#include "common/json.h"
#include "fuzz_support.h"
#include "reservation.h"
#include "sku.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *body = fz_json_object(data, size);
    if (body == NULL) {
        /* A path parameter: /inventory/:sku. */
        char *code = fz_cstr(data, size);
        if (code != NULL && sku_code_valid(code))
            FZ_ASSERT(strlen(code) <= SKU_CODE_MAX && strchr(code, '/') == NULL);
        free(code);
        return 0;
    }

    json_check_t chk;
    json_check_init(&chk);
    res_line_t *lines = NULL;
    int count = 0;
    if (reservation_lines_parse(&chk, body, &lines, &count) == 0) {
        FZ_ASSERT(json_check_ok(&chk));
        FZ_ASSERT(count >= 1 && count <= RESERVATION_LINES_MAX);
        for (int i = 0; i < count; i++) {
            FZ_ASSERT(sku_code_valid(lines[i].sku));
            FZ_ASSERT(lines[i].quantity >= 1 && lines[i].quantity <= RESERVATION_QTY_MAX);
            if (i > 0)
                FZ_ASSERT(strcmp(lines[i - 1].sku, lines[i].sku) < 0);
        }
        FZ_ASSERT(reservation_lines_equal(lines, count, lines, count));
        free(lines);
    } else {
        FZ_ASSERT(!json_check_ok(&chk));
    }
    json_check_free(&chk);

    sku_attributes_problem(cJSON_GetObjectItemCaseSensitive(body, "attributes"));
    const cJSON *sku = cJSON_GetObjectItemCaseSensitive(body, "sku");
    if (cJSON_IsString(sku))
        sku_code_valid(sku->valuestring);

    /* The body as an event envelope of payment.events or order.events. */
    const char *order_id = reservation_event_order_id(body);
    FZ_ASSERT(order_id == NULL || id_is_uuid(order_id));
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(body, "type");
    if (cJSON_IsString(type)) {
        res_reason_t reason;
        reservation_action_for_event("payment.events", type->valuestring, &reason);
        reservation_action_for_event("order.events", type->valuestring, &reason);
        res_status_t status;
        reservation_status_parse(type->valuestring, &status);
        reservation_reason_parse(type->valuestring, &reason);
    }
    cJSON_Delete(body);
    return 0;
}
