/* routes.c - what the gateway does with each request, in order: find the route
 * (404/405), answer CORS preflights, refuse oversized bodies by Content-Length
 * (413), check the token and role (401/403), take a rate-limit token (429), pick
 * a replica (503 when the service has none) and forward; then relay the answer
 * (504 on timeout, 503 when no replica could be reached).
 *
 * The cheap checks come first so that a refused request costs little: the body
 * is read only once the caller has passed every check. Every answer the gateway
 * makes itself uses the error envelope and carries the CORS headers, so browser
 * clients can read errors too. Nothing in an answer names an upstream host.
 */
#include "routes.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/auth.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"
#include "forward.h"
#include "proxy.h"
#include "route_table.h"
#include "upstreams.h"

/* Seconds a client should wait when a service is missing or down. */
#define RETRY_AFTER_UNAVAILABLE 5

/* Headers forwarded from the client, plus the gateway's own. */
#define MAX_FORWARDED 32

static gw_config_t cfg;

void gw_routes_init(const gw_config_t *config)
{
    cfg = *config;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Replies with the error envelope, the CORS headers (cors, may be "") and, when
 * retry_after > 0, Retry-After. extra is more header lines or NULL. */
static void reply_error(http_req_t *req, int status, const char *code, const char *message,
                        const char *cors, int retry_after, const char *extra)
{
    char headers[2048];
    char *text = NULL;
    cJSON *doc = cJSON_CreateObject();
    cJSON *error = cJSON_AddObjectToObject(doc, "error");
    if (doc == NULL || error == NULL || cJSON_AddStringToObject(error, "code", code) == NULL ||
        cJSON_AddStringToObject(error, "message", message) == NULL ||
        cJSON_AddObjectToObject(error, "details") == NULL ||
        cJSON_AddStringToObject(doc, "request_id", http_request_id(req)) == NULL)
        goto fallback;
    text = cJSON_PrintUnformatted(doc);
    if (text == NULL)
        goto fallback;
    int n = snprintf(headers, sizeof headers, "%s%s", cors != NULL ? cors : "",
                     extra != NULL ? extra : "");
    if (n >= 0 && retry_after > 0 && (size_t)n < sizeof headers)
        snprintf(headers + n, sizeof headers - (size_t)n, "Retry-After: %d\r\n", retry_after);
    http_reply_raw(req, status, "application/json", headers, text, strlen(text));
    goto out;
fallback:
    /* Out of memory: the common envelope, without the CORS headers. */
    http_reply_error(req, status, code, message, NULL);
out:
    cJSON_Delete(doc);
    free(text);
}

/* The answer to an OPTIONS request: the gateway's own, never forwarded. */
static void preflight(http_req_t *req, const char *path, const char *origin)
{
    char methods[128], headers[1024], allow[256];
    if (gw_route_methods(path, methods, sizeof methods) == 0) {
        char cors[512] = "";
        cors_headers(cfg.cors, origin, cors, sizeof cors);
        reply_error(req, 404, "NOT_FOUND", "no such route", cors, 0, NULL);
        return;
    }
    if (cors_preflight_headers(cfg.cors, origin, methods, headers, sizeof headers) != 0)
        headers[0] = '\0';
    snprintf(allow, sizeof allow, "Allow: %s, OPTIONS\r\n", methods);
    strncat(headers, allow, sizeof headers - strlen(headers) - 1);
    http_reply_raw(req, 204, NULL, headers, NULL, 0);
}

typedef struct forwarded {
    char *lines[MAX_FORWARDED + 1]; /* NULL-terminated */
    int count;
    bool content_type;
    bool failed;
} forwarded_t;

static void forwarded_add(forwarded_t *f, const char *name, const char *value)
{
    if (f->count >= MAX_FORWARDED) {
        f->failed = true;
        return;
    }
    size_t n = strlen(name) + strlen(value) + 3;
    char *line = malloc(n);
    if (line == NULL) {
        f->failed = true;
        return;
    }
    snprintf(line, n, "%s: %s", name, value);
    f->lines[f->count++] = line;
    f->lines[f->count] = NULL;
}

static void collect_header(const char *name, const char *value, void *arg)
{
    forwarded_t *f = arg;
    if (!fwd_request_header(name) || !fwd_header_value_safe(value))
        return;
    if (strcasecmp(name, "Content-Type") == 0)
        f->content_type = true;
    forwarded_add(f, name, value);
}

static void forwarded_free(forwarded_t *f)
{
    for (int i = 0; i < f->count; i++)
        free(f->lines[i]);
    f->count = 0;
}

/* The headers sent upstream: the allowed client headers, then the gateway's own. */
static int build_headers(http_req_t *req, forwarded_t *f)
{
    char traceparent[56];
    const char *tp = http_header(req, "traceparent");
    if (id_is_traceparent(tp))
        snprintf(traceparent, sizeof traceparent, "%s", tp);
    else
        id_traceparent(traceparent);

    memset(f, 0, sizeof *f);
    http_each_header(req, collect_header, f);
    forwarded_add(f, "X-Request-Id", http_request_id(req));
    forwarded_add(f, "traceparent", traceparent);
    /* The gateway is the edge: what a client claims in X-Forwarded-For is not kept. */
    forwarded_add(f, "X-Forwarded-For", http_remote_addr(req));
    /* The service credential vouches for X-Forwarded-For, so identity can rate-limit
     * logins per real client rather than per gateway. Clients' own copies are dropped. */
    if (auth_service_token() != NULL)
        forwarded_add(f, "X-Service-Token", auth_service_token());
    /* libcurl would otherwise add Expect: 100-continue (a round trip) to large bodies and
     * invent a form Content-Type for bodies sent without one. An empty value removes them. */
    if (f->count + 2 <= MAX_FORWARDED) {
        f->lines[f->count++] = strdup("Expect:");
        f->lines[f->count] = NULL;
        if (!f->content_type) {
            f->lines[f->count++] = strdup("Content-Type:");
            f->lines[f->count] = NULL;
        }
    } else {
        f->failed = true;
    }
    for (int i = 0; i < f->count; i++)
        if (f->lines[i] == NULL)
            f->failed = true;
    return f->failed ? ERR_INTERNAL : 0;
}

static size_t body_limit(const gw_route_t *route)
{
    return route->upload ? cfg.max_upload : cfg.max_body;
}

static bool content_length_too_large(http_req_t *req, size_t limit)
{
    const char *cl = http_header(req, "Content-Length");
    if (cl == NULL)
        return false;
    char *end = NULL;
    unsigned long long n = strtoull(cl, &end, 10);
    return end != cl && n > limit;
}

static bool reads_body(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
           strcmp(method, "PATCH") == 0 || strcmp(method, "DELETE") == 0;
}

/* Sends the request to a replica of route's service and relays the answer. */
static void forward(http_req_t *req, const gw_route_t *route, const char *cors)
{
    const char *service = gw_service_name(route->service);
    char message[128];
    forwarded_t headers;
    proxy_response_t resp = {0};
    const char *body = NULL;
    size_t body_len = 0;
    char *relay = NULL;

    if (reads_body(http_method(req))) {
        int rc = http_body(req, &body, &body_len);
        if (rc == ERR_TOO_LARGE || (rc == 0 && body_len > body_limit(route))) {
            reply_error(req, 413, "PAYLOAD_TOO_LARGE", "the request body is too large", cors, 0,
                        NULL);
            goto out;
        }
        if (rc != 0) {
            reply_error(req, 400, "BAD_REQUEST", "the request body could not be read", cors, 0,
                        NULL);
            goto out;
        }
    }
    if (build_headers(req, &headers) != 0) {
        reply_error(req, 500, "INTERNAL", "internal error", cors, 0, NULL);
        goto out;
    }

    proxy_request_t preq = {
        .method = http_method(req),
        .path = http_path(req),
        .query = http_query_string(req),
        .headers = (const char *const *)headers.lines,
        .body = body,
        .body_len = body_len,
        .timeout_ms = cfg.timeout_ms,
        .max_response = cfg.max_response,
    };
    /* Round-robin; when the chosen replica refuses the connection nothing was sent,
     * so the next replica gets one try, whatever the method. */
    size_t count = upstreams_count(route->service);
    size_t first = upstreams_next(route->service);
    int rc = ERR_UNAVAILABLE;
    for (size_t attempt = 0; attempt < 2 && attempt < count; attempt++) {
        preq.base_url = upstreams_url(route->service, first + attempt);
        proxy_response_free(&resp);
        rc = proxy_send(&preq, &resp);
        if (rc == 0 || rc == ERR_INTERNAL || resp.failure != PROXY_REFUSED)
            break;
    }
    forwarded_free(&headers);

    if (rc == ERR_INTERNAL) {
        reply_error(req, 500, "INTERNAL", "internal error", cors, 0, NULL);
        goto out;
    }
    if (rc != 0) {
        switch (resp.failure) {
        case PROXY_TIMEOUT:
            snprintf(message, sizeof message, "the %s service did not answer in time", service);
            reply_error(req, 504, "GATEWAY_TIMEOUT", message, cors, 0, NULL);
            break;
        case PROXY_REFUSED:
            snprintf(message, sizeof message, "the %s service is not available", service);
            reply_error(req, 503, "SERVICE_UNAVAILABLE", message, cors, RETRY_AFTER_UNAVAILABLE,
                        NULL);
            break;
        default:
            snprintf(message, sizeof message, "the %s service gave no valid answer", service);
            reply_error(req, 502, "BAD_GATEWAY", message, cors, 0, NULL);
            break;
        }
        goto out;
    }

    size_t n = strlen(resp.headers) + strlen(cors) + 1;
    relay = malloc(n);
    if (relay == NULL) {
        reply_error(req, 500, "INTERNAL", "internal error", cors, 0, NULL);
        goto out;
    }
    snprintf(relay, n, "%s%s", resp.headers, cors);
    http_reply_raw(req, (int)resp.status, resp.content_type, relay, resp.body, resp.len);
out:
    free(relay);
    proxy_response_free(&resp);
}

void gw_handle(http_req_t *req)
{
    const char *method = http_method(req);
    const char *path = http_path(req);
    const char *origin = http_header(req, "Origin");
    char cors[512] = "", message[256];
    gw_match_t match;

    if (strcmp(method, "OPTIONS") == 0) {
        http_set_route_label(req, "preflight");
        preflight(req, path, origin);
        return;
    }
    if (cors_headers(cfg.cors, origin, cors, sizeof cors) != 0)
        cors[0] = '\0';

    switch (gw_route_lookup(method, path, &match)) {
    case GW_FOUND:
        break;
    case GW_METHOD_NOT_ALLOWED: {
        char methods[128], allow[192];
        gw_route_methods(path, methods, sizeof methods);
        snprintf(allow, sizeof allow, "Allow: %s, OPTIONS\r\n", methods);
        snprintf(message, sizeof message, "%.16s is not allowed here (allowed: %s)", method,
                 methods);
        reply_error(req, 405, "METHOD_NOT_ALLOWED", message, cors, 0, allow);
        return;
    }
    default:
        reply_error(req, 404, "NOT_FOUND", "no such route", cors, 0, NULL);
        return;
    }
    const gw_route_t *route = match.route;
    /* Metrics and the access log name the route pattern, not the raw path, so that
     * ids in paths do not explode the number of series. */
    http_set_route_label(req, route->pattern);

    if (content_length_too_large(req, body_limit(route))) {
        reply_error(req, 413, "PAYLOAD_TOO_LARGE", "the request body is too large", cors, 0, NULL);
        return;
    }

    auth_principal_t who = {0};
    bool authenticated = false;
    if (!gw_route_is_public(route)) {
        if (auth_verify_bearer(http_header(req, "Authorization"), &who) != 0) {
            reply_error(req, 401, "UNAUTHORIZED", "a valid bearer token is required", cors, 0,
                        "WWW-Authenticate: Bearer\r\n");
            return;
        }
        if (!gw_route_any_role(route) && !auth_role_allowed(who.role, route->roles)) {
            reply_error(req, 403, "FORBIDDEN", "this route is not open to your role", cors, 0,
                        NULL);
            return;
        }
        authenticated = true;
    }

    /* Authenticated callers are limited per user, so many users behind one address
     * (an office, a mobile carrier's NAT) do not share one bucket. */
    char key[RL_KEY_MAX + 1];
    if (authenticated)
        snprintf(key, sizeof key, "u:%s", who.user_id);
    else
        snprintf(key, sizeof key, "ip:%s", http_remote_addr(req));
    int retry_after = 0;
    if (!rl_allow(cfg.limiter, key, now_seconds(), &retry_after)) {
        reply_error(req, 429, "RATE_LIMITED", "too many requests; slow down", cors, retry_after,
                    NULL);
        return;
    }

    if (upstreams_count(route->service) == 0) {
        snprintf(message, sizeof message, "the %s service is not available",
                 gw_service_name(route->service));
        reply_error(req, 503, "SERVICE_UNAVAILABLE", message, cors, RETRY_AFTER_UNAVAILABLE, NULL);
        return;
    }
    forward(req, route, cors);
}

void gw_handle_openapi(http_req_t *req)
{
    char headers[768] = "";
    size_t at = 0;
    if (cors_headers(cfg.cors, http_header(req, "Origin"), headers, sizeof headers) == 0)
        at = strlen(headers);
    else
        headers[0] = '\0';
    snprintf(headers + at, sizeof headers - at, "Cache-Control: public, max-age=300\r\n");
    http_reply_raw(req, 200, "application/json", headers, cfg.openapi, strlen(cfg.openapi));
}
