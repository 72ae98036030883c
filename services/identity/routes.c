/* routes.c - identity's route table and thin handlers: parse, authorize, call
 * accounts.c or store.c, render.
 *
 * Every handler authenticates the caller itself (auth_require or
 * auth_require_service); nothing set by the gateway is trusted. Bodies are read with
 * http_json_body, which answers malformed, oversized or non-JSON bodies itself, and
 * every field is validated before anything is written.
 */
#include "routes.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "common/auth.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/service.h"
#include "store.h"
#include "users.h"

/* Longest password accepted at login; registration enforces the real policy. */
#define LOGIN_PASSWORD_MAX 1024
#define CLIENT_ADDR_MAX    64

static char *jwks_text;
static int address_cap;

/* ---- replies ------------------------------------------------------------------------ */

/* The common error envelope with extra headers (Retry-After with a real value), which
 * http_reply_error cannot carry. */
static void reply_error_with(http_req_t *req, int status, const char *code, const char *message,
                             const char *extra_headers)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *error = cJSON_AddObjectToObject(root, "error");
    const char *rid = http_request_id(req);
    char *text = NULL;
    if (error != NULL && cJSON_AddStringToObject(error, "code", code) != NULL &&
        cJSON_AddStringToObject(error, "message", message) != NULL &&
        cJSON_AddObjectToObject(error, "details") != NULL &&
        cJSON_AddStringToObject(root, "request_id", rid ? rid : "") != NULL)
        text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (text == NULL) {
        http_reply_error(req, status, code, message, NULL);
        return;
    }
    http_reply_raw(req, status, "application/json", extra_headers, text, strlen(text));
    cJSON_free(text);
}

/* JSON with headers: tokens must not be cached anywhere (RFC 6749 5.1). */
static void reply_json_with(http_req_t *req, int status, cJSON *body, const char *extra_headers)
{
    char *text = body ? cJSON_PrintUnformatted(body) : NULL;
    cJSON_Delete(body);
    if (text == NULL) {
        http_reply_err(req, ERR_INTERNAL, NULL);
        return;
    }
    http_reply_raw(req, status, "application/json", extra_headers, text, strlen(text));
    sodium_memzero(text, strlen(text));
    cJSON_free(text);
}

/* A failure from accounts or store. A transaction that kept conflicting is a
 * temporary condition, so it is a 503 the client may retry. */
static void reply_failure(http_req_t *req, int rc)
{
    if (rc == ERR_RETRY)
        rc = ERR_UNAVAILABLE;
    if (rc == ERR_INVALID)
        rc = ERR_INTERNAL; /* the input was validated: a constraint failing is our bug */
    http_reply_err(req, rc, NULL);
}

