/* cors.c - which browser origins may call the API, and the headers that say so.
 *
 * Origins are compared exactly, ignoring case (scheme and host are case-insensitive)
 * and a trailing slash in the configuration. With "*" the answer is a literal "*":
 * the API authenticates with bearer tokens, never cookies, so credentials mode is
 * not needed and "*" is what caches best.
 */
#include "cors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Request headers a browser client may send; the gateway forwards these. */
#define CORS_ALLOW_HEADERS                                                                         \
    "Authorization, Content-Type, Accept, Idempotency-Key, X-Request-Id, traceparent, "            \
    "If-None-Match"
/* Response headers a browser client may read besides the safelisted ones. */
#define CORS_EXPOSE_HEADERS "X-Request-Id, Retry-After, Location, ETag"

struct cors {
    bool enabled;
    bool any;
    size_t count;
    char **origins;
};

cors_t *cors_new(const char *origins)
{
    cors_t *cors = calloc(1, sizeof *cors);
    char *copy = NULL;
    if (cors == NULL)
        return NULL;
    if (origins == NULL || origins[0] == '\0')
        return cors;
    cors->enabled = true;
    copy = strdup(origins);
    if (copy == NULL)
        goto fail;
    size_t max = 1;
    for (const char *p = copy; *p != '\0'; p++)
        max += *p == ',';
    cors->origins = calloc(max, sizeof *cors->origins);
    if (cors->origins == NULL)
        goto fail;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ' || *tok == '\t')
            tok++;
        size_t n = strlen(tok);
        while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t' || tok[n - 1] == '/'))
            tok[--n] = '\0';
        if (n == 0)
            continue;
        if (strcmp(tok, "*") == 0) {
            cors->any = true;
            continue;
        }
        cors->origins[cors->count] = strdup(tok);
        if (cors->origins[cors->count] == NULL)
            goto fail;
        cors->count++;
    }
    free(copy);
    return cors;
fail:
    free(copy);
    cors_free(cors);
    return NULL;
}

void cors_free(cors_t *cors)
{
    if (cors == NULL)
        return;
    for (size_t i = 0; i < cors->count; i++)
        free(cors->origins[i]);
    free(cors->origins);
    free(cors);
}

bool cors_enabled(const cors_t *cors)
{
    return cors != NULL && cors->enabled;
}

/* An origin we may echo back in a header: no control characters, no spaces. */
static bool origin_well_formed(const char *origin)
{
    if (origin == NULL || origin[0] == '\0' || strlen(origin) > 512)
        return false;
    for (const unsigned char *p = (const unsigned char *)origin; *p != '\0'; p++)
        if (*p <= ' ' || *p >= 0x7f)
            return false;
    return true;
}

bool cors_origin_allowed(const cors_t *cors, const char *origin)
{
    if (!cors_enabled(cors) || !origin_well_formed(origin))
        return false;
    if (cors->any)
        return true;
    for (size_t i = 0; i < cors->count; i++)
        if (strcasecmp(cors->origins[i], origin) == 0)
            return true;
    return false;
}

/* snprintf at buf+*at, tracking truncation. */
static int put(char *buf, size_t len, size_t *at, const char *fmt, const char *arg)
{
    int n = snprintf(buf + *at, len - *at, fmt, arg);
    if (n < 0 || (size_t)n >= len - *at)
        return -1;
    *at += (size_t)n;
    return 0;
}

static int base_headers(const cors_t *cors, const char *origin, char *buf, size_t len, size_t *at,
                        bool *allowed)
{
    *allowed = false;
    if (len == 0)
        return -1;
    buf[0] = '\0';
    if (!cors_enabled(cors))
        return 0;
    /* Vary even when the origin is refused: a shared cache must not hand one origin's
     * answer to another. */
    if (put(buf, len, at, "Vary: Origin\r\n", NULL) != 0)
        return -1;
    if (!cors_origin_allowed(cors, origin))
        return 0;
    *allowed = true;
    if (put(buf, len, at, "Access-Control-Allow-Origin: %s\r\n", cors->any ? "*" : origin) != 0)
        return -1;
    return 0;
}

int cors_headers(const cors_t *cors, const char *origin, char *buf, size_t len)
{
    size_t at = 0;
    bool allowed;
    if (base_headers(cors, origin, buf, len, &at, &allowed) != 0)
        return -1;
    if (allowed &&
        put(buf, len, &at, "Access-Control-Expose-Headers: %s\r\n", CORS_EXPOSE_HEADERS) != 0)
        return -1;
    return 0;
}

int cors_preflight_headers(const cors_t *cors, const char *origin, const char *methods, char *buf,
                           size_t len)
{
    size_t at = 0;
    bool allowed;
    if (base_headers(cors, origin, buf, len, &at, &allowed) != 0)
        return -1;
    if (!allowed)
        return 0;
    char allow[256];
    snprintf(allow, sizeof allow, "%s%sOPTIONS", methods != NULL ? methods : "",
             methods != NULL && methods[0] != '\0' ? ", " : "");
    if (put(buf, len, &at, "Access-Control-Allow-Methods: %s\r\n", allow) != 0 ||
        put(buf, len, &at, "Access-Control-Allow-Headers: %s\r\n", CORS_ALLOW_HEADERS) != 0)
        return -1;
    char age[32];
    snprintf(age, sizeof age, "%d", CORS_MAX_AGE);
    if (put(buf, len, &at, "Access-Control-Max-Age: %s\r\n", age) != 0)
        return -1;
    return 0;
}
