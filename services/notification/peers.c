/* peers.c - filling the read models from identity and the order service on demand. */
#include "peers.h"

#include <stdio.h>

#include "common/errors.h"
#include "common/log.h"
#include "common/peer.h"
#include "notify.h"
#include "store.h"

static peer_t *identity;
static peer_t *orders;
static long peer_timeout_ms;

int peers_init(long timeout_ms)
{
    peer_timeout_ms = timeout_ms;
    if (peer_from_env("IDENTITY", &identity) != 0 || peer_from_env("ORDER", &orders) != 0) {
        peers_free();
        return ERR_INVALID;
    }
    return 0;
}

void peers_free(void)
{
    peer_free(identity);
    peer_free(orders);
    identity = orders = NULL;
}

/* GETs path and returns the JSON answer of a 200 in *out. */
static int get(peer_t *peer, const char *path, cJSON **out)
{
    long status = 0;
    *out = NULL;
    int rc = peer_call(peer, "GET", path, NULL, peer_timeout_ms, &status, out);
    if (rc != 0)
        return rc;
    if (status == 200 && *out != NULL)
        return 0;
    cJSON_Delete(*out);
    *out = NULL;
    if (status == 404)
        return ERR_NOT_FOUND;
    log_warn("GET %s answered %ld", path, status);
    return ERR_UNAVAILABLE;
}

int peers_fill_contact(PGconn *conn, const char *user_id)
{
    char path[96];
    cJSON *answer = NULL;
    notify_contact_t c;
    snprintf(path, sizeof path, "/internal/users/%s", user_id);
    int rc = get(identity, path, &answer);
    if (rc == 0 && notify_contact_from_api(answer, &c) != 0) {
        log_warn("identity answered a malformed user for %s", user_id);
        rc = ERR_UNAVAILABLE;
    }
    if (rc == 0)
        rc = store_contact_upsert(conn, &c);
    cJSON_Delete(answer);
    return rc;
}

int peers_fill_order(PGconn *conn, const char *order_id)
{
    char path[96];
    cJSON *answer = NULL;
    notify_order_t o;
    snprintf(path, sizeof path, "/internal/orders/%s", order_id);
    int rc = get(orders, path, &answer);
    if (rc == 0) {
        if (notify_order_from_api(answer, &o) != 0) {
            log_warn("the order service answered a malformed order for %s", order_id);
            rc = ERR_UNAVAILABLE;
        } else {
            rc = store_order_upsert(conn, &o);
            notify_order_free(&o);
        }
    }
    cJSON_Delete(answer);
    return rc;
}
