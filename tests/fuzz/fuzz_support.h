/* fuzz_support.h - what the libFuzzer harnesses share: turning fuzzer bytes into a
 * request body exactly as common/http.c's http_json_body does, and a check that aborts
 * (so libFuzzer saves the input) when a parser breaks one of its promises.
 * Header-only: every harness is its own program (tests/fuzz/run.sh builds them).
 */
#ifndef FUZZ_SUPPORT_H
#define FUZZ_SUPPORT_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Aborts with a message when cond is false: a broken invariant is a finding too. */
#define FZ_ASSERT(cond)                                                                            \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A NUL-terminated copy of the input (the fuzzer's buffer has no terminator). Caller
 * frees. NULL only when out of memory. */
static inline char *fz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s != NULL) {
        memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}

/* Parses the input as http_json_body does: the whole body must be one JSON value (a NUL
 * inside it cuts it short and is refused), and it must be an object. NULL otherwise.
 * Caller deletes. */
static inline cJSON *fz_json_object(const uint8_t *data, size_t size)
{
    char *s = fz_cstr(data, size);
    if (s == NULL)
        return NULL;
    const char *end = NULL;
    cJSON *json = cJSON_ParseWithLengthOpts(s, size + 1, &end, 1);
    if (json != NULL && (end != s + size || !cJSON_IsObject(json))) {
        cJSON_Delete(json);
        json = NULL;
    }
    free(s);
    return json;
}

/* Any JSON value (events' data, peers' answers), parsed the same way. Caller deletes. */
static inline cJSON *fz_json_any(const uint8_t *data, size_t size)
{
    char *s = fz_cstr(data, size);
    if (s == NULL)
        return NULL;
    cJSON *json = cJSON_ParseWithLength(s, size);
    free(s);
    return json;
}

#endif
