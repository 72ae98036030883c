/* operations.c - shipment changes with their history and events (see operations.h).
 *
 * Every change follows the same steps inside one transaction: lock the shipment row,
 * check the rule on what is locked (shipment.c, assign.c), write the new state with the
 * next version, a history row when the status moved, and the event whose sequence is that
 * version. A refusal returns an error, so db_tx (or the consumer) rolls back whatever was
 * written. Transaction bodies reset their outputs first, because db_tx may run them again
 * after a deadlock or serialization failure.
 */
#include "operations.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/log.h"
#include "shipment_events.h"

static _Atomic int g_rule = ASSIGN_OFF;

void op_set_assign_rule(assign_rule_t rule)
{
    atomic_store(&g_rule, (int)rule);
}

assign_rule_t op_assign_rule(void)
{
    return (assign_rule_t)atomic_load(&g_rule);
}

/* ---- shared steps ------------------------------------------------------------------ */

static shipment_view_t view_of(const shipment_row_t *r)
{
    shipment_view_t v = {
        .id = r->id,
        .order_id = r->order_id,
        .order_number = r->order_number,
        .customer_id = r->customer_id,
        .seller_id = r->seller_id,
        .status = r->status,
        .courier_id = r->courier_id,
        .courier_name = r->courier_name,
        .tracking_number = r->tracking_number,
        .address = r->address,
        .lines = r->lines,
        .created_at = r->created_at,
    };
    return v;
}

/* Writes one event about the shipment into the outbox at its current version; takes data
 * (NULL: out of memory). */
static int put_event(PGconn *conn, const char *type, const shipment_row_t *r, cJSON *data,
                     const event_ctx_t *ctx)
{
    char schema[64];
    if (data == NULL)
        return ERR_INTERNAL;
    snprintf(schema, sizeof schema, "store.fulfillment.v1.%s", type);
    return outbox_put(conn, FULFILLMENT_TOPIC, r->id, type, schema, r->version, data, ctx);
}

/* Moves a locked shipment to status to: the row, a history row, ShipmentStatusChanged. */
static int apply_move(PGconn *conn, shipment_row_t *row, shipment_status_t to, const char *actor,
                      const event_ctx_t *ctx)
{
    shipment_status_t from = row->status;
    char at[STORE_TIME_LEN];
    row->status = to;
    row->version++;
    int rc = store_shipment_set_status(conn, row);
    if (rc == 0)
        rc = store_history_add(conn, row->id, shipment_status_name(from), shipment_status_name(to),
                               actor, at);
    if (rc != 0)
        return rc;
    shipment_view_t v = view_of(row);
    return put_event(conn, EV_SHIPMENT_STATUS_CHANGED, row,
                     shipment_event_status_changed(&v, from, to, actor, at), ctx);
}

/* A tracking number: the courier's prefix, a dash and 10 characters of Crockford base32
 * (50 random bits), e.g. "PTH-7K2M9QX4RB". The unique key catches the improbable repeat:
 * the transaction fails and is tried again (consumer) or answers 409 (admin). */
static int tracking_number(const char *prefix, char out[40])
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    unsigned char b[10];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
        return ERR_INTERNAL;
    char tail[11];
    for (int i = 0; i < 10; i++)
        tail[i] = alphabet[b[i] & 31];
    tail[10] = '\0';
    snprintf(out, 40, "%s-%s", prefix, tail);
    return 0;
}

/* Gives a locked shipment to a locked courier: tracking number, version, CourierAssigned. */
static int assign_to(PGconn *conn, shipment_row_t *row, const courier_row_t *c, const char *rule,
                     const event_ctx_t *ctx)
{
    char assigned_at[STORE_TIME_LEN];
    int rc = tracking_number(c->tracking_prefix, row->tracking_number);
    if (rc != 0)
        return rc;
    snprintf(row->courier_id, sizeof row->courier_id, "%s", c->id);
    snprintf(row->courier_name, sizeof row->courier_name, "%s", c->name);
    row->version++;
    rc = store_shipment_set_courier(conn, row, assigned_at);
    if (rc != 0)
        return rc;
    shipment_view_t v = view_of(row);
    return put_event(conn, EV_COURIER_ASSIGNED, row,
                     shipment_event_courier_assigned(&v, rule, assigned_at), ctx);
}

/* Auto-assignment of a new shipment under the configured rule; no eligible courier leaves
 * it for an admin. */
