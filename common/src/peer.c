/* peer.c - calls to another service's /internal routes over common/httpclient.
 *
 * The replica list is parsed once; a call starts at the next replica in round-robin
 * order and moves on to the following one when a replica cannot be reached or answers
 * 5xx, trying each replica at most once. A 4xx is the peer's answer about the request
 * and is returned as it is.
 */
#include "common/peer.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auth.h"
#include "common/config.h"
#include "common/errors.h"
#include "common/httpclient.h"
#include "common/log.h"

#define PEER_MAX_REPLICAS 16
#define PEER_MAX_RESPONSE (4 * 1024 * 1024)
#define PEER_URL_MAX      2048

struct peer {
    char name[64];
    int count;
    char *urls[PEER_MAX_REPLICAS]; /* base URLs without a trailing slash */
    atomic_uint next;
};

static int add_url(peer_t *p, const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '/'))
        n--;
    if (n == 0)
        return 0;
    if ((strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0) ||
        n >= PEER_URL_MAX / 2) {
        log_error("%s: \"%.*s\" is not an http:// or https:// URL", p->name, (int)n, s);
        return ERR_INVALID;
    }
    if (p->count == PEER_MAX_REPLICAS) {
        log_error("%s: more than %d replicas", p->name, PEER_MAX_REPLICAS);
        return ERR_INVALID;
    }
    p->urls[p->count] = strndup(s, n);
    if (p->urls[p->count] == NULL)
        return ERR_INTERNAL;
    p->count++;
    return 0;
}

int peer_from_env(const char *name, peer_t **out)
{
    char var[64];
    *out = NULL;
    peer_t *p = calloc(1, sizeof *p);
    if (p == NULL)
        return ERR_INTERNAL;
    atomic_init(&p->next, 0);
    snprintf(var, sizeof var, "%s_URLS", name);
    const char *list = config_str(var, NULL);
    if (list == NULL) {
        snprintf(var, sizeof var, "%s_URL", name);
        list = config_str(var, NULL);
    }
    snprintf(p->name, sizeof p->name, "%s", list != NULL ? var : name);
    for (const char *s = list; s != NULL && *s != '\0';) {
        size_t n = strcspn(s, ",");
        int rc = add_url(p, s, n);
        if (rc != 0) {
            peer_free(p);
            return rc;
        }
        s += n;
        if (*s == ',')
            s++;
    }
    if (p->count == 0)
        log_warn("%s_URLS is not set: calls to %s will answer 503", name, name);
    *out = p;
    return 0;
}

bool peer_configured(const peer_t *peer)
{
    return peer != NULL && peer->count > 0;
}

int peer_call(peer_t *peer, const char *method, const char *path, const cJSON *body,
              long timeout_ms, long *status, cJSON **out)
{
    int rc = ERR_UNAVAILABLE;
    char *text = NULL;
    char token_header[512], rid_header[128], url[PEER_URL_MAX];
    *out = NULL;
    *status = 0;
    if (!peer_configured(peer))
        return ERR_UNAVAILABLE;
    if (body != NULL && (text = cJSON_PrintUnformatted(body)) == NULL)
        return ERR_INTERNAL;

    const char *token = auth_service_token();
    const char *rid = log_request_id();
    snprintf(token_header, sizeof token_header, "X-Service-Token: %s", token ? token : "");
    snprintf(rid_header, sizeof rid_header, "X-Request-Id: %s", rid ? rid : "");
    const char *headers[] = {"Content-Type: application/json", "Accept: application/json",
                             token_header, rid ? rid_header : NULL, NULL};

    unsigned first = atomic_fetch_add(&peer->next, 1);
    for (int i = 0; i < peer->count; i++) {
        const char *base = peer->urls[(first + (unsigned)i) % (unsigned)peer->count];
        if (snprintf(url, sizeof url, "%s%s", base, path) >= (int)sizeof url) {
            rc = ERR_INVALID;
            break;
        }
        hc_response_t resp;
        int hrc = hc_request(method, url, headers, text, text ? strlen(text) : 0, timeout_ms,
                             PEER_MAX_RESPONSE, &resp);
        if (hrc != 0) {
            rc = hrc == ERR_TOO_LARGE ? ERR_INTERNAL : ERR_UNAVAILABLE;
            if (hrc == ERR_TOO_LARGE)
                break;
            continue;
        }
        if (resp.status >= 500) {
            log_warn("%s: %s %s answered %ld", peer->name, method, path, resp.status);
            hc_response_free(&resp);
            rc = ERR_UNAVAILABLE;
            continue;
        }
        *status = resp.status;
        *out = resp.len > 0 ? cJSON_ParseWithLength(resp.body, resp.len) : NULL;
        hc_response_free(&resp);
        rc = 0;
        break;
    }
    cJSON_free(text);
    return rc;
}

void peer_free(peer_t *peer)
{
    if (peer == NULL)
        return;
    for (int i = 0; i < peer->count; i++)
        free(peer->urls[i]);
    free(peer);
}
