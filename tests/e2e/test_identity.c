/* test_identity.c - identity through the gateway: registration, login, the
 * profile, addresses, refresh rotation, and the UserRegistered event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

static const char *str(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *error_code(const t_resp_t *r)
{
    return str(cJSON_GetObjectItemCaseSensitive(r->json, "error"), "code");
}

static void register_body(char *buf, size_t len, const char *email, const char *role)
{
    snprintf(buf, len,
             "{\"email\":\"%s\",\"password\":\"correct horse battery\",\"name\":\"Asha Rai\","
             "\"role\":\"%s\"}",
             email, role);
}

typedef struct event_wait {
    const char *subject;
    int count;
} event_wait_t;

static bool user_registered_seen(void *arg)
{
    event_wait_t *w = arg;
    w->count = t_topic_count("identity.events", "UserRegistered", w->subject);
    return w->count > 0;
}

static void test_identity_register_login_me_and_event(void **state)
{
    (void)state;
    char email[256], body[1024];
    t_unique_email(email, sizeof email, "customer");
    register_body(body, sizeof body, email, "customer");

    t_resp_t r;
    assert_int_equal(t_gw("POST", "/auth/register", NULL, body, &r), 0);
    assert_int_equal(r.status, 201);
    assert_string_equal(str(r.json, "email"), email);
    assert_string_equal(str(r.json, "role"), "customer");
    assert_string_equal(str(r.json, "name"), "Asha Rai");
    assert_null(cJSON_GetObjectItemCaseSensitive(r.json, "password_hash"));
    char user_id[64];
    snprintf(user_id, sizeof user_id, "%s", str(r.json, "id"));
    t_resp_free(&r);

    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"correct horse battery\"}",
             email);
    assert_int_equal(t_gw("POST", "/auth/login", NULL, body, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(str(r.json, "token_type"), "Bearer");
    assert_non_null(str(r.json, "refresh_token"));
    const cJSON *expires = cJSON_GetObjectItemCaseSensitive(r.json, "expires_in");
    assert_true(cJSON_IsNumber(expires) && expires->valueint == 900);
    char *token = strdup(str(r.json, "access_token"));
    t_resp_free(&r);

    assert_int_equal(t_gw("GET", "/user/me", token, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(str(r.json, "id"), user_id);
    assert_string_equal(str(r.json, "email"), email);
    assert_string_equal(str(r.json, "role"), "customer");
    t_resp_free(&r);
    free(token);

    /* The event arrives once, in the CloudEvents envelope, keyed by the user. */
    event_wait_t w = {.subject = user_id};
    assert_true(t_wait_until(user_registered_seen, &w, 15000));
    assert_int_equal(w.count, 1);
    cJSON *all = t_topic_read_all("identity.events");
    const cJSON *ev, *found = NULL;
    cJSON_ArrayForEach(ev, all)
    {
        const char *s = str(ev, "subject");
        if (s != NULL && strcmp(s, user_id) == 0)
            found = ev;
    }
    assert_non_null(found);
    assert_string_equal(str(found, "specversion"), "1.0");
    assert_string_equal(str(found, "source"), "/services/identity");
    assert_string_equal(str(found, "type"), "UserRegistered");
    assert_string_equal(str(found, "datacontenttype"), "application/json");
    assert_string_equal(str(found, "dataschema"), "store.identity.v1.UserRegistered");
    assert_non_null(str(found, "id"));
    assert_non_null(str(found, "time"));
    assert_non_null(str(found, "traceparent"));
    assert_non_null(str(found, "correlationid"));
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(found, "data");
    assert_string_equal(str(data, "userId"), user_id);
    assert_string_equal(str(data, "email"), email);
    assert_string_equal(str(data, "role"), "customer");
    cJSON_Delete(all);
}

