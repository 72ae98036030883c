/* zone.c - zone validation and the address matcher (see zone.h). */
#include "zone.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/money.h"

/* Compiles pattern anchored at both ends, so "446[0-9]{2}" cannot match inside a longer
 * code. Returns 0 with *re to regfree, or -1. */
static int compile(const char *pattern, regex_t *re)
{
    size_t n = strlen(pattern) + 5;
    char *anchored = malloc(n);
    if (anchored == NULL)
        return -1;
    snprintf(anchored, n, "^(%s)$", pattern);
    int rc = regcomp(re, anchored, REG_EXTENDED | REG_NOSUB | REG_ICASE);
    free(anchored);
    return rc == 0 ? 0 : -1;
}

/* True when the pattern's groups close inside it: "a)|(b" would otherwise turn the anchors
 * "^(" and ")$" into "^(a)|(b)$" and match any code that starts with a. Skips escaped
 * characters and bracket expressions, where parentheses are literal. */
static bool groups_balanced(const char *p)
{
    int depth = 0;
    for (size_t i = 0; p[i] != '\0'; i++) {
        if (p[i] == '\\') {
            if (p[++i] == '\0')
                return false;
        } else if (p[i] == '[') {
            i++;
            if (p[i] == '^')
                i++;
            if (p[i] == ']')
                i++; /* a ']' first in the list is a literal */
            while (p[i] != '\0' && p[i] != ']')
                i++;
            if (p[i] == '\0')
                return false;
        } else if (p[i] == '(') {
            depth++;
        } else if (p[i] == ')' && --depth < 0) {
            return false;
        }
    }
    return depth == 0;
}

bool zone_pattern_valid(const char *pattern)
{
    regex_t re;
    if (pattern == NULL || !groups_balanced(pattern) || compile(pattern, &re) != 0)
        return false;
    regfree(&re);
    return true;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* a and b equal ignoring ASCII case and surrounding blanks. */
static bool loose_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return false;
    size_t la = strlen(a), lb = strlen(b);
    while (la > 0 && is_blank(*a))
        a++, la--;
    while (la > 0 && is_blank(a[la - 1]))
        la--;
    while (lb > 0 && is_blank(*b))
        b++, lb--;
    while (lb > 0 && is_blank(b[lb - 1]))
        lb--;
    if (la != lb || la == 0)
        return false;
    for (size_t i = 0; i < la; i++)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

static bool in_list(const char *const *list, int n, const char *v)
{
    for (int i = 0; i < n; i++)
        if (loose_eq(list[i], v))
            return true;
    return false;
}

static bool has_pattern(const zone_def_t *z)
{
    return z->postal_pattern != NULL && z->postal_pattern[0] != '\0';
}

int zone_specificity(const zone_def_t *z)
{
    return (has_pattern(z) ? 4 : 0) + (z->district_count > 0 ? 2 : 0) + (z->city_count > 0 ? 1 : 0);
}

static bool postal_matches(const char *pattern, const char *code)
{
    if (code == NULL)
        return false;
    /* The code without surrounding blanks: "44600 " is still 44600. */
    while (is_blank(*code))
        code++;
    size_t n = strlen(code);
    while (n > 0 && is_blank(code[n - 1]))
        n--;
    char *trimmed = strndup(code, n);
    regex_t re;
    bool ok = false;
    if (trimmed != NULL && n > 0 && compile(pattern, &re) == 0) {
        ok = regexec(&re, trimmed, 0, NULL, 0) == 0;
        regfree(&re);
    }
    free(trimmed);
    return ok;
}

bool zone_matches(const zone_def_t *z, const ship_address_t *a)
{
    if (!loose_eq(z->country, a->country))
        return false;
    if (z->city_count > 0 && !in_list(z->cities, z->city_count, a->city))
        return false;
    if (z->district_count > 0 && !in_list(z->districts, z->district_count, a->district))
        return false;
    return !has_pattern(z) || postal_matches(z->postal_pattern, a->postal_code);
}

int zone_best(const zone_def_t *zones, int n, const ship_address_t *a, const char *currency)
{
    int best = -1, best_score = -1;
    for (int i = 0; i < n; i++) {
        const zone_def_t *z = &zones[i];
        if (currency != NULL && (z->currency == NULL || strcmp(z->currency, currency) != 0))
            continue;
        if (!zone_matches(z, a))
            continue;
        int score = zone_specificity(z);
        if (score > best_score || (score == best_score && z->fee < zones[best].fee)) {
            best = i;
            best_score = score;
        }
    }
    return best;
}

/* An optional array of 1..ZONE_LIST_MAX non-empty place names; NULL when absent or null. */
static const cJSON *place_list(json_check_t *chk, const cJSON *body, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    if (v == NULL || cJSON_IsNull(v))
        return NULL;
    int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : -1;
    if (n < 0 || n > ZONE_LIST_MAX) {
        json_check_fail(chk, name, "must be an array of at most 200 names");
        return NULL;
    }
    const cJSON *s;
    cJSON_ArrayForEach(s, v)
    {
        size_t len = cJSON_IsString(s) ? strlen(s->valuestring) : 0;
        if (len == 0 || len > ZONE_PLACE_MAX) {
            json_check_fail(chk, name, "every name must be a string of 1 to 100 bytes");
            return NULL;
        }
    }
    return n > 0 ? v : NULL;
}

static bool country_code(const char *s)
{
    return s != NULL && strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

int zone_input_parse(json_check_t *chk, const cJSON *body, zone_input_t *out)
{
    memset(out, 0, sizeof *out);
    out->name = json_req_string(chk, body, "name", 1, ZONE_NAME_MAX);
    out->country = json_req_string(chk, body, "country", 2, 2);
    if (out->country != NULL && !country_code(out->country))
        json_check_fail(chk, "country", "must be an ISO 3166-1 alpha-2 code in capitals");
    out->cities = place_list(chk, body, "cities");
    out->districts = place_list(chk, body, "districts");
    out->postal_code_pattern =
        json_opt_string(chk, body, "postal_code_pattern", 1, ZONE_PATTERN_MAX);
    if (out->postal_code_pattern != NULL && !zone_pattern_valid(out->postal_code_pattern))
        json_check_fail(chk, "postal_code_pattern",
                        "is not a valid POSIX extended regular expression");
    json_req_int(chk, body, "fee", 0, MONEY_MAX_MINOR, &out->fee);
    out->currency = json_req_string(chk, body, "currency", 3, 3);
    if (out->currency != NULL && !money_currency_valid(out->currency))
        json_check_fail(chk, "currency", "must be an ISO 4217 code the store accepts");
    out->active = true;
    const cJSON *active = cJSON_GetObjectItemCaseSensitive(body, "active");
    if (active != NULL && !cJSON_IsNull(active)) {
        if (cJSON_IsBool(active))
            out->active = cJSON_IsTrue(active);
        else
            json_check_fail(chk, "active", "must be true or false");
    }
    return json_check_ok(chk) ? 0 : ERR_INVALID;
}
