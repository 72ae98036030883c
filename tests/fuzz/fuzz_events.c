/* fuzz_events.c - event_validate (common/events.h) on whatever a topic may deliver: a
 * consumer calls it on every message before dispatching, so it must refuse, never
 * crash on, a hostile or truncated envelope. An accepted envelope must really have what
 * the dispatcher then reads without checking.
 */
#include "common/errors.h"
#include "common/events.h"
#include "common/ids.h"
#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *event = fz_json_any(data, size);
    if (event == NULL)
        return 0;
    if (event_validate(event) == 0) {
        static const char *const required[] = {"specversion", "id", "source", "type"};
        for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
            FZ_ASSERT(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(event, required[i])));
        FZ_ASSERT(strcmp(cJSON_GetObjectItemCaseSensitive(event, "specversion")->valuestring,
                         "1.0") == 0);
        FZ_ASSERT(id_is_uuid(cJSON_GetObjectItemCaseSensitive(event, "id")->valuestring));
        FZ_ASSERT(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(event, "data")));
    }
    cJSON_Delete(event);
    return 0;
}
