/* movements.c - stock movements with their ledger rows and events (see movements.h).
 *
 * Every movement follows the same steps inside one transaction: lock the rows it
 * changes (reservation, then SKUs in code order, then product_stock rows in product id
 * order: see store.h), check the rules on the locked counts, write the new counts, one
 * ledger row per SKU, and the events. A refusal returns an error before anything is
 * written, or after, in which case db_tx rolls the writes back; either way nothing
 * changes. Transaction bodies reset their outputs first, because db_tx may run them
 * again after a deadlock or serialization failure.
 *
 * Each event about a SKU takes the next number of the SKU's version, which is its
 * sequence, so a subscriber sees strictly growing sequences per SKU.
 */
#include "movements.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/log.h"
#include "stock_events.h"

/* ---- shared steps ------------------------------------------------------------------ */

static stock_snapshot_t snapshot_of(const sku_row_t *row)
{
    stock_snapshot_t s = {
        .sku = row->sku,
        .product_id = row->product_id,
        .on_hand = row->on_hand,
        .reserved = row->reserved,
    };
    return s;
}

/* Writes one event about a SKU into the outbox; takes data (NULL: out of memory). */
static int put_event(PGconn *conn, const char *type, const char *sku, int64_t sequence, cJSON *data,
                     const event_ctx_t *ctx)
{
    char schema[64];
    if (data == NULL)
        return ERR_INTERNAL;
    snprintf(schema, sizeof schema, "store.inventory.v1.%s", type);
    return outbox_put(conn, INVENTORY_TOPIC, sku, type, schema, sequence, data, ctx);
}

/* A SKU's available crossed zero: count it on the product (under the product row's
 * lock, which decides whether any SKU is still in stock) and publish OutOfStock or
 * BackInStock with that answer. row holds the counts after the change. */
static int emit_crossing(PGconn *conn, const sku_row_t *row, sku_crossing_t dir, int64_t sequence,
                         const event_ctx_t *ctx)
{
    bool in_stock = false;
    int64_t product_version = 0;
    int rc = store_product_cross(conn, row->product_id, dir == SKU_CROSS_BACK ? 1 : -1, &in_stock,
                                 &product_version);
    if (rc != 0)
        return rc;
    stock_snapshot_t s = snapshot_of(row);
    return put_event(conn, dir == SKU_CROSS_BACK ? EV_BACK_IN_STOCK : EV_OUT_OF_STOCK, row->sku,
                     sequence, stock_event_crossing(&s, in_stock, product_version), ctx);
}

typedef enum line_kind { LINE_RESERVE, LINE_COMMIT, LINE_RELEASE } line_kind_t;

/* A crossing found while applying lines, published once all SKUs are written. */
typedef struct crossing {
    const sku_row_t *row;
    sku_crossing_t dir;
    int64_t sequence;
} crossing_t;

static int crossing_cmp(const void *a, const void *b)
{
    const crossing_t *x = a, *y = b;
    int c = strcmp(x->row->product_id, y->row->product_id);
    return c != 0 ? c : strcmp(x->row->sku, y->row->sku);
}

/* Applies the lines of one reservation to their locked SKU rows (rows[i] belongs to
 * lines[i]; both sorted by code): new counts, a ledger row and a line event per SKU,
 * then the crossings in product id order (the lock order of product_stock rows). */
static int apply_lines(PGconn *conn, line_kind_t kind, const char *order_id, res_reason_t reason,
                       const char *expires_at, sku_row_t *rows, const res_line_t *lines, int count,
                       const event_ctx_t *ctx)
{
    static const char *const kinds[] = {"reserved", "committed", "released"};
    static const char *const types[] = {EV_STOCK_RESERVED, EV_STOCK_COMMITTED, EV_STOCK_RELEASED};
    crossing_t *crossings = calloc((size_t)count, sizeof *crossings);
    int ncross = 0, rc = 0;
    if (crossings == NULL)
        return ERR_INTERNAL;

    for (int i = 0; i < count && rc == 0; i++) {
        sku_row_t *row = &rows[i];
        int64_t q = lines[i].quantity;
        int64_t d_on_hand = kind == LINE_COMMIT ? -q : 0;
        int64_t d_reserved = kind == LINE_RESERVE ? q : -q;
        int64_t before = row->on_hand - row->reserved;
        row->on_hand += d_on_hand;
        row->reserved += d_reserved;
        sku_crossing_t dir = sku_crossing(before, row->on_hand - row->reserved);
        int64_t line_seq = row->version + 1;
        row->version = line_seq + (dir != SKU_CROSS_NONE ? 1 : 0);

        ledger_entry_t e = {
            .kind = kinds[kind],
            .on_hand_delta = d_on_hand,
            .reserved_delta = d_reserved,
            .order_id = order_id,
            .reason = kind == LINE_RELEASE ? reservation_reason_name(reason) : NULL,
        };
        stock_snapshot_t s = snapshot_of(row);
        rc = store_sku_write(conn, row, &e);
        if (rc == 0)
            rc = put_event(conn, types[kind], row->sku, line_seq,
                           stock_event_line(&s, order_id, q,
                                            kind == LINE_RESERVE ? expires_at : NULL, e.reason),
                           ctx);
        if (dir != SKU_CROSS_NONE)
            crossings[ncross++] = (crossing_t){row, dir, row->version};
    }
    if (ncross > 1)
        qsort(crossings, (size_t)ncross, sizeof *crossings, crossing_cmp);
    for (int i = 0; i < ncross && rc == 0; i++)
        rc = emit_crossing(conn, crossings[i].row, crossings[i].dir, crossings[i].sequence, ctx);
    free(crossings);
    return rc;
}

