/* sms.c - the SMS interface and its HTTP provider (see sms.h). */
#include "sms.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/httpclient.h"

#define SMS_RESPONSE_MAX (64 * 1024)

typedef struct sms_http {
    sms_provider_t base; /* first, so the provider pointer is the struct's */
    char *url;           /* base + "/v1/messages" */
    char *auth_header;   /* "Authorization: Bearer ..." or NULL */
    char *from;
    long timeout_ms;
} sms_http_t;

char *sms_http_body(const char *to, const char *from, const char *text, const char *reference)
{
    cJSON *o = cJSON_CreateObject();
    char *out = NULL;
    if (o != NULL && cJSON_AddStringToObject(o, "to", to) != NULL &&
        cJSON_AddStringToObject(o, "from", from != NULL ? from : "") != NULL &&
        cJSON_AddStringToObject(o, "text", text) != NULL &&
        cJSON_AddStringToObject(o, "reference", reference) != NULL)
        out = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return out;
}

int sms_http_outcome(long status, const char *body, sms_result_t *res)
{
    if (status >= 200 && status < 300) {
        cJSON *j = body != NULL ? cJSON_Parse(body) : NULL;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
        snprintf(res->provider_id, sizeof res->provider_id, "%s",
                 cJSON_IsString(id) ? id->valuestring : "");
        cJSON_Delete(j);
        return 0;
    }
    res->permanent = status >= 400 && status < 500 && status != 408 && status != 429;
    snprintf(res->error, sizeof res->error, "sms provider answered %ld", status);
    return ERR_UNAVAILABLE;
}

static int http_send(sms_provider_t *p, const char *to, const char *text, const char *key,
                     sms_result_t *res)
{
    sms_http_t *h = (sms_http_t *)p;
    char idem[160];
    hc_response_t resp = {0};
    memset(res, 0, sizeof *res);
    char *body = sms_http_body(to, h->from, text, key);
    if (body == NULL) {
        snprintf(res->error, sizeof res->error, "out of memory");
        return ERR_INTERNAL;
    }
    snprintf(idem, sizeof idem, "Idempotency-Key: %s", key);
    const char *headers[] = {"Content-Type: application/json", idem, h->auth_header, NULL};
    int rc = hc_request("POST", h->url, headers, body, strlen(body), h->timeout_ms,
                        SMS_RESPONSE_MAX, &resp);
    free(body);
    if (rc != 0) {
        snprintf(res->error, sizeof res->error, "sms provider unreachable");
        hc_response_free(&resp);
        return ERR_UNAVAILABLE;
    }
    rc = sms_http_outcome(resp.status, resp.body, res);
    hc_response_free(&resp);
    return rc;
}

static void http_destroy(sms_provider_t *p)
{
    sms_http_t *h = (sms_http_t *)p;
    free(h->url);
    free(h->auth_header);
    free(h->from);
    free(h);
}

int sms_http_new(const char *base_url, const char *api_key, const char *from, long timeout_ms,
                 sms_provider_t **out)
{
    *out = NULL;
    if (base_url == NULL ||
        (strncmp(base_url, "http://", 7) != 0 && strncmp(base_url, "https://", 8) != 0))
        return ERR_INVALID;
    sms_http_t *h = calloc(1, sizeof *h);
    if (h == NULL)
        return ERR_INTERNAL;
    size_t n = strlen(base_url);
    while (n > 0 && base_url[n - 1] == '/')
        n--;
    h->url = malloc(n + sizeof "/v1/messages");
    h->from = strdup(from != NULL ? from : "Store");
    if (api_key != NULL && api_key[0] != '\0') {
        size_t an = strlen(api_key) + sizeof "Authorization: Bearer ";
        h->auth_header = malloc(an);
        if (h->auth_header != NULL)
            snprintf(h->auth_header, an, "Authorization: Bearer %s", api_key);
    }
    if (h->url == NULL || h->from == NULL || (api_key != NULL && api_key[0] && !h->auth_header)) {
        http_destroy(&h->base);
        return ERR_INTERNAL;
    }
    memcpy(h->url, base_url, n);
    memcpy(h->url + n, "/v1/messages", sizeof "/v1/messages");
    h->timeout_ms = timeout_ms;
    h->base.name = "http";
    h->base.send = http_send;
    h->base.destroy = http_destroy;
    *out = &h->base;
    return 0;
}

int sms_send(sms_provider_t *p, const char *to, const char *text, const char *key,
             sms_result_t *res)
{
    return p->send(p, to, text, key, res);
}

void sms_free(sms_provider_t *p)
{
    if (p != NULL)
        p->destroy(p);
}
