/* fuzz_address.c - identity's address body (POST /user/addresses, PUT
 * /user/addresses/:id): address_parse in services/identity/users.c. An accepted address
 * has every required field and a normalized two-letter country.
 */
#include <ctype.h>

#include "common/json.h"
#include "fuzz_support.h"
#include "users.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *body = fz_json_object(data, size);
    if (body == NULL)
        return 0;
    json_check_t chk;
    json_check_init(&chk);
    address_fields_t a;
    memset(&a, 0, sizeof a);
    bool ok = address_parse(&chk, body, &a);
    FZ_ASSERT(ok == json_check_ok(&chk));
    if (ok) {
        FZ_ASSERT(a.name && a.phone && a.line1 && a.city && a.district && a.postal_code);
        FZ_ASSERT(strlen(a.country) == 2 && isupper((unsigned char)a.country[0]) &&
                  isupper((unsigned char)a.country[1]));
        FZ_ASSERT(address_country_valid(a.country));
    }
    json_check_free(&chk);

    /* The other account fields identity reads from bodies. */
    for (const cJSON *it = body->child; it != NULL; it = it->next) {
        if (!cJSON_IsString(it))
            continue;
        const char *s = it->valuestring;
        char email[256];
        user_text_ok(s, strlen(s));
        if (user_email_normalize(s, email, sizeof email))
            FZ_ASSERT(strchr(email, '@') != NULL);
        user_password_problem(s);
        user_name_ok(s);
        user_role_self_registrable(s);
        user_role_valid(s);
        address_country_valid(s);
    }
    cJSON_Delete(body);
    return 0;
}