/* Locks the SKUs of a reservation's lines, which all exist (only lines of existing SKUs
 * are written, and SKUs are never deleted).
 * rows receives count entries; caller frees. */
static int lock_lines(PGconn *conn, const res_line_t *lines, int count, sku_row_t **rows)
{
    int found = 0;
    const char *missing = NULL;
    *rows = calloc(count > 0 ? (size_t)count : 1, sizeof **rows);
    if (*rows == NULL)
        return ERR_INTERNAL;
    int rc = store_skus_lock(conn, lines, count, *rows, &found, &missing);
    if (rc == 0 && found != count)
        rc = ERR_INTERNAL; /* cannot happen: see above */
    return rc;
}

/* ---- SKU creation ------------------------------------------------------------------ */

typedef struct create_tx {
    const char *sku, *product_id, *seller_id, *actor;
    const cJSON *attributes;
    const char *attributes_text;
    int64_t quantity;
    const event_ctx_t *ctx;
    sku_row_t *out;
} create_tx_t;

static int create_fn(PGconn *conn, void *arg)
{
    create_tx_t *t = arg;
    sku_row_t *row = t->out;
    memset(row, 0, sizeof *row);
    int rc = store_product_ensure(conn, t->product_id, t->seller_id);
    if (rc == 0)
        rc = store_sku_insert(conn, t->sku, t->product_id, t->seller_id, t->attributes_text,
                              t->quantity, row);
    if (rc != 0)
        return rc;
    ledger_entry_t e = {
        .kind = "created",
        .on_hand_delta = row->on_hand,
        .reserved_delta = 0,
        .actor = t->actor,
    };
    stock_snapshot_t s = snapshot_of(row);
    rc = store_ledger_add(conn, row, &e);
    if (rc == 0)
        rc = put_event(conn, EV_SKU_CREATED, row->sku, 1,
                       stock_event_sku_created(&s, row->seller_id, t->attributes), t->ctx);
    if (rc != 0 || row->on_hand == 0)
        return rc;
    /* Stock from the start: the SKU is back in stock (from nothing), version 2. */
    row->version = 2;
    rc = store_sku_version(conn, row->sku, row->version);
    if (rc == 0)
        rc = emit_crossing(conn, row, SKU_CROSS_BACK, row->version, t->ctx);
    return rc;
}

int movement_create_sku(const char *sku, const char *product_id, const char *seller_id,
                        const cJSON *attributes, int64_t quantity, const char *actor,
                        const event_ctx_t *ctx, sku_row_t *out)
{
    cJSON *empty = NULL;
    if (attributes == NULL || cJSON_IsNull(attributes))
        attributes = empty = cJSON_CreateObject();
    char *text = attributes != NULL ? cJSON_PrintUnformatted(attributes) : NULL;
    int rc = ERR_INTERNAL;
    if (text != NULL) {
        create_tx_t t = {
            .sku = sku,
            .product_id = product_id,
            .seller_id = seller_id,
            .actor = actor,
            .attributes = attributes,
            .attributes_text = text,
            .quantity = quantity,
            .ctx = ctx,
            .out = out,
        };
        rc = db_tx(create_fn, &t);
    }
    cJSON_free(text);
    cJSON_Delete(empty);
    return rc;
}

/* ---- adjustments ------------------------------------------------------------------- */

typedef struct adjust_tx {
    const char *sku, *user_id;
    bool admin, set;
    int64_t value;
    const event_ctx_t *ctx;
    adjust_outcome_t *out;
} adjust_tx_t;

