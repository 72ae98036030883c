/* catalog_support.h - what the catalog's end-to-end tests (test_catalog*.c) share: the
 * admin's token, unique categories and products, and small JSON accessors. Header-only
 * (static inline), since every e2e test file is its own program. */
#ifndef TEST_CATALOG_SUPPORT_H
#define TEST_CATALOG_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

static inline const char *c_str(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static inline double c_num(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static inline const char *c_error_code(const t_resp_t *r)
{
    return c_str(cJSON_GetObjectItemCaseSensitive(r->json, "error"), "code");
}

/* True when a 400's details name field. */
static inline bool c_names_field(const t_resp_t *r, const char *field)
{
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r->json, "error"),
                                         "details"),
        "fields");
    return cJSON_GetObjectItemCaseSensitive(fields, field) != NULL;
}

/* The admin of the stack (ADMIN_EMAIL / ADMIN_PASSWORD). Caller frees. */
static inline char *c_admin_token(void)
{
    char *t = t_login(stack_get("ADMIN_EMAIL"), stack_get("ADMIN_PASSWORD"));
    assert_non_null(t);
    return t;
}

/* A word of letters only, unique to this run: searches for it find only this test's
 * products, and a letter can be dropped from it for a typo. */
static inline void c_unique_word(char *out, size_t len, const char *prefix)
{
    static int counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned long long v =
        ((unsigned long long)ts.tv_nsec ^ ((unsigned long long)getpid() << 20)) * 2654435761ULL +
        (unsigned long long)(++counter) * 40503ULL + (unsigned long long)ts.tv_sec;
    char letters[16];
    for (int i = 0; i < 9; i++) {
        letters[i] = (char)('b' + v % 24);
        v /= 24;
    }
    letters[9] = '\0';
    snprintf(out, len, "%s%s", prefix, letters);
}

/* Creates a category as the admin; parent NULL for a root. */
static inline void c_category(const char *admin, const char *slug, const char *name,
                              const char *parent)
{
    char body[512];
    if (parent != NULL)
        snprintf(body, sizeof body, "{\"slug\":\"%s\",\"name\":\"%s\",\"parent\":\"%s\"}", slug,
                 name, parent);
    else
        snprintf(body, sizeof body, "{\"slug\":\"%s\",\"name\":\"%s\"}", slug, name);
    t_resp_t r;
    assert_int_equal(t_gw("POST", "/admin/categories", admin, body, &r), 0);
    if (r.status != 201)
        fail_msg("category %s: %ld %s", slug, r.status, r.body);
    t_resp_free(&r);
}

/* Creates a product as seller; returns its id in id[37]. */
static inline void c_product(const char *seller, const char *title, const char *description,
                             long price, const char *category, char id[37])
{
    char body[2048];
    snprintf(body, sizeof body,
             "{\"title\":\"%s\",\"description\":\"%s\",\"price\":%ld,\"currency\":\"NPR\","
             "\"category\":\"%s\"}",
             title, description, price, category);
    t_resp_t r;
    assert_int_equal(t_gw("POST", "/seller/products", seller, body, &r), 0);
    if (r.status != 201)
        fail_msg("create product: %ld %s", r.status, r.body);
    snprintf(id, 37, "%s", c_str(r.json, "id"));
    t_resp_free(&r);
}

/* Sends method path as the admin (approve, reject) and expects status. */
static inline void c_admin_do(const char *admin, const char *method, const char *path,
                              const char *body, long status)
{
    t_resp_t r;
    assert_int_equal(t_gw(method, path, admin, body, &r), 0);
    if (r.status != status)
        fail_msg("%s %s: %ld %s", method, path, r.status, r.body);
    t_resp_free(&r);
}

static inline void c_approve(const char *admin, const char *id)
{
    char path[512];
    snprintf(path, sizeof path, "/admin/products/%s/approve", id);
    c_admin_do(admin, "PUT", path, NULL, 200);
}

/* GET path (public) and whether an item with this id is in its "items". */
static inline bool c_listed(const char *path, const char *id)
{
    t_resp_t r;
    assert_int_equal(t_gw("GET", path, NULL, NULL, &r), 0);
    if (r.status != 200)
        fail_msg("GET %s: %ld %s", path, r.status, r.body);
    bool found = false;
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(r.json, "items"))
    {
        const char *s = c_str(item, "id");
        found = found || (s != NULL && strcmp(s, id) == 0);
    }
    t_resp_free(&r);
    return found;
}

/* A value from the catalog's schema by SQL with one parameter (caller frees). */
static inline char *c_sql(const char *sql, const char *param)
{
    PGconn *db = t_db();
    const char *p[] = {param};
    char *v = t_sql_value(db, sql, param != NULL ? 1 : 0, p);
    PQfinish(db);
    return v;
}

static inline long c_sql_long(const char *sql, const char *param)
{
    char *v = c_sql(sql, param);
    long n = v != NULL ? atol(v) : -1;
    free(v);
    return n;
}

/* Asserts that sql (one parameter) yields want. */
static inline void c_sql_is(const char *sql, const char *param, const char *want)
{
    char *v = c_sql(sql, param);
    if (v == NULL || strcmp(v, want) != 0)
        fail_msg("%s: got %s, want %s", sql, v ? v : "(no row)", want);
    free(v);
}

/* The first replica of the catalog, for calls that skip the gateway. Caller frees. */
static inline char *c_catalog_url(void)
{
    char *base = strdup(stack_get("CATALOG_URLS"));
    base[strcspn(base, ",")] = '\0';
    return base;
}

/* Percent-encodes s into out for a query string. */
static inline void c_urlencode(const char *s, char *out, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t at = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0' && at + 4 < len; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '~') {
            out[at++] = (char)*p;
        } else {
            out[at++] = '%';
            out[at++] = hex[*p >> 4];
            out[at++] = hex[*p & 15];
        }
    }
    out[at] = '\0';
}

#endif