static int auto_assign(PGconn *conn, shipment_row_t *row, assign_rule_t rule,
                       const event_ctx_t *ctx)
{
    int64_t last = 0;
    courier_row_t *couriers = NULL;
    courier_load_t *loads = NULL;
    int n = 0;
    int rc = rule == ASSIGN_ROUND_ROBIN ? store_cursor_lock(conn, &last) : 0;
    if (rc == 0)
        rc = store_couriers_lock_active(conn, row->zone_id, &couriers, &loads, &n);
    if (rc != 0)
        return rc;
    int pick = assign_pick(rule, loads, n, last);
    if (pick < 0) {
        log_info("shipment %s: no courier eligible under rule %s; an admin assigns it", row->id,
                 assign_rule_name(rule));
    } else {
        rc = assign_to(conn, row, &couriers[pick], assign_rule_name(rule), ctx);
        if (rc == 0 && rule == ASSIGN_ROUND_ROBIN)
            rc = store_cursor_set(conn, couriers[pick].seq);
    }
    free(couriers);
    free(loads);
    return rc;
}

/* ---- from order events ------------------------------------------------------------- */

/* The id of the zone the address lies in (any currency), or NULL. Borrowed from zs. */
static const char *zone_of(const zone_set_t *zs, const order_address_t *a)
{
    ship_address_t sa = {
        .country = a->country,
        .city = a->city,
        .district = a->district,
        .postal_code = a->postal_code,
    };
    int i = zone_best(zs->zones, zs->count, &sa, NULL);
    return i >= 0 ? zs->zones[i].id : NULL;
}

/* Creates the shipment of seller group g, unless it exists. */
static int create_one(PGconn *conn, const order_confirmed_t *o, int g, const char *zone_id,
                      const char *address_json, const event_ctx_t *ctx)
{
    cJSON *lines = order_group_lines_json(o, g);
    char *lines_json = lines != NULL ? cJSON_PrintUnformatted(lines) : NULL;
    cJSON_Delete(lines);
    if (lines_json == NULL)
        return ERR_INTERNAL;
    shipment_new_t s = {
        .order_id = o->order_id,
        .order_number = o->order_number,
        .customer_id = o->customer_id,
        .seller_id = o->groups[g].seller_id,
        .zone_id = zone_id,
        .address_json = address_json,
        .lines_json = lines_json,
    };
    shipment_row_t row = {0};
    bool created = false;
    char at[STORE_TIME_LEN];
    int rc = store_shipment_insert(conn, &s, &created, &row);
    cJSON_free(lines_json);
    if (rc != 0 || !created) {
        if (rc == 0)
            log_info("order %s: the shipment of seller %s exists already", o->order_id,
                     s.seller_id);
        return rc;
    }
    rc = store_history_add(conn, row.id, NULL, shipment_status_name(SHIP_CONFIRMED), "system", at);
    if (rc == 0) {
        shipment_view_t v = view_of(&row);
        rc = put_event(conn, EV_SHIPMENT_CREATED, &row, shipment_event_created(&v), ctx);
    }
    assign_rule_t rule = op_assign_rule();
    if (rc == 0 && rule != ASSIGN_OFF)
        rc = auto_assign(conn, &row, rule, ctx);
    store_shipment_row_free(&row);
    return rc;
}

int op_order_confirmed(PGconn *conn, const order_confirmed_t *o, const event_ctx_t *ctx)
{
    bool cancelled = false;
    int rc = store_cancelled_order_is(conn, o->order_id, &cancelled);
    if (rc != 0)
        return rc;
    if (cancelled) {
        log_warn("order %s: confirmed after it was cancelled; no shipment", o->order_id);
        return 0;
    }
    zone_set_t zones;
    rc = store_zones_active(conn, &zones);
    if (rc != 0)
        return rc;
    const char *zone_id = zone_of(&zones, &o->address);
    cJSON *address = order_address_json(&o->address);
    char *address_json = address != NULL ? cJSON_PrintUnformatted(address) : NULL;
    cJSON_Delete(address);
    rc = address_json != NULL ? 0 : ERR_INTERNAL;
    for (int g = 0; rc == 0 && g < o->group_count; g++)
        rc = create_one(conn, o, g, zone_id, address_json, ctx);
    cJSON_free(address_json);
    store_zone_set_free(&zones);
    return rc;
}

int op_order_cancelled(PGconn *conn, const char *order_id, const event_ctx_t *ctx)
{
    char(*ids)[37] = NULL;
    int n = 0;
    int rc = store_cancelled_order_add(conn, order_id);
    if (rc == 0)
        rc = store_order_shipments_lock(conn, order_id, &ids, &n);
    for (int i = 0; rc == 0 && i < n; i++) {
        shipment_row_t row;
        rc = store_shipment_get(conn, ids[i], false, &row); /* locked above */
        if (rc != 0)
            break;
        shipment_verdict_t v = shipment_transition(row.status, SHIP_CANCELLED);
        if (v == SHIP_MOVE_OK)
            rc = apply_move(conn, &row, SHIP_CANCELLED, "system", ctx);
        else if (v != SHIP_MOVE_SAME)
            log_warn("order %s cancelled: shipment %s is %s and stays so", order_id, row.id,
                     shipment_status_name(row.status));
        store_shipment_row_free(&row);
    }
    free(ids);
    return rc;
}