static int adjust_fn(PGconn *conn, void *arg)
{
    adjust_tx_t *t = arg;
    sku_row_t *row = &t->out->row;
    memset(t->out, 0, sizeof *t->out);
    int rc = store_sku_get(conn, t->sku, true, row, NULL);
    if (rc != 0)
        return rc;
    if (!t->admin && strcmp(row->seller_id, t->user_id) != 0)
        return ERR_FORBIDDEN;
    int64_t next = 0, previous = row->on_hand;
    t->out->result = sku_adjust(row->on_hand, row->reserved, t->set, t->value, &next);
    if (t->out->result == SKU_ADJUST_NOOP)
        return 0;
    if (t->out->result != SKU_ADJUST_OK)
        return ERR_CONFLICT;

    sku_crossing_t dir = sku_crossing(previous - row->reserved, next - row->reserved);
    int64_t seq = row->version + 1;
    row->on_hand = next;
    row->version = seq + (dir != SKU_CROSS_NONE ? 1 : 0);
    ledger_entry_t e = {
        .kind = "adjusted",
        .on_hand_delta = next - previous,
        .reserved_delta = 0,
        .actor = t->user_id,
    };
    stock_snapshot_t s = snapshot_of(row);
    rc = store_sku_write(conn, row, &e);
    if (rc == 0)
        rc = put_event(conn, EV_STOCK_ADJUSTED, row->sku, seq, stock_event_adjusted(&s, previous),
                       t->ctx);
    if (rc == 0 && dir != SKU_CROSS_NONE)
        rc = emit_crossing(conn, row, dir, row->version, t->ctx);
    return rc;
}

int movement_adjust(const char *sku, const char *user_id, bool admin, bool set, int64_t value,
                    const event_ctx_t *ctx, adjust_outcome_t *out)
{
    adjust_tx_t t = {.sku = sku,
                     .user_id = user_id,
                     .admin = admin,
                     .set = set,
                     .value = value,
                     .ctx = ctx,
                     .out = out};
    return db_tx(adjust_fn, &t);
}

/* ---- reservations ------------------------------------------------------------------ */

typedef struct reserve_tx {
    const char *order_id;
    const res_line_t *lines;
    int count;
    long ttl;
    const event_ctx_t *ctx;
    reserve_outcome_t *out;
} reserve_tx_t;

static int reserve_fn(PGconn *conn, void *arg)
{
    reserve_tx_t *t = arg;
    reserve_outcome_t *o = t->out;
    sku_row_t *rows = NULL;
    bool inserted = false;
    char expires_at[STORE_TIME_LEN] = "";

    reservation_row_free(&o->res);
    memset(o, 0, sizeof *o);
    int rc = store_reservation_insert(conn, t->order_id, t->ttl, &inserted, expires_at);
    if (rc != 0)
        return rc;
    if (!inserted) {
        /* The order has reserved before (or a concurrent request just did): the same
         * lines get that reservation back, other lines are a conflict. */
        rc = store_reservation_get(conn, t->order_id, false, &o->res);
        if (rc == 0 &&
            !reservation_lines_equal(o->res.lines, o->res.line_count, t->lines, t->count)) {
            o->refusal = RESERVE_LINES_DIFFER;
            rc = ERR_CONFLICT;
        }
        return rc;
    }

    /* The lines go in before the SKUs are locked (one round trip less under the
     * lock), and tell which SKU does not exist. */
    const char *missing = NULL;
    rc = store_reservation_lines_insert(conn, t->order_id, t->lines, t->count, &missing);
    if (rc == 0 && missing != NULL) {
        o->refusal = RESERVE_UNKNOWN_SKU;
        snprintf(o->failed_sku, sizeof o->failed_sku, "%s", missing);
        rc = ERR_NOT_FOUND;
    }
    if (rc == 0)
        rc = lock_lines(conn, t->lines, t->count, &rows);
    if (rc != 0)
        goto out;
    /* The counts are locked: what is checked here is what the updates below see. */
    for (int i = 0; i < t->count; i++) {
        int64_t available = rows[i].on_hand - rows[i].reserved;
        if (available < t->lines[i].quantity) {
            o->refusal = RESERVE_OUT_OF_STOCK;
            snprintf(o->failed_sku, sizeof o->failed_sku, "%s", rows[i].sku);
            o->failed_available = available > 0 ? available : 0;
            rc = ERR_CONFLICT;
            goto out;
        }
    }
    rc = apply_lines(conn, LINE_RESERVE, t->order_id, RES_REASON_NONE, expires_at, rows, t->lines,
                     t->count, t->ctx);
    if (rc != 0)
        goto out;

    o->created = true;
    o->res.lines = malloc(sizeof *o->res.lines * (size_t)t->count);
    if (o->res.lines == NULL) {
        rc = ERR_INTERNAL;
        goto out;
    }
    memcpy(o->res.lines, t->lines, sizeof *o->res.lines * (size_t)t->count);
    o->res.line_count = t->count;
    snprintf(o->res.order_id, sizeof o->res.order_id, "%s", t->order_id);
    o->res.status = RES_RESERVED;
    o->res.reason = RES_REASON_NONE;
    snprintf(o->res.expires_at, sizeof o->res.expires_at, "%s", expires_at);
out:
    free(rows);
    return rc;
}

