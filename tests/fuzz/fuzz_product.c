/* fuzz_product.c - catalog's product bodies (POST /seller/products creates, PUT
 * /seller/products/:id updates): product_edit_parse in services/catalog/product.c, and
 * the stored documents it reloads (pending edits, image lists), which a bad migration or
 * a hand edit could leave malformed. The first input byte picks create or update.
 */
#include "common/errors.h"
#include "common/json.h"
#include "common/money.h"
#include "fuzz_support.h"
#include "images.h"
#include "product.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool create = data[0] & 1;
    cJSON *body = fz_json_object(data + 1, size - 1);
    if (body == NULL) {
        /* Not a body, but perhaps a path parameter: GET /images/:name. */
        char *name = fz_cstr(data + 1, size - 1);
        if (name != NULL && image_name_type(name) != IMAGE_UNKNOWN)
            FZ_ASSERT(strchr(name, '/') == NULL && strstr(name, "..") == NULL);
        free(name);
        return 0;
    }

    json_check_t chk;
    json_check_init(&chk);
    product_edit_t *e = calloc(1, sizeof *e);
    if (e == NULL)
        goto out;
    bool ok = product_edit_parse(&chk, body, create, e);
    FZ_ASSERT(ok == json_check_ok(&chk));
    if (ok) {
        FZ_ASSERT(e->fields != 0);
        if (e->fields & PF_PRICE)
            FZ_ASSERT(e->price >= 0);
        if (e->fields & PF_CURRENCY)
            FZ_ASSERT(money_currency_valid(e->currency));
        if (e->fields & PF_TITLE)
            FZ_ASSERT(product_text_ok(e->title, false));
        if (e->fields & PF_CATEGORY)
            FZ_ASSERT(category_slug_valid(e->category));
    }

    product_t *p = calloc(1, sizeof *p);
    if (p != NULL) {
        product_pending_load(p, body);
        image_list_t list;
        memset(&list, 0, sizeof list);
        image_list_load(&list, cJSON_GetObjectItemCaseSensitive(body, "images"));
        free(p);
    }
    free(e);
out:
    json_check_free(&chk);
    cJSON_Delete(body);
    return 0;
}
