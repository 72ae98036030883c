/* json.h - strict field access for request bodies.
 *
 * A json_check_t collects one message per bad field, so a 400 names every
 * field that is wrong, not just the first. Typical use:
 *
 *     json_check_t chk;
 *     json_check_init(&chk);
 *     const char *email = json_req_string(&chk, body, "email", 3, 254);
 *     int64_t qty;
 *     json_req_int(&chk, body, "quantity", 1, 100, &qty);
 *     if (!json_check_ok(&chk))
 *         return http_reply_invalid(req, &chk);   // takes the details
 */
#ifndef COMMON_JSON_H
#define COMMON_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct json_check {
    cJSON *fields; /* {"field": "message"}; NULL while every field is fine */
} json_check_t;

/* Starts an empty check. */
void json_check_init(json_check_t *chk);

/* Records a problem with a field (the first message per field wins). */
void json_check_fail(json_check_t *chk, const char *field, const char *message);

/* True when no field failed. */
bool json_check_ok(const json_check_t *chk);

/* Returns {"fields": {...}} and empties the check; caller owns the result. */
cJSON *json_check_take_details(json_check_t *chk);

/* Frees whatever the check still holds. */
void json_check_free(json_check_t *chk);

/* A required string field with a length (in bytes) in [min, max]; NULL and a recorded
 * failure when missing, not a string or out of range. The pointer borrows from obj. */
const char *json_req_string(json_check_t *chk, const cJSON *obj, const char *name, size_t min,
                            size_t max);

/* Like json_req_string, but a missing or null field returns NULL without failing. */
const char *json_opt_string(json_check_t *chk, const cJSON *obj, const char *name, size_t min,
                            size_t max);

/* A required integer in [min, max]; rejects strings, booleans and non-integral numbers.
 * Returns 0 and sets *out, or ERR_INVALID with a recorded failure. */
int json_req_int(json_check_t *chk, const cJSON *obj, const char *name, int64_t min, int64_t max,
                 int64_t *out);

/* Like json_req_int, but a missing field leaves *out untouched and returns 1. */
int json_opt_int(json_check_t *chk, const cJSON *obj, const char *name, int64_t min, int64_t max,
                 int64_t *out);

/* A proto3 JSON int64, as events' data carries it: an integral JSON number (within
 * +-2^53) or a string of decimal digits with an optional leading '-' (proto3's canonical
 * form). Returns 0 and *out, or ERR_INVALID for anything else. Pure. (Added for the cart
 * service's consumers, H-cart.) */
int json_int64(const cJSON *item, int64_t *out);

/* One page of a list: {"items": items, "next_cursor": "<next>" or null when next is 0}.
 * Takes items (freed on failure too). NULL on allocation failure. */
cJSON *json_page(cJSON *items, int64_t next);

/* Prints a cJSON value compactly; caller frees with free(). NULL on allocation failure. */
char *json_print(const cJSON *value);

#endif