int movement_reserve(const char *order_id, const res_line_t *lines, int count, long ttl_seconds,
                     const event_ctx_t *ctx, reserve_outcome_t *out)
{
    memset(out, 0, sizeof *out);
    reserve_tx_t t = {.order_id = order_id,
                      .lines = lines,
                      .count = count,
                      .ttl = ttl_seconds,
                      .ctx = ctx,
                      .out = out};
    return db_tx(reserve_fn, &t);
}

/* Commit and release share their shape: lock, ask the state machine, apply. */
static int finish_tx(PGconn *conn, const char *order_id, bool commit, res_reason_t reason,
                     const event_ctx_t *ctx, finish_outcome_t *out)
{
    sku_row_t *rows = NULL;
    reservation_row_free(&out->res);
    memset(out, 0, sizeof *out);
    int rc = store_reservation_get(conn, order_id, true, &out->res);
    if (rc != 0)
        return rc;
    out->verdict =
        commit ? reservation_on_commit(out->res.status) : reservation_on_release(out->res.status);
    if (out->verdict == RES_NOOP)
        return 0;
    if (out->verdict == RES_REFUSE)
        return ERR_CONFLICT;

    rc = lock_lines(conn, out->res.lines, out->res.line_count, &rows);
    if (rc == 0)
        rc = apply_lines(conn, commit ? LINE_COMMIT : LINE_RELEASE, order_id, reason, NULL, rows,
                         out->res.lines, out->res.line_count, ctx);
    if (rc == 0)
        rc = store_reservation_finish(conn, order_id, commit ? RES_COMMITTED : RES_RELEASED,
                                      commit ? RES_REASON_NONE : reason);
    if (rc == 0) {
        out->res.status = commit ? RES_COMMITTED : RES_RELEASED;
        out->res.reason = commit ? RES_REASON_NONE : reason;
    }
    free(rows);
    return rc;
}

int movement_commit_tx(PGconn *conn, const char *order_id, const event_ctx_t *ctx,
                       finish_outcome_t *out)
{
    return finish_tx(conn, order_id, true, RES_REASON_NONE, ctx, out);
}

int movement_release_tx(PGconn *conn, const char *order_id, res_reason_t reason,
                        const event_ctx_t *ctx, finish_outcome_t *out)
{
    return finish_tx(conn, order_id, false, reason, ctx, out);
}

typedef struct finish_arg {
    const char *order_id;
    bool commit;
    res_reason_t reason;
    const event_ctx_t *ctx;
    finish_outcome_t *out;
} finish_arg_t;

static int finish_fn(PGconn *conn, void *arg)
{
    finish_arg_t *a = arg;
    return finish_tx(conn, a->order_id, a->commit, a->reason, a->ctx, a->out);
}

int movement_commit(const char *order_id, const event_ctx_t *ctx, finish_outcome_t *out)
{
    memset(out, 0, sizeof *out);
    finish_arg_t a = {order_id, true, RES_REASON_NONE, ctx, out};
    return db_tx(finish_fn, &a);
}

int movement_release(const char *order_id, res_reason_t reason, const event_ctx_t *ctx,
                     finish_outcome_t *out)
{
    memset(out, 0, sizeof *out);
    finish_arg_t a = {order_id, false, reason, ctx, out};
    return db_tx(finish_fn, &a);
}

/* ---- expiry ------------------------------------------------------------------------ */

typedef struct sweep_tx {
    bool found;
} sweep_tx_t;

/* Claims one expired reservation (skipping those locked elsewhere: another replica's
 * sweep, or a commit in progress, which then wins) and releases it. */
static int sweep_one_fn(PGconn *conn, void *arg)
{
    sweep_tx_t *t = arg;
    char order_id[37];
    finish_outcome_t out = {0};
    t->found = false;
    int rc = store_reservation_claim_expired(conn, order_id);
    if (rc == ERR_NOT_FOUND)
        return 0;
    if (rc != 0)
        return rc;
    t->found = true;
    rc = finish_tx(conn, order_id, false, RES_REASON_EXPIRED, NULL, &out);
    reservation_row_free(&out.res);
    if (rc == 0)
        log_info("reservation of order %s expired: released", order_id);
    return rc;
}

int movement_release_expired(int max, int *released)
{
    *released = 0;
    for (int i = 0; i < max; i++) {
        sweep_tx_t t = {false};
        int rc = db_tx(sweep_one_fn, &t);
        if (rc != 0)
            return rc;
        if (!t.found)
            break;
        (*released)++;
    }
    return 0;
}
