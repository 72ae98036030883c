/* openapi.c - builds the OpenAPI 3.0.3 document from the route table.
 *
 * Operations are derived, not hand-written: path parameters from ":name"
 * segments, bearer security wherever a role is needed, a JSON request body for
 * POST/PUT/PATCH (upload routes take the raw image instead: image/jpeg, image/png or
 * image/webp), and the error responses the gateway itself can produce (401, 403,
 * 404, 413, 429, 503, 504) referring to one error envelope schema. Request and
 * response bodies of each service are left generic until the services publish
 * their own schemas.
 */
#include "openapi.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int openapi_path(const char *pattern, char *buf, size_t len)
{
    size_t at = 0;
    for (const char *p = pattern; *p != '\0';) {
        if (*p == ':' && (p == pattern || p[-1] == '/')) {
            size_t n = strcspn(p + 1, "/");
            if (at + n + 2 >= len)
                return -1;
            buf[at++] = '{';
            memcpy(buf + at, p + 1, n);
            at += n;
            buf[at++] = '}';
            p += n + 1;
        } else {
            if (at + 1 >= len)
                return -1;
            buf[at++] = *p++;
        }
    }
    if (at >= len)
        return -1;
    buf[at] = '\0';
    return 0;
}

/* "put" + "/seller/products/:id/images/order" -> "put_seller_products_id_images_order". */
static void operation_id(const char *method, const char *pattern, char *buf, size_t len)
{
    size_t at = 0;
    for (const char *m = method; *m != '\0' && at + 1 < len; m++)
        buf[at++] = (char)tolower((unsigned char)*m);
    bool sep = true;
    for (const char *p = pattern; *p != '\0' && at + 1 < len; p++) {
        if (isalnum((unsigned char)*p)) {
            if (sep && at + 2 < len)
                buf[at++] = '_';
            buf[at++] = (char)tolower((unsigned char)*p);
            sep = false;
        } else {
            sep = true;
        }
    }
    buf[at] = '\0';
}

