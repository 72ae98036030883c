/* sku.h - the rules of a SKU and its counts, without I/O.
 *
 * A SKU (stock keeping unit) is a code unique across the store, the product it belongs
 * to, optional variant attributes ({"size":"M","colour":"red"}) and two counts:
 * on_hand (units in the warehouse) and reserved (units held for orders not yet paid).
 * available = on_hand - reserved, and 0 <= reserved <= on_hand always holds (the
 * database enforces it too, as the last line of defence).
 */
#ifndef INVENTORY_SKU_H
#define INVENTORY_SKU_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#define SKU_CODE_MAX      64
#define SKU_COUNT_MAX     1000000000LL /* the largest on_hand: far beyond a real warehouse */
#define SKU_ATTR_KEYS_MAX 10
#define SKU_ATTR_KEY_MAX  32
#define SKU_ATTR_VAL_MAX  64

/* True when code is 1 to SKU_CODE_MAX characters of [A-Za-z0-9._-], starting with a
 * letter or digit. The set keeps codes safe in URL paths and in PostgreSQL array
 * literals without escaping. Pure. */
bool sku_code_valid(const char *code);

/* Checks the optional attributes of a SKU: NULL (absent) or an object of at most
 * SKU_ATTR_KEYS_MAX string values, keys of 1..SKU_ATTR_KEY_MAX bytes, values of
 * 1..SKU_ATTR_VAL_MAX bytes, all printable (no control characters). Returns NULL when
 * fine, otherwise a message for the field. Pure. */
const char *sku_attributes_problem(const cJSON *attributes);

/* The outcome of a stock adjustment on the current counts. */
typedef enum sku_adjust_result {
    SKU_ADJUST_OK = 0,         /* *new_on_hand holds the new count */
    SKU_ADJUST_NOOP,           /* the count would not change */
    SKU_ADJUST_BELOW_RESERVED, /* the new count would be below what is reserved (or < 0) */
    SKU_ADJUST_ABOVE_MAX,      /* the new count would exceed SKU_COUNT_MAX */
} sku_adjust_result_t;

/* Applies {"delta": value} (set = false) or {"on_hand": value} (set = true) to the counts.
 * Overflow-safe for any int64 inputs. Pure. */
sku_adjust_result_t sku_adjust(int64_t on_hand, int64_t reserved, bool set, int64_t value,
                               int64_t *new_on_hand);

/* Whether available crossed zero: OutOfStock when it fell from above zero to zero,
 * BackInStock when it rose from zero. */
typedef enum sku_crossing {
    SKU_CROSS_NONE = 0,
    SKU_CROSS_OUT,
    SKU_CROSS_BACK,
} sku_crossing_t;

sku_crossing_t sku_crossing(int64_t available_before, int64_t available_after);

#endif
