/* routes.c - notification's route table and thin handlers: parse, authorize, read or
 * change (store.c), render.
 *
 * A user sees only their own messages and preferences: the user id comes from the
 * verified token, never from the request. Admins see every message, with filters.
 */
#include "routes.h"

#include <stdlib.h>
#include <string.h>

#include "common/auth.h"
#include "common/db.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/service.h"
#include "notify.h"
#include "store.h"

#define LIST_LIMIT_DEFAULT 20
#define LIST_LIMIT_MAX     100

/* A failure from the store: a transaction that kept conflicting is temporary (503);
 * input was validated before, so anything else is our bug (500). */
static void reply_failure(http_req_t *req, int rc)
{
    if (rc == ERR_RETRY)
        rc = ERR_UNAVAILABLE;
    if (rc != ERR_UNAVAILABLE)
        rc = ERR_INTERNAL;
    http_reply_err(req, rc, rc == ERR_UNAVAILABLE ? "the database is unavailable" : NULL);
}

/* Ends a request's validation: replies 400 with chk's problems (NULL), or frees chk and
 * gives the worker's database connection (NULL after service_db() replied 503). */
static PGconn *checked_db(http_req_t *req, json_check_t *chk)
{
    if (!json_check_ok(chk)) {
        http_reply_invalid(req, chk);
        return NULL;
    }
    json_check_free(chk);
    return service_db(req);
}

/* ---- lists -------------------------------------------------------------------------- */

static const char *const statuses[] = {"PENDING", "SENDING", "SENT", "FAILED", "SKIPPED", NULL};

/* Replies with one page of messages matching f (the list's query parameters parsed into
 * it first). */
static void reply_list(http_req_t *req, message_filter_t *f, bool admin)
{
    json_check_t chk;
    char status[64], channel[64], user_id[64], order_id[64];
    int limit = LIST_LIMIT_DEFAULT;
    int64_t before = 0;
    json_check_init(&chk);
    http_page_query(req, &chk, LIST_LIMIT_MAX, &limit, &before);
    if (http_query(req, "status", status, sizeof status)) {
        bool ok = false;
        for (int i = 0; statuses[i] != NULL; i++)
            ok = ok || strcmp(status, statuses[i]) == 0;
        if (ok)
            f->status = status;
        else
            json_check_fail(&chk, "status", "must be PENDING, SENDING, SENT, FAILED or SKIPPED");
    }
    if (http_query(req, "channel", channel, sizeof channel)) {
        if (notify_channel_valid(channel))
            f->channel = channel;
        else
            json_check_fail(&chk, "channel", "must be email or sms");
    }
    if (http_query(req, "order_id", order_id, sizeof order_id)) {
        if (id_is_uuid(order_id))
            f->order_id = order_id;
        else
            json_check_fail(&chk, "order_id", "must be a UUID");
    }
    if (admin && http_query(req, "user_id", user_id, sizeof user_id)) {
        if (id_is_uuid(user_id))
            f->user_id = user_id;
        else
            json_check_fail(&chk, "user_id", "must be a UUID");
    }
    PGconn *conn = checked_db(req, &chk);
    if (conn == NULL)
        return;
    cJSON *items = NULL;
    int64_t next = 0;
    int rc = store_list(conn, f, before, limit, admin, &items, &next);
    if (rc != 0) {
        reply_failure(req, rc);
        return;
    }
    http_reply_json_or_500(req, 200, json_page(items, next));
}

/* GET /user/notifications: the caller's own messages, newest first. */
static void handle_user_list(http_req_t *req)
{
    auth_principal_t me;
    if (auth_require(req, NULL, &me) != 0)
        return;
    message_filter_t f = {.user_id = me.user_id};
    reply_list(req, &f, false);
}

/* GET /admin/notifications: every message, filtered by user_id, order_id, status, channel. */
static void handle_admin_list(http_req_t *req)
{
    auth_principal_t me;
    if (auth_require(req, "admin", &me) != 0)
        return;
    message_filter_t f = {0};
    reply_list(req, &f, true);
}

/* ---- preferences -------------------------------------------------------------------- */

static void reply_prefs(http_req_t *req, PGconn *conn, const char *user_id)
{
    bool email = true, sms = true;
    int rc = store_prefs_get(conn, user_id, &email, &sms);
    if (rc != 0) {
        reply_failure(req, rc);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    if (out == NULL || cJSON_AddBoolToObject(out, "email", email) == NULL ||
        cJSON_AddBoolToObject(out, "sms", sms) == NULL) {
        cJSON_Delete(out);
        http_reply_err(req, ERR_INTERNAL, NULL);
        return;
    }
    http_reply_json(req, 200, out);
}

/* GET /user/notification-preferences: {email, sms}, true where the user gets messages. */
static void handle_prefs_get(http_req_t *req)
{
    auth_principal_t me;
    if (auth_require(req, NULL, &me) != 0)
        return;
    PGconn *conn = service_db(req);
    if (conn != NULL)
        reply_prefs(req, conn, me.user_id);
}

typedef struct prefs_args {
    const char *user_id;
    int email, sms; /* -1 unchanged, 0 off, 1 on */
} prefs_args_t;

static int prefs_tx(PGconn *conn, void *arg)
{
    prefs_args_t *a = arg;
    int rc = 0;
    if (a->email >= 0)
        rc = store_prefs_set(conn, a->user_id, "email", a->email == 0);
    if (rc == 0 && a->sms >= 0)
        rc = store_prefs_set(conn, a->user_id, "sms", a->sms == 0);
    return rc;
}

/* A boolean member: -1 when absent, 0/1, or -2 (recorded in chk) when not a boolean. */
static int bool_member(json_check_t *chk, const cJSON *body, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    if (v == NULL)
        return -1;
    if (!cJSON_IsBool(v)) {
        json_check_fail(chk, name, "must be true or false");
        return -2;
    }
    return cJSON_IsTrue(v) ? 1 : 0;
}

/* PUT /user/notification-preferences {email?: bool, sms?: bool}: false opts the user out
 * of the channel (messages already queued for it are skipped too). */
static void handle_prefs_put(http_req_t *req)
{
    auth_principal_t me;
    cJSON *body;
    json_check_t chk;
    if (auth_require(req, NULL, &me) != 0 || http_json_body(req, &body) != 0)
        return;
    json_check_init(&chk);
    prefs_args_t a = {.user_id = me.user_id};
    a.email = bool_member(&chk, body, "email");
    a.sms = bool_member(&chk, body, "sms");
    const cJSON *member;
    cJSON_ArrayForEach(member, body)
    {
        if (strcmp(member->string, "email") != 0 && strcmp(member->string, "sms") != 0)
            json_check_fail(&chk, member->string, "is not a preference (email, sms)");
    }
    if (json_check_ok(&chk) && a.email == -1 && a.sms == -1)
        json_check_fail(&chk, "email", "give email or sms (or both)");
    PGconn *conn = checked_db(req, &chk);
    if (conn == NULL)
        return;
    int rc = db_tx(prefs_tx, &a);
    if (rc != 0)
        reply_failure(req, rc);
    else
        reply_prefs(req, conn, me.user_id);
}

static const http_route_t routes[] = {
    {"GET", "/user/notifications", handle_user_list},
    {"GET", "/admin/notifications", handle_admin_list},
    {"GET", "/user/notification-preferences", handle_prefs_get},
    {"PUT", "/user/notification-preferences", handle_prefs_put},
};

const http_route_t *routes_table(size_t *count)
{
    *count = sizeof routes / sizeof routes[0];
    return routes;
}
