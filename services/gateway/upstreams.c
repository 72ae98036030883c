/* upstreams.c - replica lists per service and round-robin selection.
 *
 * The lists are written once at start and only read afterwards, so readers need no
 * lock; the round-robin counter is the only shared mutable state and is atomic. */
#include "upstreams.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/errors.h"
#include "common/log.h"

typedef struct upstream {
    char **urls;
    size_t count;
    atomic_size_t next;
} upstream_t;

static upstream_t upstreams[GW_SERVICE_COUNT];

static void clear(upstream_t *u)
{
    for (size_t i = 0; i < u->count; i++)
        free(u->urls[i]);
    free(u->urls);
    u->urls = NULL;
    u->count = 0;
}

int upstreams_set(enum gw_service service, const char *urls)
{
    upstream_t *u = &upstreams[service];
    char *copy = NULL;
    int rc = ERR_INVALID;
    clear(u);
    if (urls == NULL || urls[0] == '\0')
        return 0;
    copy = strdup(urls);
    size_t max = 1;
    for (const char *p = urls; *p != '\0'; p++)
        max += *p == ',';
    u->urls = calloc(max, sizeof *u->urls);
    if (copy == NULL || u->urls == NULL) {
        rc = ERR_INTERNAL;
        goto out;
    }
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*tok))
            tok++;
        size_t n = strlen(tok);
        while (n > 0 && (isspace((unsigned char)tok[n - 1]) || tok[n - 1] == '/'))
            tok[--n] = '\0';
        if (n == 0)
            continue;
        if (strncmp(tok, "http://", 7) != 0 && strncmp(tok, "https://", 8) != 0) {
            /* The URL goes to the log only: it is configuration, not a client's business. */
            log_error("%s_URLS: \"%s\" is not an http:// or https:// URL", gw_service_name(service),
                      tok);
            goto out;
        }
        u->urls[u->count] = strdup(tok);
        if (u->urls[u->count] == NULL) {
            rc = ERR_INTERNAL;
            goto out;
        }
        u->count++;
    }
    rc = 0;
out:
    free(copy);
    if (rc != 0)
        clear(u);
    return rc;
}

int upstreams_init(void)
{
    for (int s = 0; s < GW_SERVICE_COUNT; s++) {
        char var[64];
        const char *name = gw_service_name((enum gw_service)s);
        size_t i = 0;
        for (; name[i] != '\0' && i + 6 < sizeof var; i++)
            var[i] = (char)toupper((unsigned char)name[i]);
        snprintf(var + i, sizeof var - i, "_URLS");
        int rc = upstreams_set((enum gw_service)s, config_str(var, NULL));
        if (rc != 0)
            return rc;
        if (upstreams[s].count > 0)
            log_info("%s: %zu replica(s)", name, upstreams[s].count);
        else
            log_info("%s: no replicas configured (%s unset); its routes answer 503", name, var);
    }
    return 0;
}

void upstreams_free(void)
{
    for (int s = 0; s < GW_SERVICE_COUNT; s++)
        clear(&upstreams[s]);
}

size_t upstreams_count(enum gw_service service)
{
    return upstreams[service].count;
}

size_t upstreams_next(enum gw_service service)
{
    return atomic_fetch_add_explicit(&upstreams[service].next, 1, memory_order_relaxed);
}

const char *upstreams_url(enum gw_service service, size_t i)
{
    const upstream_t *u = &upstreams[service];
    return u->count == 0 ? NULL : u->urls[i % u->count];
}
