/* events.c - the CloudEvents 1.0 envelope (structured JSON mode) of every event the
 * services publish, and its validation on the consuming side. */
#include "common/events.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/errors.h"
#include "common/ids.h"

/* Written once by events_init() before any thread publishes; read-only afterwards. */
static char g_source[96] = "/services/unknown";

void events_init(const char *service)
{
    if (service && *service)
        snprintf(g_source, sizeof g_source, "/services/%s", service);
}

/* RFC 3339, UTC, millisecond precision: 2024-05-01T12:34:56.789Z. */
static void now_rfc3339(char out[32])
{
    struct timespec ts;
    struct tm tm;
    size_t n;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

cJSON *event_envelope(const char *type, const char *subject, const char *dataschema,
                      int64_t sequence, cJSON *data, const event_ctx_t *ctx)
{
    char id[ID_UUID_LEN], correlation[ID_UUID_LEN], traceparent[56], when[32];
    const char *corr = ctx ? ctx->correlation_id : NULL;
    const char *trace = ctx ? ctx->traceparent : NULL;
    const char *cause = ctx ? ctx->causation_id : NULL;
    cJSON *ev = NULL;

    if (!type || !*type || !subject) {
        cJSON_Delete(data);
        return NULL;
    }
    if (!data)
        data = cJSON_CreateObject();
    ev = cJSON_CreateObject();
    if (!ev || !data)
        goto fail;

    id_uuid(id);
    now_rfc3339(when);
    /* An event that starts a flow is its own correlation root. */
    if (!corr) {
        id_uuid(correlation);
        corr = correlation;
    }
    if (!trace) {
        id_traceparent(traceparent);
        trace = traceparent;
    }
    if (!cJSON_AddStringToObject(ev, "specversion", "1.0") ||
        !cJSON_AddStringToObject(ev, "id", id) ||
        !cJSON_AddStringToObject(ev, "source", g_source) ||
        !cJSON_AddStringToObject(ev, "type", type) ||
        !cJSON_AddStringToObject(ev, "subject", subject) ||
        !cJSON_AddStringToObject(ev, "time", when) ||
        !cJSON_AddStringToObject(ev, "datacontenttype", "application/json"))
        goto fail;
    if (dataschema && !cJSON_AddStringToObject(ev, "dataschema", dataschema))
        goto fail;
    if (!cJSON_AddStringToObject(ev, "traceparent", trace) ||
        !cJSON_AddStringToObject(ev, "correlationid", corr))
        goto fail;
    if (cause && !cJSON_AddStringToObject(ev, "causationid", cause))
        goto fail;
    /* A JSON number is exact up to 2^53, far beyond any aggregate's version. */
    if (!cJSON_AddNumberToObject(ev, "sequence", (double)sequence))
        goto fail;
    if (!cJSON_AddItemToObject(ev, "data", data))
        goto fail; /* data was not attached: still ours to free */
    return ev;
fail:
    cJSON_Delete(ev);
    cJSON_Delete(data);
    return NULL;
}

static bool is_nonempty_string(const cJSON *v)
{
    return cJSON_IsString(v) && v->valuestring && v->valuestring[0] != '\0';
}

/* sequence may be a non-negative integer or a string of digits (as CloudEvents'
 * sequence extension is commonly written). */
static bool valid_sequence(const cJSON *v)
{
    if (cJSON_IsNumber(v))
        return v->valuedouble >= 0 && v->valuedouble <= 9007199254740992.0 &&
               (double)(int64_t)v->valuedouble == v->valuedouble;
    if (is_nonempty_string(v)) {
        for (const char *p = v->valuestring; *p; p++)
            if (*p < '0' || *p > '9')
                return false;
        return true;
    }
    return false;
}

int event_validate(const cJSON *event)
{
    static const char *const required[] = {"specversion", "id",      "source",
                                           "type",        "subject", "time"};
    static const char *const optional[] = {"datacontenttype", "dataschema", "traceparent",
                                           "correlationid", "causationid"};
    const cJSON *v;

    if (!cJSON_IsObject(event))
        return ERR_INVALID;
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!is_nonempty_string(cJSON_GetObjectItemCaseSensitive(event, required[i])))
            return ERR_INVALID;
    for (size_t i = 0; i < sizeof optional / sizeof optional[0]; i++) {
        v = cJSON_GetObjectItemCaseSensitive(event, optional[i]);
        if (v && !cJSON_IsString(v))
            return ERR_INVALID;
    }
    if (strcmp(cJSON_GetObjectItemCaseSensitive(event, "specversion")->valuestring, "1.0") != 0)
        return ERR_INVALID;
    /* processed_events keys on the id as a uuid. */
    if (!id_is_uuid(cJSON_GetObjectItemCaseSensitive(event, "id")->valuestring))
        return ERR_INVALID;
    v = cJSON_GetObjectItemCaseSensitive(event, "sequence");
    if (v && !valid_sequence(v))
        return ERR_INVALID;
    if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(event, "data")))
        return ERR_INVALID;
    return 0;
}
