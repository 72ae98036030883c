/* fuzz_cart.c - what the cart reads from others (services/cart): catalog and inventory
 * event envelopes and the peers' /internal answers (views.c), order.events OrderCreated
 * data (cart_order_parse), and the SKU of POST /cart/items. Accepted views and orders
 * have every field the read model then stores.
 */
#include "cart.h"
#include "common/errors.h"
#include "common/ids.h"
#include "fuzz_support.h"
#include "views.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *doc = fz_json_any(data, size);
    if (doc == NULL)
        return 0;

    product_view_t pv;
    if (product_view_from_event(doc, &pv) == 0)
        FZ_ASSERT(pv.id && pv.title && pv.currency && pv.status && pv.price >= 0);
    if (product_view_from_api(doc, &pv) == 0)
        FZ_ASSERT(pv.id && pv.title && pv.currency && pv.status && pv.price >= 0);
    stock_view_t sv;
    if (stock_view_from_event(doc, &sv) == 0)
        FZ_ASSERT(sv.sku && sv.product_id);
    if (stock_view_from_api(doc, &sv) == 0)
        FZ_ASSERT(sv.sku && sv.product_id);

    /* OrderCreated: the envelope's data, or the document itself. */
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(doc, "data");
    for (int pass = 0; pass < 2; pass++) {
        cart_order_t order;
        const cJSON *in = pass == 0 ? doc : d;
        if (in == NULL)
            continue;
        if (cart_order_parse(in, &order) == 0) {
            FZ_ASSERT(id_is_uuid(order.order_id) && id_is_uuid(order.customer_id));
            FZ_ASSERT(order.count >= 0);
            for (int i = 0; i < order.count; i++)
                FZ_ASSERT(order.lines[i].quantity > 0);
            cart_order_free(&order);
        }
    }

    const cJSON *sku = cJSON_GetObjectItemCaseSensitive(doc, "sku");
    if (cJSON_IsString(sku))
        cart_sku_valid(sku->valuestring);
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(doc, "status");
    if (cJSON_IsString(status))
        cart_product_addable(cart_product_status(status->valuestring));
    cJSON_Delete(doc);
    return 0;
}