static cJSON *user_json(const user_row_t *u, bool with_created)
{
    cJSON *o = cJSON_CreateObject();
    if (cJSON_AddStringToObject(o, "id", u->id) == NULL ||
        cJSON_AddStringToObject(o, "email", u->email) == NULL ||
        cJSON_AddStringToObject(o, "name", u->name) == NULL ||
        cJSON_AddStringToObject(o, "role", u->role) == NULL ||
        (with_created && cJSON_AddStringToObject(o, "created_at", u->created_at) == NULL)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *session_json(const session_t *s)
{
    cJSON *o = cJSON_CreateObject();
    if (cJSON_AddStringToObject(o, "access_token", s->access_token) == NULL ||
        cJSON_AddStringToObject(o, "token_type", "Bearer") == NULL ||
        cJSON_AddNumberToObject(o, "expires_in", (double)s->expires_in) == NULL ||
        cJSON_AddStringToObject(o, "refresh_token", s->refresh_token) == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* ---- request context ---------------------------------------------------------------- */

static bool service_token_ok(http_req_t *req)
{
    const char *given = http_header(req, "X-Service-Token");
    const char *mine = auth_service_token();
    if (given == NULL || mine == NULL)
        return false;
    size_t n = strlen(mine);
    return strlen(given) == n && sodium_memcmp(given, mine, n) == 0;
}

/* The client address the login limiter counts against. X-Forwarded-For is believed
 * only from a caller holding the service credential (the gateway); from anyone else
 * it is just a header a client could set. The last entry is the one the gateway
 * itself observed. */
static const char *client_of(http_req_t *req, char buf[CLIENT_ADDR_MAX])
{
    const char *xff = http_header(req, "X-Forwarded-For");
    if (xff != NULL && service_token_ok(req)) {
        const char *last = strrchr(xff, ',');
        last = last ? last + 1 : xff;
        while (*last == ' ')
            last++;
        size_t n = strcspn(last, " ");
        bool ok = n > 0 && n < CLIENT_ADDR_MAX;
        for (size_t i = 0; ok && i < n; i++)
            ok = strchr("0123456789abcdefABCDEF:.", last[i]) != NULL;
        if (ok) {
            memcpy(buf, last, n);
            buf[n] = '\0';
            return buf;
        }
    }
    const char *remote = http_remote_addr(req);
    return remote ? remote : "unknown";
}

/* ---- /auth -------------------------------------------------------------------------- */

static void handle_register(http_req_t *req)
{
    cJSON *body;
    json_check_t chk;
    char email[USER_EMAIL_MAX + 1];
    if (http_json_body(req, &body) != 0)
        return;

    json_check_init(&chk);
    const char *raw_email = json_req_string(&chk, body, "email", 3, USER_EMAIL_MAX);
    const char *password = json_req_string(&chk, body, "password", 0, LOGIN_PASSWORD_MAX);
    const char *name = json_req_string(&chk, body, "name", 1, USER_NAME_MAX);
    const char *role = json_req_string(&chk, body, "role", 1, 32);
    if (raw_email != NULL && !user_email_normalize(raw_email, email, sizeof email))
        json_check_fail(&chk, "email", "must be a valid email address");
    const char *problem = password ? user_password_problem(password) : NULL;
    if (problem != NULL)
        json_check_fail(&chk, "password", problem);
    if (name != NULL && !user_name_ok(name))
        json_check_fail(&chk, "name", "must be printable text, not blank");
    if (role != NULL && !user_role_self_registrable(role))
        json_check_fail(&chk, "role", "must be \"customer\" or \"seller\"");
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);

    event_ctx_t ctx = service_event_ctx(req);
    user_row_t user;
    int rc = account_register(email, password, name, role, &ctx, &user);
    if (rc == ERR_CONFLICT) {
        http_reply_error(req, 409, "EMAIL_TAKEN", "an account with this email already exists",
                         NULL);
        return;
    }
    if (rc != 0) {
        reply_failure(req, rc);
        return;
    }
    cJSON *out = user_json(&user, false);
    if (out == NULL)
        http_reply_err(req, ERR_INTERNAL, NULL);
    else
        http_reply_json(req, 201, out);
}

/* Sends a new token pair, never cached, and wipes it from memory. */
static void reply_session(http_req_t *req, session_t *s)
{
    cJSON *out = session_json(s);
    session_clear(s);
    if (out == NULL)
        http_reply_err(req, ERR_INTERNAL, NULL);
    else
        reply_json_with(req, 200, out, "Cache-Control: no-store\r\n");
}

static void handle_login(http_req_t *req)
{
    cJSON *body;
    json_check_t chk;
    char client_buf[CLIENT_ADDR_MAX];
    if (http_json_body(req, &body) != 0)
        return;

    json_check_init(&chk);
    const char *email = json_req_string(&chk, body, "email", 1, USER_EMAIL_MAX);
    const char *password = json_req_string(&chk, body, "password", 1, LOGIN_PASSWORD_MAX);
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);

    session_t s;
    int retry_after = 0;
    int rc = account_login(email, password, client_of(req, client_buf), &s, &retry_after);
    if (rc == ERR_RATE_LIMITED) {
        char headers[48];
        snprintf(headers, sizeof headers, "Retry-After: %d\r\n", retry_after);
        reply_error_with(req, 429, "RATE_LIMITED", "too many failed logins; try again later",
                         headers);
        return;
    }
    if (rc == ERR_UNAUTHORIZED) {
        http_reply_error(req, 401, "INVALID_CREDENTIALS", "the email or password is incorrect",
                         NULL);
        return;
    }
    if (rc != 0) {
        reply_failure(req, rc);
        return;
    }
    reply_session(req, &s);
}

static void handle_refresh(http_req_t *req)
{
    cJSON *body;
    json_check_t chk;
    if (http_json_body(req, &body) != 0)
        return;
    json_check_init(&chk);
    const char *token = json_req_string(&chk, body, "refresh_token", 1, 256);
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);

    session_t s;
    int rc = account_refresh(token, &s);
    if (rc == ERR_UNAUTHORIZED) {
        http_reply_error(req, 401, "INVALID_REFRESH_TOKEN",
                         "the refresh token is invalid, expired or revoked", NULL);
        return;
    }
    if (rc != 0) {
        reply_failure(req, rc);
        return;
    }
    reply_session(req, &s);
}

static void handle_logout(http_req_t *req)
{
    auth_principal_t me;
    cJSON *body;
    json_check_t chk;
    if (auth_require(req, NULL, &me) != 0 || http_json_body(req, &body) != 0)
        return;
    json_check_init(&chk);
    const char *token = json_req_string(&chk, body, "refresh_token", 1, 256);
    if (!json_check_ok(&chk)) {
        http_reply_invalid(req, &chk);
        return;
    }
    json_check_free(&chk);

    int rc = account_logout(me.user_id, token);
    if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json(req, 204, NULL);
}

/* ---- /user -------------------------------------------------------------------------- */

/* Replies with user id's profile (full: with created_at, for the user themself); the
 * password hash read with it is wiped before anything else happens. */
static void reply_user(http_req_t *req, const char *id, bool full)
{
    user_row_t user;
    PGconn *conn = service_db(req);
    if (conn == NULL)
        return;
    int rc = store_user_by_id(conn, id, &user);
    sodium_memzero(user.password_hash, sizeof user.password_hash);
    if (rc == ERR_NOT_FOUND) {
        http_reply_err(req, ERR_NOT_FOUND, "no such user");
        return;
    }
    if (rc != 0) {
        reply_failure(req, rc);
        return;
    }
    cJSON *out = user_json(&user, full);
    if (out == NULL)
        http_reply_err(req, ERR_INTERNAL, NULL);
    else
        http_reply_json(req, 200, out);
}

static void handle_me(http_req_t *req)
{
    auth_principal_t me;
    if (auth_require(req, NULL, &me) != 0)
        return;
    reply_user(req, me.user_id, true);
}

static void handle_list_addresses(http_req_t *req)
{
    auth_principal_t me;
    cJSON *out = NULL;
    if (auth_require(req, NULL, &me) != 0)
        return;
    PGconn *conn = service_db(req);
    if (conn == NULL)
        return;
    int rc = store_address_list(conn, me.user_id, &out);
    if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json(req, 200, out);
}

/* Parses and validates an address body; on failure it has replied. */
static bool address_body(http_req_t *req, address_fields_t *a)
{
    cJSON *body;
    json_check_t chk;
    if (http_json_body(req, &body) != 0)
        return false;
    json_check_init(&chk);
    if (!address_parse(&chk, body, a)) {
        http_reply_invalid(req, &chk);
        return false;
    }
    json_check_free(&chk);
    return true;
}

static void handle_create_address(http_req_t *req)
{
    auth_principal_t me;
    address_fields_t a;
    cJSON *out = NULL;
    char id[ID_UUID_LEN];
    if (auth_require(req, NULL, &me) != 0 || !address_body(req, &a))
        return;
    PGconn *conn = service_db(req);
    if (conn == NULL)
        return;
    id_uuid(id);
    int rc = store_address_insert(conn, id, me.user_id, &a, address_cap, &out);
    if (rc == ERR_CONFLICT) {
        char msg[96];
        snprintf(msg, sizeof msg, "an account may keep at most %d addresses", address_cap);
        http_reply_error(req, 409, "ADDRESS_LIMIT", msg, NULL);
        return;
    }
    if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json(req, 201, out);
}

/* The :id of the path when it is a UUID; otherwise it has replied 404 (an id that
 * cannot exist is simply not found). */
static const char *path_id(http_req_t *req, const char *name)
{
    const char *id = http_param(req, name);
    if (id == NULL || !id_is_uuid(id)) {
        http_reply_err(req, ERR_NOT_FOUND, "no such address");
        return NULL;
    }
    return id;
}

static void handle_update_address(http_req_t *req)
{
    auth_principal_t me;
    address_fields_t a;
    cJSON *out = NULL;
    const char *id;
    if (auth_require(req, NULL, &me) != 0 || (id = path_id(req, "id")) == NULL ||
        !address_body(req, &a))
        return;
    PGconn *conn = service_db(req);
    if (conn == NULL)
        return;
    int rc = store_address_update(conn, id, me.user_id, &a, &out);
    if (rc == ERR_NOT_FOUND)
        http_reply_err(req, ERR_NOT_FOUND, "no such address");
    else if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json(req, 200, out);
}

static void handle_delete_address(http_req_t *req)
{
    auth_principal_t me;
    const char *id;
    if (auth_require(req, NULL, &me) != 0 || (id = path_id(req, "id")) == NULL)
        return;
    PGconn *conn = service_db(req);
    if (conn == NULL)
        return;
    int rc = store_address_delete(conn, id, me.user_id);
    if (rc == ERR_NOT_FOUND)
        http_reply_err(req, ERR_NOT_FOUND, "no such address");
    else if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json(req, 204, NULL);
}

/* ---- keys and internal routes ------------------------------------------------------- */

static void handle_jwks(http_req_t *req)
{
    /* Verifiers may cache the key set briefly; a rotation should publish the new key
     * well before signing with it. */
    http_reply_raw(req, 200, "application/json", "Cache-Control: public, max-age=300\r\n",
                   jwks_text, strlen(jwks_text));
}

static void handle_internal_user(http_req_t *req)
{
    if (auth_require_service(req) != 0)
        return;
    const char *id = http_param(req, "id");
    if (id == NULL || !id_is_uuid(id)) {
        http_reply_err(req, ERR_NOT_FOUND, "no such user");
        return;
    }
    reply_user(req, id, false);
}

static void handle_internal_address(http_req_t *req)
{
    cJSON *out = NULL;
    if (auth_require_service(req) != 0)
        return;
    const char *user_id = http_param(req, "id");
    const char *address_id = http_param(req, "address_id");
    if (user_id == NULL || !id_is_uuid(user_id) || address_id == NULL || !id_is_uuid(address_id)) {
        http_reply_err(req, ERR_NOT_FOUND, "no such address");
        return;
    }
    PGconn *conn = service_db(req);
    if (conn == NULL)
        return;
    int rc = store_address_get(conn, address_id, user_id, &out);
    if (rc == ERR_NOT_FOUND)
        http_reply_err(req, ERR_NOT_FOUND, "no such address");
    else if (rc != 0)
        reply_failure(req, rc);
    else
        http_reply_json(req, 200, out);
}

static const http_route_t routes[] = {
    {"POST", "/auth/register", handle_register},
    {"POST", "/auth/login", handle_login},
    {"POST", "/auth/refresh", handle_refresh},
    {"POST", "/auth/logout", handle_logout},
    {"GET", "/user/me", handle_me},
    {"GET", "/user/addresses", handle_list_addresses},
    {"POST", "/user/addresses", handle_create_address},
    {"PUT", "/user/addresses/:id", handle_update_address},
    {"DELETE", "/user/addresses/:id", handle_delete_address},
    {"GET", "/.well-known/jwks.json", handle_jwks},
    {"GET", "/internal/users/:id", handle_internal_user},
    {"GET", "/internal/users/:id/addresses/:address_id", handle_internal_address},
};

int routes_init(const tokens_t *tokens, int max_addresses)
{
    cJSON *jwks = tokens_jwks(tokens);
    if (jwks == NULL)
        return ERR_INTERNAL;
    free(jwks_text);
    jwks_text = cJSON_PrintUnformatted(jwks);
    cJSON_Delete(jwks);
    address_cap = max_addresses;
    return jwks_text != NULL ? 0 : ERR_INTERNAL;
}

const http_route_t *routes_table(size_t *count)
{
    *count = sizeof routes / sizeof routes[0];
    return routes;
}

void routes_free(void)
{
    free(jwks_text);
    jwks_text = NULL;
}
