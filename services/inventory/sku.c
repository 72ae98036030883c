/* sku.c - SKU codes, attributes and count arithmetic (see sku.h). */
#include "sku.h"

#include <string.h>

static bool code_char(char c, bool first)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return true;
    return !first && (c == '-' || c == '_' || c == '.');
}

bool sku_code_valid(const char *code)
{
    if (code == NULL || code[0] == '\0')
        return false;
    size_t n = 0;
    for (; code[n] != '\0'; n++)
        if (n >= SKU_CODE_MAX || !code_char(code[n], n == 0))
            return false;
    return true;
}

/* Printable text: no ASCII control characters (UTF-8 above 0x7f is allowed; the JSON
 * parser has already checked the encoding). */
static bool printable(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

const char *sku_attributes_problem(const cJSON *attributes)
{
    if (attributes == NULL || cJSON_IsNull(attributes))
        return NULL;
    if (!cJSON_IsObject(attributes))
        return "must be an object of strings";
    int count = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, attributes)
    {
        if (++count > SKU_ATTR_KEYS_MAX)
            return "at most 10 attributes";
        size_t klen = item->string ? strlen(item->string) : 0;
        if (klen == 0 || klen > SKU_ATTR_KEY_MAX || !printable(item->string))
            return "names must be 1 to 32 printable characters";
        if (!cJSON_IsString(item) || item->valuestring == NULL)
            return "values must be strings";
        size_t vlen = strlen(item->valuestring);
        if (vlen == 0 || vlen > SKU_ATTR_VAL_MAX || !printable(item->valuestring))
            return "values must be 1 to 64 printable characters";
    }
    /* The same name twice would be stored as the last one: refuse it instead. */
    const cJSON *a, *b;
    cJSON_ArrayForEach(a, attributes)
    {
        for (b = a->next; b != NULL; b = b->next)
            if (strcmp(a->string, b->string) == 0)
                return "names must be unique";
    }
    return NULL;
}

sku_adjust_result_t sku_adjust(int64_t on_hand, int64_t reserved, bool set, int64_t value,
                               int64_t *new_on_hand)
{
    int64_t next;
    if (set) {
        next = value;
    } else {
        /* Both operands are bounded before adding, so the sum cannot overflow. */
        if (value > SKU_COUNT_MAX || value < -SKU_COUNT_MAX - 1 || on_hand < 0 ||
            on_hand > SKU_COUNT_MAX)
            return value > 0 ? SKU_ADJUST_ABOVE_MAX : SKU_ADJUST_BELOW_RESERVED;
        next = on_hand + value;
    }
    if (next < 0 || next < reserved)
        return SKU_ADJUST_BELOW_RESERVED;
    if (next > SKU_COUNT_MAX)
        return SKU_ADJUST_ABOVE_MAX;
    if (next == on_hand)
        return SKU_ADJUST_NOOP;
    *new_on_hand = next;
    return SKU_ADJUST_OK;
}

sku_crossing_t sku_crossing(int64_t available_before, int64_t available_after)
{
    if (available_before > 0 && available_after <= 0)
        return SKU_CROSS_OUT;
    if (available_before <= 0 && available_after > 0)
        return SKU_CROSS_BACK;
    return SKU_CROSS_NONE;
}
