/* test_bad_input.c - hostile and broken requests through the gateway get a clear
 * error in the envelope, and none of them writes anything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

static const char *error_code(const t_resp_t *r)
{
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(r->json, "error");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(err, "code");
    return cJSON_IsString(code) ? code->valuestring : "";
}

/* The envelope: error.code, error.message, request_id, and nothing internal. */
static void assert_envelope(const t_resp_t *r, long status, const char *code)
{
    assert_int_equal(r->status, status);
    assert_non_null(r->json);
    assert_string_equal(error_code(r), code);
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(r->json, "error");
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(err, "message")));
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(r->json, "request_id")));
    assert_null(strstr(r->body, "127.0.0.1"));
    assert_null(strstr(r->body, "SELECT"));
}

static long count_rows(const char *sql)
{
    PGconn *db = t_db();
    char *v = t_sql_value(db, sql, 0, NULL);
    long n = v != NULL ? atol(v) : -1;
    free(v);
    PQfinish(db);
    return n;
}

static long users_and_events(void)
{
    return count_rows("SELECT (SELECT count(*) FROM identity.users) * 1000000 + "
                      "(SELECT count(*) FROM identity.outbox)");
}

static void test_bad_input_register_changes_nothing(void **state)
{
    (void)state;
    long before = users_and_events();
    struct {
        const char *body;
        long status;
        const char *code;
    } cases[] = {
        {"{\"email\": \"a@example.com\", ", 400, "MALFORMED_JSON"},
        {"[1,2,3]", 400, "MALFORMED_JSON"},
        {"{\"email\":\"nobody@example.com\",\"password\":\"correct horse\",\"role\":\"customer\"}",
         400, "VALIDATION_FAILED"},
        {"{\"email\":42,\"password\":\"correct horse\",\"name\":\"N\",\"role\":\"customer\"}", 400,
         "VALIDATION_FAILED"},
        {"{\"email\":\"not-an-email\",\"password\":\"correct horse\",\"name\":\"N\","
         "\"role\":\"customer\"}",
         400, "VALIDATION_FAILED"},
        {"{\"email\":\"short@example.com\",\"password\":\"short\",\"name\":\"N\","
         "\"role\":\"customer\"}",
         400, "VALIDATION_FAILED"},
        {"{\"email\":\"role@example.com\",\"password\":\"correct horse\",\"name\":\"N\","
         "\"role\":\"wizard\"}",
         400, "VALIDATION_FAILED"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        t_resp_t r;
        assert_int_equal(t_gw("POST", "/auth/register", NULL, cases[i].body, &r), 0);
        assert_envelope(&r, cases[i].status, cases[i].code);
        t_resp_free(&r);
    }

    /* A missing field is named in details. */
    t_resp_t r;
    assert_int_equal(t_gw("POST", "/auth/register", NULL,
                          "{\"email\":\"x@example.com\",\"password\":\"correct horse\"}", &r),
                     0);
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r.json, "error"),
                                         "details"),
        "fields");
    assert_non_null(cJSON_GetObjectItemCaseSensitive(fields, "name"));
    assert_non_null(cJSON_GetObjectItemCaseSensitive(fields, "role"));
    t_resp_free(&r);

    /* Wrong content type. */
    char url[512];
    snprintf(url, sizeof url, "%s/auth/register", stack_get("GATEWAY_URL"));
    const char *plain[] = {"Content-Type: text/plain", NULL};
    assert_int_equal(t_http("POST", url, NULL, "{\"email\":\"p@example.com\"}", plain, &r), 0);
    assert_envelope(&r, 415, "UNSUPPORTED_MEDIA_TYPE");
    t_resp_free(&r);

    /* A 2 MB body is refused before it reaches identity. */
    size_t big = 2 * 1024 * 1024;
    char *huge = malloc(big + 64);
    assert_non_null(huge);
    strcpy(huge, "{\"email\":\"big@example.com\",\"name\":\"");
    size_t at = strlen(huge);
    memset(huge + at, 'a', big);
    strcpy(huge + at + big, "\"}");
    assert_int_equal(t_gw("POST", "/auth/register", NULL, huge, &r), 0);
    assert_envelope(&r, 413, "PAYLOAD_TOO_LARGE");
    t_resp_free(&r);
    free(huge);

    assert_int_equal(users_and_events(), before);
}