static cJSON *ref(const char *target)
{
    cJSON *o = cJSON_CreateObject();
    if (o != NULL && cJSON_AddStringToObject(o, "$ref", target) == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Adds responses[code] = {"$ref": "#/components/responses/<name>"}. */
static int add_error(cJSON *responses, const char *code, const char *name)
{
    char target[128];
    snprintf(target, sizeof target, "#/components/responses/%s", name);
    cJSON *r = ref(target);
    if (r == NULL)
        return -1;
    cJSON_AddItemToObject(responses, code, r);
    return 0;
}

static bool has_body(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
           strcmp(method, "PATCH") == 0;
}

static cJSON *parameters(const char *pattern)
{
    cJSON *params = cJSON_CreateArray();
    if (params == NULL)
        return NULL;
    for (const char *p = strchr(pattern, ':'); p != NULL; p = strchr(p + 1, ':')) {
        if (p[-1] != '/')
            continue;
        char name[64];
        size_t n = strcspn(p + 1, "/");
        snprintf(name, sizeof name, "%.*s", (int)n, p + 1);
        cJSON *param = cJSON_CreateObject();
        cJSON *schema = cJSON_CreateObject();
        if (param == NULL || schema == NULL) {
            cJSON_Delete(param);
            cJSON_Delete(schema);
            cJSON_Delete(params);
            return NULL;
        }
        cJSON_AddStringToObject(schema, "type", "string");
        cJSON_AddStringToObject(param, "name", name);
        cJSON_AddStringToObject(param, "in", "path");
        cJSON_AddBoolToObject(param, "required", true);
        cJSON_AddItemToObject(param, "schema", schema);
        cJSON_AddItemToArray(params, param);
    }
    return params;
}

static cJSON *operation(const gw_route_t *r)
{
    char id[256];
    cJSON *op = cJSON_CreateObject();
    cJSON *tags = cJSON_CreateArray();
    cJSON *responses = cJSON_CreateObject();
    cJSON *params = parameters(r->pattern);
    if (op == NULL || tags == NULL || responses == NULL || params == NULL)
        goto fail;

    operation_id(r->method, r->pattern, id, sizeof id);
    cJSON_AddStringToObject(op, "operationId", id);
    cJSON_AddStringToObject(op, "summary", r->summary);
    cJSON_AddItemToArray(tags, cJSON_CreateString(gw_service_name(r->service)));
    cJSON_AddItemToObject(op, "tags", tags);
    tags = NULL;
    if (cJSON_GetArraySize(params) > 0) {
        cJSON_AddItemToObject(op, "parameters", params);
        params = NULL;
    }

    if (has_body(r->method)) {
        cJSON *body = cJSON_CreateObject();
        cJSON *content = cJSON_CreateObject();
        if (body == NULL || content == NULL) {
            cJSON_Delete(body);
            cJSON_Delete(content);
            goto fail;
        }
        cJSON_AddItemToObject(body, "content", content);
        cJSON_AddItemToObject(op, "requestBody", body);
        if (r->upload)
            cJSON_AddStringToObject(body, "description",
                                    "The raw file (not multipart); the service recognises it by "
                                    "its bytes.");
        /* Uploads (product images) are the raw file in the body, typed by the catalog from
         * its bytes; everything else is a JSON object. */
        static const char *const upload_types[] = {"image/jpeg", "image/png", "image/webp"};
        static const char *const json_types[] = {"application/json"};
        const char *const *types = r->upload ? upload_types : json_types;
        size_t ntypes = r->upload ? 3 : 1;
        for (size_t i = 0; i < ntypes; i++) {
            cJSON *media = cJSON_CreateObject();
            cJSON *schema = cJSON_AddObjectToObject(media, "schema");
            if (media == NULL || schema == NULL ||
                !cJSON_AddItemToObject(content, types[i], media)) {
                cJSON_Delete(media);
                goto fail;
            }
            cJSON_AddStringToObject(schema, "type", r->upload ? "string" : "object");
            if (r->upload)
                cJSON_AddStringToObject(schema, "format", "binary");
        }
    }

    if (!gw_route_is_public(r)) {
        cJSON *security = cJSON_CreateArray();
        cJSON *scheme = cJSON_CreateObject();
        cJSON *scopes = cJSON_CreateArray();
        cJSON *roles = cJSON_CreateArray();
        if (security == NULL || scheme == NULL || scopes == NULL || roles == NULL) {
            cJSON_Delete(security);
            cJSON_Delete(scheme);
            cJSON_Delete(scopes);
            cJSON_Delete(roles);
            goto fail;
        }
        cJSON_AddItemToObject(scheme, "bearerAuth", scopes);
        cJSON_AddItemToArray(security, scheme);
        cJSON_AddItemToObject(op, "security", security);
        /* The roles, machine-readable, as a specification extension. */
        if (!gw_route_any_role(r)) {
            char copy[128];
            snprintf(copy, sizeof copy, "%s", r->roles);
            char *save = NULL;
            for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
                cJSON_AddItemToArray(roles, cJSON_CreateString(t));
        }
        cJSON_AddItemToObject(op, "x-roles", roles);
    }

    cJSON *ok = cJSON_CreateObject();
    if (ok == NULL)
        goto fail;
    cJSON_AddStringToObject(ok, "description", "Success");
    cJSON_AddItemToObject(responses, "2XX", ok);
    int rc = 0;
    if (has_body(r->method))
        rc |= add_error(responses, "400", "BadRequest");
    if (!gw_route_is_public(r))
        rc |= add_error(responses, "401", "Unauthorized");
    if (!gw_route_is_public(r) && !gw_route_any_role(r))
        rc |= add_error(responses, "403", "Forbidden");
    if (strchr(r->pattern, ':') != NULL)
        rc |= add_error(responses, "404", "NotFound");
    if (has_body(r->method))
        rc |= add_error(responses, "413", "PayloadTooLarge");
    rc |= add_error(responses, "429", "RateLimited");
    rc |= add_error(responses, "503", "ServiceUnavailable");
    rc |= add_error(responses, "504", "GatewayTimeout");
    if (rc != 0)
        goto fail;
    cJSON_AddItemToObject(op, "responses", responses);
    cJSON_Delete(params); /* still ours when the path has no parameters */
    return op;
fail:
    cJSON_Delete(op);
    cJSON_Delete(tags);
    cJSON_Delete(responses);
    cJSON_Delete(params);
    return NULL;
}

/* The envelope of DESIGN.md: {"error":{"code","message","details"},"request_id"}. */
static const char *const components_json =
    "{"
    "\"securitySchemes\":{\"bearerAuth\":{\"type\":\"http\",\"scheme\":\"bearer\","
    "\"bearerFormat\":\"JWT\",\"description\":\"An access token from POST /auth/login\"}},"
    "\"schemas\":{\"Error\":{\"type\":\"object\",\"required\":[\"error\",\"request_id\"],"
    "\"properties\":{"
    "\"error\":{\"type\":\"object\",\"required\":[\"code\",\"message\"],\"properties\":{"
    "\"code\":{\"type\":\"string\",\"description\":\"Stable machine code\","
    "\"example\":\"NOT_FOUND\"},"
    "\"message\":{\"type\":\"string\"},"
    "\"details\":{\"type\":\"object\",\"additionalProperties\":true}}},"
    "\"request_id\":{\"type\":\"string\"}}}},"
    "\"headers\":{\"Retry-After\":{\"description\":\"Seconds to wait before retrying\","
    "\"schema\":{\"type\":\"integer\",\"minimum\":1}}},"
    "\"responses\":{"
    "\"BadRequest\":{\"description\":\"Malformed JSON or invalid fields (details name each "
    "field)\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/"
    "Error\"}}}},"
    "\"Unauthorized\":{\"description\":\"No token, or an invalid or expired one\","
    "\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Error\"}}}},"
    "\"Forbidden\":{\"description\":\"The user's role may not call this route\","
    "\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Error\"}}}},"
    "\"NotFound\":{\"description\":\"No such resource\","
    "\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Error\"}}}},"
    "\"PayloadTooLarge\":{\"description\":\"The body is larger than the limit\","
    "\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Error\"}}}},"
    "\"RateLimited\":{\"description\":\"Too many requests from this client\","
    "\"headers\":{\"Retry-After\":{\"$ref\":\"#/components/headers/Retry-After\"}},"
    "\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Error\"}}}},"
    "\"ServiceUnavailable\":{\"description\":\"The service behind this route is not available\","
    "\"headers\":{\"Retry-After\":{\"$ref\":\"#/components/headers/Retry-After\"}},"
    "\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Error\"}}}},"
    "\"GatewayTimeout\":{\"description\":\"The service behind this route did not answer in "
    "time\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/"
    "Error\"}}}}"
    "}}";

char *openapi_render(const gw_route_t *routes, size_t count)
{
    char *out = NULL;
    cJSON *doc = cJSON_CreateObject();
    cJSON *info = cJSON_CreateObject();
    cJSON *paths = cJSON_CreateObject();
    cJSON *tags = cJSON_CreateArray();
    cJSON *components = cJSON_Parse(components_json);
    if (doc == NULL || info == NULL || paths == NULL || tags == NULL || components == NULL)
        goto out;

    cJSON_AddStringToObject(doc, "openapi", "3.0.3");
    cJSON_AddStringToObject(info, "title", "Store API");
    cJSON_AddStringToObject(info, "version", "1.0.0");
    cJSON_AddStringToObject(info, "description",
                            "The public API of the store, served through its gateway. Errors "
                            "always use the Error envelope; every response carries X-Request-Id.");
    cJSON_AddItemToObject(doc, "info", info);
    info = NULL;
    cJSON *servers = cJSON_AddArrayToObject(doc, "servers");
    cJSON *server = cJSON_CreateObject();
    if (servers == NULL || server == NULL) {
        cJSON_Delete(server);
        goto out;
    }
    cJSON_AddStringToObject(server, "url", "/");
    cJSON_AddItemToArray(servers, server);

    for (int s = 0; s < GW_SERVICE_COUNT; s++) {
        cJSON *tag = cJSON_CreateObject();
        if (tag == NULL)
            goto out;
        cJSON_AddStringToObject(tag, "name", gw_service_name((enum gw_service)s));
        cJSON_AddItemToArray(tags, tag);
    }

    for (size_t i = 0; i < count; i++) {
        char path[GW_MAX_PATH], method[16];
        if (openapi_path(routes[i].pattern, path, sizeof path) != 0)
            goto out;
        snprintf(method, sizeof method, "%s", routes[i].method);
        for (char *m = method; *m != '\0'; m++)
            *m = (char)tolower((unsigned char)*m);
        cJSON *item = cJSON_GetObjectItemCaseSensitive(paths, path);
        if (item == NULL) {
            item = cJSON_AddObjectToObject(paths, path);
            if (item == NULL)
                goto out;
        }
        cJSON *op = operation(&routes[i]);
        if (op == NULL)
            goto out;
        cJSON_AddItemToObject(item, method, op);
    }
    cJSON_AddItemToObject(doc, "tags", tags);
    tags = NULL;
    cJSON_AddItemToObject(doc, "paths", paths);
    paths = NULL;
    cJSON_AddItemToObject(doc, "components", components);
    components = NULL;
    out = cJSON_PrintUnformatted(doc);
out:
    cJSON_Delete(doc);
    cJSON_Delete(info);
    cJSON_Delete(paths);
    cJSON_Delete(tags);
    cJSON_Delete(components);
    return out;
}