static void test_identity_duplicate_email_is_409(void **state)
{
    (void)state;
    char email[256], body[1024];
    t_unique_email(email, sizeof email, "dup");
    register_body(body, sizeof body, email, "seller");
    t_resp_t r;
    assert_int_equal(t_gw("POST", "/auth/register", NULL, body, &r), 0);
    assert_int_equal(r.status, 201);
    t_resp_free(&r);
    /* The same address in another case is the same account. */
    for (char *p = email; *p != '@'; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    register_body(body, sizeof body, email, "customer");
    assert_int_equal(t_gw("POST", "/auth/register", NULL, body, &r), 0);
    assert_int_equal(r.status, 409);
    assert_non_null(error_code(&r));
    assert_non_null(str(r.json, "request_id"));
    t_resp_free(&r);
}

static void test_identity_wrong_password_is_401(void **state)
{
    (void)state;
    char email[256], body[1024];
    t_unique_email(email, sizeof email, "wrongpw");
    register_body(body, sizeof body, email, "customer");
    t_resp_t r;
    assert_int_equal(t_gw("POST", "/auth/register", NULL, body, &r), 0);
    assert_int_equal(r.status, 201);
    t_resp_free(&r);
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"not the password\"}", email);
    assert_int_equal(t_gw("POST", "/auth/login", NULL, body, &r), 0);
    assert_int_equal(r.status, 401);
    assert_string_equal(error_code(&r), "INVALID_CREDENTIALS");
    assert_null(cJSON_GetObjectItemCaseSensitive(r.json, "access_token"));
    t_resp_free(&r);
    /* An unknown account answers exactly the same way. */
    assert_int_equal(t_gw("POST", "/auth/login", NULL,
                          "{\"email\":\"nobody-at-all@example.com\",\"password\":\"whatever1\"}",
                          &r),
                     0);
    assert_int_equal(r.status, 401);
    assert_string_equal(error_code(&r), "INVALID_CREDENTIALS");
    t_resp_free(&r);
}

static void test_identity_self_registration_as_admin_is_refused(void **state)
{
    (void)state;
    char email[256], body[1024];
    t_unique_email(email, sizeof email, "wannabe");
    register_body(body, sizeof body, email, "admin");
    t_resp_t r;
    assert_int_equal(t_gw("POST", "/auth/register", NULL, body, &r), 0);
    assert_int_equal(r.status, 400);
    t_resp_free(&r);
    char *token = t_login(email, "correct horse battery");
    assert_null(token);
}

static void test_identity_admin_from_configuration(void **state)
{
    (void)state;
    char *token = t_login(stack_get("ADMIN_EMAIL"), stack_get("ADMIN_PASSWORD"));
    assert_non_null(token);
    t_resp_t r;
    assert_int_equal(t_gw("GET", "/user/me", token, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(str(r.json, "role"), "admin");
    t_resp_free(&r);
    free(token);
}

static void test_identity_refresh_rotates_and_reuse_revokes(void **state)
{
    (void)state;
    char email[256], body[1024];
    t_unique_email(email, sizeof email, "refresh");
    register_body(body, sizeof body, email, "customer");
    t_resp_t r;
    assert_int_equal(t_gw("POST", "/auth/register", NULL, body, &r), 0);
    t_resp_free(&r);
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"correct horse battery\"}",
             email);
    assert_int_equal(t_gw("POST", "/auth/login", NULL, body, &r), 0);
    assert_int_equal(r.status, 200);
    char *first = strdup(str(r.json, "refresh_token"));
    t_resp_free(&r);

    snprintf(body, sizeof body, "{\"refresh_token\":\"%s\"}", first);
    assert_int_equal(t_gw("POST", "/auth/refresh", NULL, body, &r), 0);
    assert_int_equal(r.status, 200);
    char *second = strdup(str(r.json, "refresh_token"));
    char *access = strdup(str(r.json, "access_token"));
    assert_string_not_equal(first, second);
    t_resp_free(&r);

    /* Replaying the rotated token is treated as theft: the whole family dies. */
    assert_int_equal(t_gw("POST", "/auth/refresh", NULL, body, &r), 0);
    assert_int_equal(r.status, 401);
    t_resp_free(&r);
    snprintf(body, sizeof body, "{\"refresh_token\":\"%s\"}", second);
    assert_int_equal(t_gw("POST", "/auth/refresh", NULL, body, &r), 0);
    assert_int_equal(r.status, 401);
    t_resp_free(&r);

    /* Logout revokes a live refresh token. */
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"correct horse battery\"}",
             email);
    assert_int_equal(t_gw("POST", "/auth/login", NULL, body, &r), 0);
    char *third = strdup(str(r.json, "refresh_token"));
    t_resp_free(&r);
    snprintf(body, sizeof body, "{\"refresh_token\":\"%s\"}", third);
    assert_int_equal(t_gw("POST", "/auth/logout", access, body, &r), 0);
    assert_int_equal(r.status, 204);
    t_resp_free(&r);
    assert_int_equal(t_gw("POST", "/auth/refresh", NULL, body, &r), 0);
    assert_int_equal(r.status, 401);
    t_resp_free(&r);
    free(first);
    free(second);
    free(third);
    free(access);
}

