/* zone.h - serviceable zones and the address matcher, as plain functions (no I/O).
 *
 * A zone is a country, optionally narrowed by a list of cities, a list of districts and
 * a postal-code pattern (a POSIX extended regular expression that must match the whole
 * postal code, case-insensitively), with a shipping fee. An address matches a zone when
 * it satisfies every part the zone sets. Of the zones an address matches, the most
 * specific wins: a postal-code pattern outweighs districts and cities together, a
 * district list outweighs a city list, and any of them outweighs the bare country. Ties
 * go to the lower fee, then to the zone listed first (the store lists them by name).
 * Cities, districts and countries compare without case and surrounding blanks.
 */
#ifndef FULFILLMENT_ZONE_H
#define FULFILLMENT_ZONE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/json.h"

#define ZONE_NAME_MAX    100
#define ZONE_LIST_MAX    200 /* cities or districts per zone */
#define ZONE_PLACE_MAX   100 /* bytes per city or district name */
#define ZONE_PATTERN_MAX 200

/* One zone as the matcher sees it. Every pointer is borrowed. */
typedef struct zone_def {
    const char *id;
    const char *name;
    const char *country;
    const char *const *cities; /* city_count names; none = the whole country */
    int city_count;
    const char *const *districts;
    int district_count;
    const char *postal_pattern; /* NULL or "" = any postal code */
    int64_t fee;
    const char *currency;
} zone_def_t;

/* The parts of a delivery address that zones look at. Any may be NULL except country. */
typedef struct ship_address {
    const char *country;
    const char *city;
    const char *district;
    const char *postal_code;
} ship_address_t;

/* A zone as an admin writes it (POST and PUT /admin/zones). Strings borrow from the body;
 * cities and districts are validated arrays of strings, or NULL when absent. */
typedef struct zone_input {
    const char *name;
    const char *country;
    const cJSON *cities;
    const cJSON *districts;
    const char *postal_code_pattern; /* NULL when absent */
    int64_t fee;
    const char *currency;
    bool active;
} zone_input_t;

/* Validates a zone body, recording one failure per bad field in chk (the pattern is
 * compiled to prove it is a valid POSIX ERE). 0, or ERR_INVALID with chk filled. */
int zone_input_parse(json_check_t *chk, const cJSON *body, zone_input_t *out);

/* True when pattern compiles as a POSIX ERE anchored to the whole postal code. */
bool zone_pattern_valid(const char *pattern);

/* How specific the zone is (higher wins): 4 for a postal pattern, +2 for districts, +1 for
 * cities, 0 for the country alone. */
int zone_specificity(const zone_def_t *z);

/* True when the address lies in the zone. A pattern that does not compile matches nothing. */
bool zone_matches(const zone_def_t *z, const ship_address_t *a);

/* The index of the best zone for the address among zones[0..n) whose currency equals
 * currency (any currency when NULL), or -1 when none matches. */
int zone_best(const zone_def_t *zones, int n, const ship_address_t *a, const char *currency);

#endif