static void test_bad_input_tokens_are_refused(void **state)
{
    (void)state;
    char user_id[37];
    char *token = t_register_login("customer", user_id);
    assert_non_null(token);
    t_resp_t r;

    assert_int_equal(t_gw("GET", "/user/me", NULL, NULL, &r), 0);
    assert_envelope(&r, 401, "UNAUTHORIZED");
    t_resp_free(&r);

    assert_int_equal(t_gw("GET", "/user/me", "not.a.jwt", NULL, &r), 0);
    assert_envelope(&r, 401, "UNAUTHORIZED");
    t_resp_free(&r);

    /* Tampered: flip one character of the payload. */
    char *tampered = strdup(token);
    char *dot = strchr(tampered, '.');
    assert_non_null(dot);
    dot[5] = dot[5] == 'A' ? 'B' : 'A';
    assert_int_equal(t_gw("GET", "/user/me", tampered, NULL, &r), 0);
    assert_envelope(&r, 401, "UNAUTHORIZED");
    t_resp_free(&r);
    free(tampered);

    /* Expired, though signed with identity's own key. */
    char *private_pem = t_read_file(stack_get("JWT_PRIVATE_KEY_FILE"));
    char *expired = t_mint_token(private_pem, user_id, "customer", -120);
    assert_int_equal(t_gw("GET", "/user/me", expired, NULL, &r), 0);
    assert_envelope(&r, 401, "UNAUTHORIZED");
    t_resp_free(&r);

    /* Signed by a key identity never issued, claiming admin. */
    char *other_pem = t_new_rsa_pem();
    char *forged = t_mint_token(other_pem, user_id, "admin", 600);
    assert_int_equal(t_gw("GET", "/user/me", forged, NULL, &r), 0);
    assert_envelope(&r, 401, "UNAUTHORIZED");
    t_resp_free(&r);

    /* Services check tokens themselves too: the forged token is refused by identity
     * directly, without the gateway in front. */
    char url[512];
    const char *replicas = stack_get("IDENTITY_URLS");
    snprintf(url, sizeof url, "%.*s/user/me", (int)strcspn(replicas, ","), replicas);
    assert_int_equal(t_http("GET", url, forged, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 401);
    t_resp_free(&r);

    /* A customer on an admin route. */
    assert_int_equal(t_gw("PUT", "/admin/products/6f1c1f4e-1b7e-4d5b-9d8a-2f1d3c4b5a69/approve",
                          token, "{}", &r),
                     0);
    assert_envelope(&r, 403, "FORBIDDEN");
    t_resp_free(&r);

    /* /internal routes are never reachable from outside. */
    char path[128];
    snprintf(path, sizeof path, "/internal/users/%s", user_id);
    assert_int_equal(t_gw("GET", path, token, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);

    free(private_pem);
    free(expired);
    free(other_pem);
    free(forged);
    free(token);
}

static void test_bad_input_login_is_rate_limited_per_account(void **state)
{
    (void)state;
    char email[256], body[512];
    t_unique_email(email, sizeof email, "limited");
    snprintf(body, sizeof body,
             "{\"email\":\"%s\",\"password\":\"correct horse battery\",\"name\":\"L\","
             "\"role\":\"customer\"}",
             email);
    t_resp_t r;
    assert_int_equal(t_gw("POST", "/auth/register", NULL, body, &r), 0);
    assert_int_equal(r.status, 201);
    t_resp_free(&r);
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"wrong password\"}", email);
    long last = 0;
    for (int i = 0; i < 12 && last != 429; i++) {
        assert_int_equal(t_gw("POST", "/auth/login", NULL, body, &r), 0);
        last = r.status;
        if (last == 429) {
            char retry[32];
            assert_true(t_resp_header(&r, "Retry-After", retry, sizeof retry));
            assert_string_equal(error_code(&r), "RATE_LIMITED");
        } else {
            assert_int_equal(last, 401);
        }
        t_resp_free(&r);
    }
    assert_int_equal(last, 429);
    /* Even the right password is refused while the account is locked out. */
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"correct horse battery\"}",
             email);
    assert_int_equal(t_gw("POST", "/auth/login", NULL, body, &r), 0);
    assert_int_equal(r.status, 429);
    t_resp_free(&r);
}

int main(void)
{
    stack_load();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_input_register_changes_nothing),
        cmocka_unit_test(test_bad_input_tokens_are_refused),
        cmocka_unit_test(test_bad_input_login_is_rate_limited_per_account),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
