/* fuzz_notification.c - what the notification service reads (services/notification):
 * the events that cause a message, the order and contact read models from events and
 * from the peers' answers, and the rendering of a template with what they carried. The
 * HTML rendering never lets a '<' from the data through unescaped.
 */
#include "common/ids.h"
#include "fuzz_support.h"
#include "notify.h"
#include "template.h"

static const char *const types[] = {"OrderCreated", "PaymentSucceeded", "ShipmentStatusChanged",
                                    "OrderCancelled", "UserRegistered"};

static const char html_tpl[] = "<p>{{name}} {{order_number}} {{total}} {{tracking_number}}"
                               "{{#lines}}<li>{{title}} {{quantity}} {{line_total}}</li>"
                               "{{/lines}}{{reason_text}}</p>";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *doc = fz_json_any(data, size);
    if (doc == NULL)
        return 0;
    notify_cause_t cause = {0};
    bool have_cause = false;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        notify_cause_t c;
        if (notify_cause_from_event(types[i], doc, &c) == 0) {
            FZ_ASSERT(id_is_uuid(c.order_id) && c.template != NULL);
            if (!have_cause) {
                cause = c;
                have_cause = true;
            } else {
                notify_cause_free(&c);
            }
        }
    }
    notify_order_t order;
    int have_order = notify_order_from_event(doc, &order) == 0;
    if (!have_order)
        have_order = notify_order_from_api(doc, &order) == 0;
    notify_contact_t contact;
    bool have_contact = notify_contact_from_event(doc, &contact) == 0 ||
                        notify_contact_from_api(doc, &contact) == 0;
    if (have_order) {
        tpl_ctx_t ctx;
        if (notify_build_ctx(&order, have_contact ? &contact : NULL, have_cause ? cause.vars : NULL,
                             &ctx) == 0) {
            char *out = NULL;
            if (tpl_render(html_tpl, strlen(html_tpl), &ctx, true, &out) == 0) {
                /* The template's own tags: 3 '<' before the lines, 2 per line, 1 after. */
                size_t lt = 0;
                for (const char *p = out; *p; p++)
                    lt += *p == '<';
                FZ_ASSERT(lt % 2 == 0);
                free(out);
            }
            tpl_ctx_free(&ctx);
        }
        notify_order_free(&order);
    }
    const cJSON *phone = cJSON_GetObjectItemCaseSensitive(doc, "phone");
    if (cJSON_IsString(phone)) {
        char normalized[NOTIFY_PHONE_MAX + 1];
        if (notify_phone_normalize(phone->valuestring, normalized, sizeof normalized) == 0)
            FZ_ASSERT(strlen(normalized) >= 7);
    }
    if (have_cause)
        notify_cause_free(&cause);
    cJSON_Delete(doc);
    return 0;
}
