/* fuzz_order.c - what checkout reads (services/order/pricing.c): the items of POST
 * /orders, the cart service's answer, the catalog's and inventory's answers it prices
 * from, identity's address answer, and the list cursor and date filters. Whatever is
 * accepted keeps the promises the order's rows rely on: quantities in range, lines
 * priced from an APPROVED product, totals that add up.
 */
#include "common/errors.h"
#include "common/json.h"
#include "fuzz_support.h"
#include "order.h"
#include "pricing.h"

static void check_items(const order_item_req_t *items, int count)
{
    FZ_ASSERT(count >= 0 && count <= ORDER_LINES_MAX);
    for (int i = 0; i < count; i++)
        FZ_ASSERT(items[i].quantity >= 1 && items[i].quantity <= ORDER_QUANTITY_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *doc = fz_json_any(data, size);
    if (doc == NULL)
        return 0;

    /* POST /orders {items: [...]} */
    json_check_t chk;
    json_check_init(&chk);
    order_item_req_t *items = NULL;
    int count = 0;
    if (order_items_parse(&chk, doc, &items, &count) == 0) {
        check_items(items, count);
        /* Priced against the same document read as the catalog's and inventory's answer. */
        order_line_t lines[ORDER_LINES_MAX];
        order_totals_t totals;
        price_refusal_t refusal = PRICE_OK;
        int at = -1;
        const cJSON *products = cJSON_GetObjectItemCaseSensitive(doc, "products");
        const cJSON *skus = cJSON_GetObjectItemCaseSensitive(doc, "skus");
        if (order_price_lines(items, count, products, skus, lines, &totals, &refusal, &at) == 0) {
            int64_t sum = 0;
            for (int i = 0; i < count; i++) {
                FZ_ASSERT(lines[i].line_total == lines[i].unit_price * lines[i].quantity);
                sum += lines[i].line_total;
            }
            FZ_ASSERT(totals.subtotal == sum);
            if (order_totals_finish(&totals, 500) == 0)
                FZ_ASSERT(totals.final_price ==
                          totals.subtotal + totals.shipping_fee - totals.discount + totals.tax);
        } else {
            FZ_ASSERT(refusal != PRICE_OK && at >= 0 && at < count);
            FZ_ASSERT(order_price_refusal_code(refusal) != NULL);
        }
        free(items);
    }
    json_check_free(&chk);

    /* The cart's answer. */
    char cart_id[37];
    if (order_items_from_cart(doc, &items, &count, cart_id) == 0) {
        check_items(items, count);
        free(items);
    }

    /* Identity's address answer. */
    order_address_t address;
    const char *field = NULL;
    if (order_address_parse(doc, &address, &field) == 0)
        FZ_ASSERT(strlen(address.country) == 2 && address.postal_code[0] != '\0');
    else
        FZ_ASSERT(field != NULL);

    /* Query parameters of the lists. */
    const cJSON *cursor = cJSON_GetObjectItemCaseSensitive(doc, "cursor");
    if (cJSON_IsString(cursor)) {
        int64_t us;
        char id[37];
        order_cursor_parse(cursor->valuestring, &us, id);
        order_time_filter_valid(cursor->valuestring);
        order_status_parse(cursor->valuestring);
        order_payment_method_valid(cursor->valuestring);
        order_status_of_shipment(cursor->valuestring);
    }
    cJSON_Delete(doc);
    return 0;
}
