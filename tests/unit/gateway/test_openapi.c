/* test_openapi.c - the OpenAPI document generated from the route table: valid JSON,
 * every route under its {param} path, bearer security where a role is needed, and
 * every reference resolving. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "openapi.h"
#include "route_table.h"

static cJSON *doc;

static int setup(void **state)
{
    (void)state;
    char *text = openapi_render(gw_routes, gw_route_count);
    if (text == NULL)
        return -1;
    doc = cJSON_Parse(text);
    free(text);
    return doc != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cJSON_Delete(doc);
    return 0;
}

static const cJSON *get(const cJSON *obj, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

static const cJSON *operation_of(const gw_route_t *r)
{
    char path[GW_MAX_PATH], method[16];
    assert_int_equal(openapi_path(r->pattern, path, sizeof path), 0);
    snprintf(method, sizeof method, "%s", r->method);
    for (char *m = method; *m; m++)
        *m = (char)tolower((unsigned char)*m);
    return get(get(get(doc, "paths"), path), method);
}

static void test_openapi_path_converts_params(void **state)
{
    (void)state;
    char buf[128];
    assert_int_equal(openapi_path("/products/:id", buf, sizeof buf), 0);
    assert_string_equal(buf, "/products/{id}");
    assert_int_equal(openapi_path("/seller/products/:id/images/:image_id", buf, sizeof buf), 0);
    assert_string_equal(buf, "/seller/products/{id}/images/{image_id}");
    assert_int_equal(openapi_path("/.well-known/jwks.json", buf, sizeof buf), 0);
    assert_string_equal(buf, "/.well-known/jwks.json");
    assert_int_equal(openapi_path("/products/:id", buf, 8), -1);
}

static void test_openapi_document_header(void **state)
{
    (void)state;
    assert_string_equal(get(doc, "openapi")->valuestring, "3.0.3");
    assert_true(cJSON_IsString(get(get(doc, "info"), "title")));
    assert_true(cJSON_IsString(get(get(doc, "info"), "version")));
    const cJSON *bearer = get(get(get(doc, "components"), "securitySchemes"), "bearerAuth");
    assert_string_equal(get(bearer, "type")->valuestring, "http");
    assert_string_equal(get(bearer, "scheme")->valuestring, "bearer");
    const cJSON *error = get(get(get(doc, "components"), "schemas"), "Error");
    assert_non_null(get(get(error, "properties"), "error"));
    assert_non_null(get(get(error, "properties"), "request_id"));
}

static void test_openapi_lists_every_route(void **state)
{
    (void)state;
    size_t operations = 0;
    for (const cJSON *p = get(doc, "paths")->child; p != NULL; p = p->next) {
        assert_null(strchr(p->string, ':'));
        assert_null(strstr(p->string, "/internal"));
        operations += (size_t)cJSON_GetArraySize(p);
    }
    assert_int_equal(operations, gw_route_count);
    for (size_t i = 0; i < gw_route_count; i++) {
        const cJSON *op = operation_of(&gw_routes[i]);
        if (op == NULL)
            fail_msg("no operation for %s %s", gw_routes[i].method, gw_routes[i].pattern);
        assert_string_equal(get(op, "summary")->valuestring, gw_routes[i].summary);
        assert_non_null(get(get(op, "responses"), "429"));
        assert_non_null(get(get(op, "responses"), "503"));
    }
}

static void test_openapi_declares_path_parameters(void **state)
{
    (void)state;
    gw_match_t m;
    assert_int_equal(gw_route_lookup("DELETE", "/seller/products/a/images/b", &m), GW_FOUND);
    const cJSON *params = get(operation_of(m.route), "parameters");
    assert_int_equal(cJSON_GetArraySize(params), 2);
    const cJSON *first = cJSON_GetArrayItem(params, 0);
    assert_string_equal(get(first, "name")->valuestring, "id");
    assert_string_equal(get(first, "in")->valuestring, "path");
    assert_true(cJSON_IsTrue(get(first, "required")));
    assert_string_equal(get(cJSON_GetArrayItem(params, 1), "name")->valuestring, "image_id");

    assert_int_equal(gw_route_lookup("GET", "/products", &m), GW_FOUND);
    assert_null(get(operation_of(m.route), "parameters"));
}

static void test_openapi_secures_protected_routes(void **state)
{
    (void)state;
    for (size_t i = 0; i < gw_route_count; i++) {
        const gw_route_t *r = &gw_routes[i];
        const cJSON *op = operation_of(r);
        const cJSON *security = get(op, "security");
        const cJSON *responses = get(op, "responses");
        if (gw_route_is_public(r)) {
            assert_null(security);
            assert_null(get(responses, "401"));
            continue;
        }
        assert_non_null(get(cJSON_GetArrayItem(security, 0), "bearerAuth"));
        assert_non_null(get(responses, "401"));
        if (gw_route_any_role(r))
            assert_null(get(responses, "403"));
        else
            assert_non_null(get(responses, "403"));
    }
}

static void test_openapi_operation_ids_are_unique(void **state)
{
    (void)state;
    for (size_t i = 0; i < gw_route_count; i++) {
        const char *a = get(operation_of(&gw_routes[i]), "operationId")->valuestring;
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(a,
                                    get(operation_of(&gw_routes[j]), "operationId")->valuestring);
    }
}

/* Every "$ref": "#/a/b/c" names a node that exists. */
static void check_refs(const cJSON *node)
{
    for (const cJSON *c = node->child; c != NULL; c = c->next) {
        if (c->string != NULL && strcmp(c->string, "$ref") == 0) {
            assert_true(cJSON_IsString(c));
            assert_true(strncmp(c->valuestring, "#/", 2) == 0);
            char copy[256];
            snprintf(copy, sizeof copy, "%s", c->valuestring + 2);
            const cJSON *at = doc;
            char *save = NULL;
            for (char *t = strtok_r(copy, "/", &save); t != NULL; t = strtok_r(NULL, "/", &save))
                at = get(at, t);
            if (at == NULL)
                fail_msg("dangling $ref %s", c->valuestring);
        }
        check_refs(c);
    }
}

/* Uploads take the raw image; other bodies are JSON objects. */
static void test_openapi_body_types(void **state)
{
    (void)state;
    for (size_t i = 0; i < gw_route_count; i++) {
        const gw_route_t *r = &gw_routes[i];
        const cJSON *content = get(get(operation_of(r), "requestBody"), "content");
        if (content == NULL)
            continue;
        if (r->upload) {
            assert_null(get(content, "application/json"));
            assert_string_equal(
                get(get(get(content, "image/png"), "schema"), "format")->valuestring, "binary");
            assert_non_null(get(content, "image/jpeg"));
            assert_non_null(get(content, "image/webp"));
        } else {
            assert_string_equal(
                get(get(get(content, "application/json"), "schema"), "type")->valuestring,
                "object");
        }
    }
}

static void test_openapi_refs_resolve(void **state)
{
    (void)state;
    check_refs(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openapi_path_converts_params),
        cmocka_unit_test(test_openapi_document_header),
        cmocka_unit_test(test_openapi_lists_every_route),
        cmocka_unit_test(test_openapi_declares_path_parameters),
        cmocka_unit_test(test_openapi_secures_protected_routes),
        cmocka_unit_test(test_openapi_operation_ids_are_unique),
        cmocka_unit_test(test_openapi_body_types),
        cmocka_unit_test(test_openapi_refs_resolve),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