/* ---- admin assignment -------------------------------------------------------------- */

typedef struct assign_tx {
    const char *shipment_id, *courier_id;
    const event_ctx_t *ctx;
    assign_outcome_t *out;
} assign_tx_t;

static int assign_fn(PGconn *conn, void *arg)
{
    assign_tx_t *t = arg;
    assign_outcome_t *out = t->out;
    store_shipment_row_free(&out->row);
    out->refusal = ASSIGN_REFUSE_NONE;
    int rc = store_shipment_get(conn, t->shipment_id, true, &out->row);
    if (rc == ERR_NOT_FOUND)
        out->refusal = ASSIGN_REFUSE_NO_SHIPMENT;
    if (rc != 0)
        return rc;
    if (!shipment_courier_changeable(out->row.status)) {
        out->refusal = ASSIGN_REFUSE_TOO_LATE;
        return ERR_CONFLICT;
    }
    courier_row_t c;
    rc = store_courier_lock(conn, t->courier_id, &c);
    if (rc == ERR_NOT_FOUND)
        out->refusal = ASSIGN_REFUSE_NO_COURIER;
    if (rc != 0)
        return rc;
    if (strcmp(out->row.courier_id, c.id) == 0)
        return 0; /* already this courier's: nothing to change */
    if (!c.active) {
        out->refusal = ASSIGN_REFUSE_INACTIVE;
        return ERR_CONFLICT;
    }
    if (c.open >= c.capacity) {
        out->refusal = ASSIGN_REFUSE_FULL;
        return ERR_CONFLICT;
    }
    return assign_to(conn, &out->row, &c, "manual", t->ctx);
}

int op_assign(const char *shipment_id, const char *courier_id, const event_ctx_t *ctx,
              assign_outcome_t *out)
{
    memset(out, 0, sizeof *out);
    assign_tx_t t = {
        .shipment_id = shipment_id,
        .courier_id = courier_id,
        .ctx = ctx,
        .out = out,
    };
    int rc = db_tx(assign_fn, &t);
    if (rc != 0)
        store_shipment_row_free(&out->row);
    return rc;
}

/* ---- status moves ------------------------------------------------------------------ */

typedef struct move_tx {
    const char *key;
    bool by_tracking;
    shipment_status_t to;
    const move_actor_t *actor;
    const event_ctx_t *ctx;
    move_outcome_t *out;
} move_tx_t;

static int move_fn(PGconn *conn, void *arg)
{
    move_tx_t *t = arg;
    move_outcome_t *out = t->out;
    store_shipment_row_free(&out->row);
    out->verdict = SHIP_MOVE_OK;
    out->needs_courier = out->unchanged = false;
    int rc = t->by_tracking ? store_shipment_lock_by_tracking(conn, t->key, &out->row)
                            : store_shipment_get(conn, t->key, true, &out->row);
    if (rc != 0)
        return rc;
    if (t->actor->seller_id != NULL && strcmp(out->row.seller_id, t->actor->seller_id) != 0)
        return ERR_FORBIDDEN;
    out->verdict = shipment_transition(out->row.status, t->to);
    if (out->verdict == SHIP_MOVE_SAME && t->actor->same_is_ok) {
        out->unchanged = true;
        return 0;
    }
    if (out->verdict != SHIP_MOVE_OK)
        return ERR_CONFLICT;
    if (t->to != SHIP_CANCELLED && t->to >= SHIP_SHIPPED && out->row.courier_id[0] == '\0') {
        out->needs_courier = true;
        return ERR_CONFLICT;
    }
    char actor[64];
    snprintf(actor, sizeof actor, "%s:%s", t->actor->kind,
             t->actor->id != NULL ? t->actor->id : out->row.courier_id);
    return apply_move(conn, &out->row, t->to, actor, t->ctx);
}

int op_move(const char *key, bool by_tracking, shipment_status_t to, const move_actor_t *actor,
            const event_ctx_t *ctx, move_outcome_t *out)
{
    memset(out, 0, sizeof *out);
    move_tx_t t = {
        .key = key,
        .by_tracking = by_tracking,
        .to = to,
        .actor = actor,
        .ctx = ctx,
        .out = out,
    };
    int rc = db_tx(move_fn, &t);
    /* A refusal keeps the row: the caller shows its current status. */
    if (rc != 0 && rc != ERR_CONFLICT)
        store_shipment_row_free(&out->row);
    return rc;
}