static void test_identity_addresses_are_private(void **state)
{
    (void)state;
    char *alice = t_register_login("customer", NULL);
    char *bob = t_register_login("customer", NULL);
    assert_non_null(alice);
    assert_non_null(bob);
    const char *addr = "{\"name\":\"Asha Rai\",\"phone\":\"+9779800000001\",\"line1\":\"Thamel "
                       "Marg 12\",\"city\":\"Kathmandu\",\"district\":\"Kathmandu\","
                       "\"postal_code\":\"44600\",\"country\":\"NP\"}";
    t_resp_t r;
    assert_int_equal(t_gw("POST", "/user/addresses", alice, addr, &r), 0);
    assert_int_equal(r.status, 201);
    assert_string_equal(str(r.json, "city"), "Kathmandu");
    char path[256];
    snprintf(path, sizeof path, "/user/addresses/%s", str(r.json, "id"));
    t_resp_free(&r);

    assert_int_equal(t_gw("GET", "/user/addresses", alice, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 1);
    t_resp_free(&r);
    assert_int_equal(t_gw("GET", "/user/addresses", bob, NULL, &r), 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 0);
    t_resp_free(&r);

    /* Bob can neither change nor delete Alice's address. */
    assert_int_equal(t_gw("PUT", path, bob, addr, &r), 0);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);
    assert_int_equal(t_gw("DELETE", path, bob, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);

    const char *moved = "{\"name\":\"Asha Rai\",\"phone\":\"+9779800000001\",\"line1\":\"Lakeside "
                        "5\",\"city\":\"Pokhara\",\"district\":\"Kaski\",\"postal_code\":\"33700\","
                        "\"country\":\"NP\"}";
    assert_int_equal(t_gw("PUT", path, alice, moved, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(str(r.json, "city"), "Pokhara");
    t_resp_free(&r);

    assert_int_equal(t_gw("POST", "/user/addresses", alice, "{\"name\":\"x\",\"country\":7}", &r),
                     0);
    assert_int_equal(r.status, 400);
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r.json, "error"),
                                         "details"),
        "fields");
    assert_non_null(cJSON_GetObjectItemCaseSensitive(fields, "country"));
    assert_non_null(cJSON_GetObjectItemCaseSensitive(fields, "line1"));
    t_resp_free(&r);

    assert_int_equal(t_gw("DELETE", path, alice, NULL, &r), 0);
    assert_int_equal(r.status, 204);
    t_resp_free(&r);
    assert_int_equal(t_gw("GET", "/user/addresses", alice, NULL, &r), 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 0);
    t_resp_free(&r);
    free(alice);
    free(bob);
}

int main(void)
{
    stack_load();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity_register_login_me_and_event),
        cmocka_unit_test(test_identity_duplicate_email_is_409),
        cmocka_unit_test(test_identity_wrong_password_is_401),
        cmocka_unit_test(test_identity_self_registration_as_admin_is_refused),
        cmocka_unit_test(test_identity_admin_from_configuration),
        cmocka_unit_test(test_identity_refresh_rotates_and_reuse_revokes),
        cmocka_unit_test(test_identity_addresses_are_private),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
