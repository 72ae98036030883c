/* outbox.c - writing events into the transactional outbox.
 *
 * The row is written in the caller's transaction, so the event exists if and only if
 * the state change it describes commits. The relay publishes it afterwards.
 */
#include "common/events.h"

#include <stdlib.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/log.h"

/* One round trip: the insert, and a notification that PostgreSQL delivers only when
 * (and if) the transaction commits, so the relay wakes at once instead of polling.
 * Several events in one transaction fold into one notification. The channel carries
 * the schema, so relays of other services sharing the database are not woken. */
static const char insert_sql[] =
    "WITH ins AS ("
    " INSERT INTO outbox (event_id, topic, key, type, payload)"
    " VALUES ($1, $2, $3, $4, $5) RETURNING 1)"
    " SELECT pg_notify(left('outbox_' || current_schema(), 63), '') FROM ins";

int outbox_put(PGconn *conn, const char *topic, const char *key, const char *type,
               const char *dataschema, int64_t sequence, cJSON *data, const event_ctx_t *ctx)
{
    cJSON *ev;
    char *payload = NULL;
    int rc;

    if (!topic || !*topic || !type || !*type) {
        cJSON_Delete(data);
        return ERR_INVALID;
    }
    /* The aggregate id is both the subject and the partitioning key. */
    ev = event_envelope(type, key ? key : "", dataschema, sequence, data, ctx);
    if (!ev)
        return ERR_INTERNAL;
    payload = cJSON_PrintUnformatted(ev);
    if (!payload) {
        rc = ERR_INTERNAL;
        goto out;
    }
    const char *params[5] = {cJSON_GetObjectItemCaseSensitive(ev, "id")->valuestring, topic, key,
                             type, payload};
    rc = db_exec(conn, insert_sql, 5, params);
    if (rc)
        log_warn("outbox: cannot write %s event (%d)", type, rc);
out:
    free(payload);
    cJSON_Delete(ev);
    return rc;
}
