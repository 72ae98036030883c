/* store.c - fulfillment's SQL. Statements only: no rules, no HTTP. */
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/log.h"

#define OPEN_STATUSES "('CONFIRMED', 'PACKING', 'SHIPPED', 'OUT_FOR_DELIVERY')"

/* The API JSON of a zone row (no table alias). */
#define ZONE_JSON                                                                                  \
    "json_build_object('id', id, 'name', name, 'country', country, 'cities', to_json(cities), "    \
    "'districts', to_json(districts), 'postal_code_pattern', postal_code_pattern, 'fee', fee, "    \
    "'currency', currency, 'active', active, 'created_at', " DB_TS(                                \
        "created_at") ", 'updated_at', " DB_TS("updated_at") ")::text"

/* The API JSON of a courier row aliased c, with its open shipments counted. */
#define COURIER_JSON                                                                               \
    "json_build_object('id', c.id, 'name', c.name, 'phone', c.phone, 'zones', to_json(c.zones), "  \
    "'capacity', c.capacity, 'open_shipments', (SELECT count(*) FROM shipments s "                 \
    "WHERE s.courier_id = c.id AND s.status IN " OPEN_STATUSES "), "                               \
    "'tracking_prefix', c.tracking_prefix, 'active', c.active, 'created_at', " DB_TS(              \
        "c.created_at") ")::text"

/* The columns of a shipment aliased s joined with its courier c, as row_from() reads them. */
#define SHIP_COLUMNS                                                                               \
    "s.id, s.order_id, s.order_number, s.customer_id, s.seller_id, s.status, "                     \
    "coalesce(s.courier_id::text, ''), coalesce(c.name, ''), coalesce(s.tracking_number, ''), "    \
    "coalesce(s.zone_id::text, ''), s.version, " DB_TS("s.created_at") ", " DB_TS(                 \
        "s.updated_at") ", s.address::text, s.lines::text, s.seq"
#define SHIP_JOIN " LEFT JOIN couriers c ON c.id = s.courier_id "

static void copy(char *dst, size_t n, const PGresult *res, int row, int col)
{
    snprintf(dst, n, "%s", PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
}

/* Parses the single text value of a one-row result as JSON into *out. Takes res. */
static int json_value_from(PGresult *res, cJSON **out)
{
    int rc = 0;
    *out = NULL;
    if (PQntuples(res) == 0)
        rc = ERR_NOT_FOUND;
    else if ((*out = cJSON_Parse(PQgetvalue(res, 0, 0))) == NULL)
        rc = ERR_INTERNAL;
    PQclear(res);
    return rc;
}

/* Builds {items, next} from rows whose column 0 is JSON text and column 1 the seq; one row
 * more than limit means another page follows. Takes res. */
static int page_from(PGresult *res, int limit, cJSON **items, int64_t *next)
{
    int n = PQntuples(res);
    int shown = n > limit ? limit : n;
    cJSON *arr = cJSON_CreateArray();
    bool ok = arr != NULL;
    for (int i = 0; ok && i < shown; i++) {
        cJSON *o = cJSON_Parse(PQgetvalue(res, i, 0));
        ok = o != NULL && cJSON_AddItemToArray(arr, o);
        if (!ok)
            cJSON_Delete(o);
    }
    *next = n > limit && shown > 0 ? db_int64(res, shown - 1, 1) : 0;
    PQclear(res);
    if (!ok) {
        cJSON_Delete(arr);
        return ERR_INTERNAL;
    }
    *items = arr;
    return 0;
}

/* Runs a page query whose $1 is the seq to start after and $2 the row limit, asking for one
 * row more than limit so that page_from() can tell whether another page follows. */
static int page_query(PGconn *conn, const char *sql, int64_t after, int limit, cJSON **items,
                      int64_t *next)
{
    char a[24], lim[16];
    snprintf(a, sizeof a, "%" PRId64, after);
    snprintf(lim, sizeof lim, "%d", limit + 1);
    const char *p[] = {a, lim};
    PGresult *res;
    *items = NULL;
    *next = 0;
    int rc = db_run(conn, sql, 2, p, &res);
    return rc != 0 ? rc : page_from(res, limit, items, next);
}

/* ---- zones ------------------------------------------------------------------------- */

/* The JSON text of a validated place list, "[]" when absent. Caller frees. */
static char *list_text(const cJSON *list)
{
    return list != NULL ? cJSON_PrintUnformatted(list) : strdup("[]");
}

static int zone_write(PGconn *conn, const char *sql, const char *id, const zone_input_t *z,
                      cJSON **out)
{
    char fee[24];
    snprintf(fee, sizeof fee, "%" PRId64, z->fee);
    char *cities = list_text(z->cities), *districts = list_text(z->districts);
    PGresult *res = NULL;
    int rc = ERR_INTERNAL;
    *out = NULL;
    if (cities != NULL && districts != NULL) {
        const char *p[] = {z->name,
                           z->country,
                           cities,
                           districts,
                           z->postal_code_pattern,
                           fee,
                           z->currency,
                           z->active ? "true" : "false",
                           id};
        rc = db_run(conn, sql, id != NULL ? 9 : 8, p, &res);
    }
    free(cities);
    free(districts);
    return rc != 0 ? rc : json_value_from(res, out);
}

int store_zone_insert(PGconn *conn, const zone_input_t *z, cJSON **out)
{
    return zone_write(conn,
                      "INSERT INTO zones (name, country, cities, districts, postal_code_pattern, "
                      "fee, currency, active) VALUES ($1, $2, "
                      "ARRAY(SELECT jsonb_array_elements_text($3::jsonb)), "
                      "ARRAY(SELECT jsonb_array_elements_text($4::jsonb)), $5, $6::bigint, $7, "
                      "$8::boolean) RETURNING " ZONE_JSON,
                      NULL, z, out);
}

int store_zone_update(PGconn *conn, const char *id, const zone_input_t *z, cJSON **out)
{
    return zone_write(conn,
                      "UPDATE zones SET name = $1, country = $2, "
                      "cities = ARRAY(SELECT jsonb_array_elements_text($3::jsonb)), "
                      "districts = ARRAY(SELECT jsonb_array_elements_text($4::jsonb)), "
                      "postal_code_pattern = $5, fee = $6::bigint, currency = $7, "
                      "active = $8::boolean, updated_at = now() WHERE id = $9::uuid "
                      "RETURNING " ZONE_JSON,
                      id, z, out);
}

int store_zone_delete(PGconn *conn, const char *id)
{
    const char *p[] = {id};
    PGresult *res;
    /* One statement: the zone goes, and so does its id from every courier's list (a
     * data-modifying CTE runs whether or not it is read). Shipments keep their rows; their
     * zone_id becomes NULL through the foreign key. */
    int rc = db_run(conn,
                    "WITH d AS (DELETE FROM zones WHERE id = $1::uuid RETURNING id), "
                    "c AS (UPDATE couriers SET zones = array_remove(zones, $1::uuid), "
                    "updated_at = now() WHERE $1::uuid = ANY (zones) AND EXISTS (SELECT 1 FROM d)) "
                    "SELECT count(*) FROM d",
                    1, p, &res);
    if (rc != 0)
        return rc;
    rc = db_int64(res, 0, 0) == 1 ? 0 : ERR_NOT_FOUND;
    PQclear(res);
    return rc;
}

int store_zone_exists(PGconn *conn, const char *id, bool *exists)
{
    const char *p[] = {id};
    PGresult *res;
    int rc = db_run(conn, "SELECT 1 FROM zones WHERE id = $1::uuid", 1, p, &res);
    if (rc != 0)
        return rc;
    *exists = PQntuples(res) == 1;
    PQclear(res);
    return 0;
}

int store_zones_page(PGconn *conn, int64_t after, int limit, cJSON **items, int64_t *next)
{
    return page_query(conn,
                      "SELECT " ZONE_JSON ", seq FROM zones WHERE seq > $1::bigint "
                      "ORDER BY seq LIMIT $2::int",
                      after, limit, items, next);
}

void store_zone_set_free(zone_set_t *s)
{
    if (s == NULL)
        return;
    for (int i = 0; s->lists != NULL && i < 2 * s->count; i++)
        cJSON_Delete(s->lists[i]);
    free(s->lists);
    free((void *)s->names);
    free(s->zones);
    PQclear(s->res);
    memset(s, 0, sizeof *s);
}

/* Points zone z's list (cities or districts) at names[*used ..] from a parsed array. */
static void take_list(const cJSON *arr, const char **names, int *used, const char *const **list,
                      int *count)
{
    *list = (const char *const *)&names[*used];
    *count = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, arr)
    {
        if (cJSON_IsString(s)) {
            names[(*used)++] = s->valuestring;
            (*count)++;
        }
    }
}

int store_zones_active(PGconn *conn, zone_set_t *out)
{
    memset(out, 0, sizeof *out);
    int rc = db_run(conn,
                    "SELECT id, name, country, array_to_json(cities)::text, "
                    "array_to_json(districts)::text, coalesce(postal_code_pattern, ''), fee, "
                    "currency FROM zones WHERE active ORDER BY name",
                    0, NULL, &out->res);
    if (rc != 0)
        return rc;
    int n = PQntuples(out->res);
    out->count = n;
    out->zones = calloc(n > 0 ? (size_t)n : 1, sizeof *out->zones);
    out->lists = calloc(n > 0 ? 2 * (size_t)n : 1, sizeof *out->lists);
    if (out->zones == NULL || out->lists == NULL) {
        store_zone_set_free(out);
        return ERR_INTERNAL;
    }
    int total = 0;
    for (int i = 0; i < n; i++) {
        out->lists[2 * i] = cJSON_Parse(PQgetvalue(out->res, i, 3));
        out->lists[2 * i + 1] = cJSON_Parse(PQgetvalue(out->res, i, 4));
        if (out->lists[2 * i] == NULL || out->lists[2 * i + 1] == NULL) {
            store_zone_set_free(out);
            return ERR_INTERNAL;
        }
        total += cJSON_GetArraySize(out->lists[2 * i]) + cJSON_GetArraySize(out->lists[2 * i + 1]);
    }
    out->names = calloc(total > 0 ? (size_t)total : 1, sizeof *out->names);
    if (out->names == NULL) {
        store_zone_set_free(out);
        return ERR_INTERNAL;
    }
    int used = 0;
    for (int i = 0; i < n; i++) {
        zone_def_t *z = &out->zones[i];
        z->id = PQgetvalue(out->res, i, 0);
        z->name = PQgetvalue(out->res, i, 1);
        z->country = PQgetvalue(out->res, i, 2);
        take_list(out->lists[2 * i], out->names, &used, &z->cities, &z->city_count);
        take_list(out->lists[2 * i + 1], out->names, &used, &z->districts, &z->district_count);
        z->postal_pattern = PQgetvalue(out->res, i, 5);
        z->fee = db_int64(out->res, i, 6);
        z->currency = PQgetvalue(out->res, i, 7);
    }
    return 0;
}

/* ---- couriers ---------------------------------------------------------------------- */

int store_courier_insert(PGconn *conn, const courier_input_t *c, cJSON **out)
{
    char cap[24];
    snprintf(cap, sizeof cap, "%" PRId64, c->capacity);
    const char *p[] = {c->name, c->phone,           c->zones_json,
                       cap,     c->tracking_prefix, c->active ? "true" : "false"};
    PGresult *res;
    *out = NULL;
    int rc = db_run(conn,
                    "INSERT INTO couriers AS c (name, phone, zones, capacity, tracking_prefix, "
                    "active) VALUES ($1, $2, CASE WHEN $3::jsonb IS NULL THEN NULL ELSE "
                    "ARRAY(SELECT jsonb_array_elements_text($3::jsonb)::uuid) END, $4::int, $5, "
                    "$6::boolean) RETURNING " COURIER_JSON,
                    6, p, &res);
    return rc != 0 ? rc : json_value_from(res, out);
}

int store_couriers_page(PGconn *conn, int64_t after, int limit, cJSON **items, int64_t *next)
{
    return page_query(conn,
                      "SELECT " COURIER_JSON ", c.seq FROM couriers c WHERE c.seq > $1::bigint "
                      "ORDER BY c.seq LIMIT $2::int",
                      after, limit, items, next);
}

#define COURIER_COLUMNS                                                                            \
    "c.id, c.name, c.tracking_prefix, c.seq, c.capacity, (SELECT count(*) FROM shipments s "       \
    "WHERE s.courier_id = c.id AND s.status IN " OPEN_STATUSES "), c.active"

static void courier_from(const PGresult *res, int i, courier_row_t *c)
{
    memset(c, 0, sizeof *c);
    copy(c->id, sizeof c->id, res, i, 0);
    copy(c->name, sizeof c->name, res, i, 1);
    copy(c->tracking_prefix, sizeof c->tracking_prefix, res, i, 2);
    c->seq = db_int64(res, i, 3);
    c->capacity = db_int64(res, i, 4);
    c->open = db_int64(res, i, 5);
    c->active = strcmp(PQgetvalue(res, i, 6), "t") == 0;
}

int store_courier_lock(PGconn *conn, const char *id, courier_row_t *out)
{
    const char *p[] = {id};
    PGresult *res;
    memset(out, 0, sizeof *out);
    /* Lock first, count after: in READ COMMITTED the second statement takes a new
     * snapshot, so it sees the shipments of whoever held the lock before us. */
    int rc = db_exec(conn, "SELECT 1 FROM couriers WHERE id = $1::uuid FOR UPDATE", 1, p);
    if (rc == 0)
        rc = db_run(conn, "SELECT " COURIER_COLUMNS " FROM couriers c WHERE c.id = $1::uuid", 1, p,
                    &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 1)
        courier_from(res, 0, out);
    else
        rc = ERR_NOT_FOUND;
    PQclear(res);
    return rc;
}

int store_couriers_lock_active(PGconn *conn, const char *zone_id, courier_row_t **rows,
                               courier_load_t **loads, int *count)
{
    const char *p[] = {zone_id != NULL && zone_id[0] != '\0' ? zone_id : NULL};
    PGresult *res;
    *rows = NULL;
    *loads = NULL;
    *count = 0;
    /* Lock, then read with a fresh snapshot (see store_courier_lock). The read locks too,
     * for a courier added between the two statements; the rows locked by the first are
     * already ours, so it does not wait on them. */
    int rc = db_exec(conn, "SELECT 1 FROM couriers WHERE active ORDER BY seq FOR UPDATE", 0, NULL);
    if (rc == 0)
        rc = db_run(conn,
                    "SELECT " COURIER_COLUMNS ", c.zones IS NULL, "
                    "coalesce($1::uuid = ANY (c.zones), false) FROM couriers c WHERE c.active "
                    "ORDER BY c.seq FOR UPDATE",
                    1, p, &res);
    if (rc != 0)
        return rc;
    int n = PQntuples(res);
    *rows = calloc(n > 0 ? (size_t)n : 1, sizeof **rows);
    *loads = calloc(n > 0 ? (size_t)n : 1, sizeof **loads);
    if (*rows == NULL || *loads == NULL) {
        free(*rows);
        free(*loads);
        *rows = NULL;
        *loads = NULL;
        PQclear(res);
        return ERR_INTERNAL;
    }
    for (int i = 0; i < n; i++) {
        courier_from(res, i, &(*rows)[i]);
        courier_load_t *l = &(*loads)[i];
        l->seq = (*rows)[i].seq;
        l->capacity = (*rows)[i].capacity;
        l->open = (*rows)[i].open;
        l->serves_all = strcmp(PQgetvalue(res, i, 7), "t") == 0;
        l->lists_zone = strcmp(PQgetvalue(res, i, 8), "t") == 0;
    }
    *count = n;
    PQclear(res);
    return 0;
}

int store_cursor_lock(PGconn *conn, int64_t *last_seq)
{
    PGresult *res;
    int rc = db_run(conn, "SELECT last_seq FROM assign_cursor FOR UPDATE", 0, NULL, &res);
    if (rc != 0)
        return rc;
    *last_seq = PQntuples(res) == 1 ? db_int64(res, 0, 0) : 0;
    PQclear(res);
    return 0;
}

int store_cursor_set(PGconn *conn, int64_t seq)
{
    char s[24];
    snprintf(s, sizeof s, "%" PRId64, seq);
    const char *p[] = {s};
    return db_exec(conn, "UPDATE assign_cursor SET last_seq = $1::bigint", 1, p);
}

/* ---- shipments --------------------------------------------------------------------- */

void store_shipment_row_free(shipment_row_t *r)
{
    if (r == NULL)
        return;
    cJSON_Delete(r->address);
    cJSON_Delete(r->lines);
    memset(r, 0, sizeof *r);
}

void store_shipment_rows_free(shipment_row_t *rows, int count)
{
    for (int i = 0; rows != NULL && i < count; i++)
        store_shipment_row_free(&rows[i]);
    free(rows);
}

/* Reads row i of a SHIP_COLUMNS result. */
static int row_from(const PGresult *res, int i, shipment_row_t *r)
{
    memset(r, 0, sizeof *r);
    copy(r->id, sizeof r->id, res, i, 0);
    copy(r->order_id, sizeof r->order_id, res, i, 1);
    copy(r->order_number, sizeof r->order_number, res, i, 2);
    copy(r->customer_id, sizeof r->customer_id, res, i, 3);
    copy(r->seller_id, sizeof r->seller_id, res, i, 4);
    if (!shipment_status_parse(PQgetvalue(res, i, 5), &r->status))
        return ERR_INTERNAL;
    copy(r->courier_id, sizeof r->courier_id, res, i, 6);
    copy(r->courier_name, sizeof r->courier_name, res, i, 7);
    copy(r->tracking_number, sizeof r->tracking_number, res, i, 8);
    copy(r->zone_id, sizeof r->zone_id, res, i, 9);
    r->version = db_int64(res, i, 10);
    copy(r->created_at, sizeof r->created_at, res, i, 11);
    copy(r->updated_at, sizeof r->updated_at, res, i, 12);
    r->address = cJSON_Parse(PQgetvalue(res, i, 13));
    r->lines = cJSON_Parse(PQgetvalue(res, i, 14));
    if (r->address == NULL || r->lines == NULL) {
        store_shipment_row_free(r);
        return ERR_INTERNAL;
    }
    return 0;
}

/* One row of a SHIP_COLUMNS result into out; ERR_NOT_FOUND when empty. Takes res. */
static int one_row_from(PGresult *res, shipment_row_t *out)
{
    int rc = PQntuples(res) == 1 ? row_from(res, 0, out) : ERR_NOT_FOUND;
    PQclear(res);
    return rc;
}

/* Every row of a SHIP_COLUMNS result; takes res. */
static int rows_from(PGresult *res, int limit, shipment_row_t **rows, int *count)
{
    int n = PQntuples(res);
    int shown = limit >= 0 && n > limit ? limit : n;
    int rc = 0;
    *rows = calloc(shown > 0 ? (size_t)shown : 1, sizeof **rows);
    *count = 0;
    if (*rows == NULL)
        rc = ERR_INTERNAL;
    for (int i = 0; rc == 0 && i < shown; i++) {
        rc = row_from(res, i, &(*rows)[i]);
        if (rc == 0)
            (*count)++;
    }
    PQclear(res);
    if (rc != 0) {
        store_shipment_rows_free(*rows, *count);
        *rows = NULL;
        *count = 0;
    }
    return rc;
}

int store_shipment_insert(PGconn *conn, const shipment_new_t *s, bool *created, shipment_row_t *out)
{
    const char *p[] = {s->order_id, s->order_number, s->customer_id, s->seller_id,
                       s->zone_id,  s->address_json, s->lines_json};
    PGresult *res;
    *created = false;
    /* ON CONFLICT DO NOTHING returns no row for an (order, seller) that already has its
     * shipment: the caller publishes nothing a second time. */
    int rc = db_run(conn,
                    "WITH s AS (INSERT INTO shipments (order_id, order_number, customer_id, "
                    "seller_id, zone_id, address, lines) VALUES ($1::uuid, $2, $3::uuid, "
                    "$4::uuid, $5::uuid, $6::jsonb, $7::jsonb) "
                    "ON CONFLICT (order_id, seller_id) DO NOTHING RETURNING *) "
                    "SELECT " SHIP_COLUMNS " FROM s" SHIP_JOIN,
                    7, p, &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 0;
    }
    rc = one_row_from(res, out);
    *created = rc == 0;
    return rc;
}

int store_shipment_get(PGconn *conn, const char *id, bool lock, shipment_row_t *out)
{
    const char *p[] = {id};
    PGresult *res;
    memset(out, 0, sizeof *out);
    int rc =
        db_run(conn,
               lock ? "SELECT " SHIP_COLUMNS " FROM shipments s" SHIP_JOIN
                      "WHERE s.id = $1::uuid FOR UPDATE OF s"
                    : "SELECT " SHIP_COLUMNS " FROM shipments s" SHIP_JOIN "WHERE s.id = $1::uuid",
               1, p, &res);
    return rc != 0 ? rc : one_row_from(res, out);
}

int store_shipment_lock_by_tracking(PGconn *conn, const char *tracking, shipment_row_t *out)
{
    const char *p[] = {tracking};
    PGresult *res;
    memset(out, 0, sizeof *out);
    int rc = db_run(conn,
                    "SELECT " SHIP_COLUMNS " FROM shipments s" SHIP_JOIN
                    "WHERE s.tracking_number = $1 FOR UPDATE OF s",
                    1, p, &res);
    return rc != 0 ? rc : one_row_from(res, out);
}

int store_order_shipments_lock(PGconn *conn, const char *order_id, char (**ids)[37], int *count)
{
    const char *p[] = {order_id};
    PGresult *res;
    *ids = NULL;
    *count = 0;
    int rc =
        db_run(conn, "SELECT id FROM shipments WHERE order_id = $1::uuid ORDER BY id FOR UPDATE", 1,
               p, &res);
    if (rc != 0)
        return rc;
    int n = PQntuples(res);
    *ids = calloc(n > 0 ? (size_t)n : 1, sizeof **ids);
    if (*ids == NULL) {
        PQclear(res);
        return ERR_INTERNAL;
    }
    for (int i = 0; i < n; i++)
        copy((*ids)[i], sizeof(*ids)[i], res, i, 0);
    *count = n;
    PQclear(res);
    return 0;
}

int store_shipment_set_status(PGconn *conn, shipment_row_t *row)
{
    char version[24];
    snprintf(version, sizeof version, "%" PRId64, row->version);
    const char *p[] = {row->id, shipment_status_name(row->status), version};
    PGresult *res;
    int rc = db_run(conn,
                    "UPDATE shipments SET status = $2, version = $3::bigint, updated_at = now() "
                    "WHERE id = $1::uuid RETURNING " DB_TS("updated_at"),
                    3, p, &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 1)
        copy(row->updated_at, sizeof row->updated_at, res, 0, 0);
    else
        rc = ERR_NOT_FOUND;
    PQclear(res);
    return rc;
}

int store_shipment_set_courier(PGconn *conn, shipment_row_t *row, char assigned_at[STORE_TIME_LEN])
{
    char version[24];
    snprintf(version, sizeof version, "%" PRId64, row->version);
    const char *p[] = {row->id, row->courier_id, row->tracking_number, version};
    PGresult *res;
    int rc = db_run(conn,
                    "UPDATE shipments SET courier_id = $2::uuid, tracking_number = $3, "
                    "version = $4::bigint, assigned_at = now(), updated_at = now() "
                    "WHERE id = $1::uuid RETURNING " DB_TS("updated_at") ", " DB_TS("assigned_at"),
                    4, p, &res);
    if (rc != 0)
        return rc;
    if (PQntuples(res) == 1) {
        copy(row->updated_at, sizeof row->updated_at, res, 0, 0);
        copy(assigned_at, STORE_TIME_LEN, res, 0, 1);
    } else {
        rc = ERR_NOT_FOUND;
    }
    PQclear(res);
    return rc;
}

int store_history_add(PGconn *conn, const char *shipment_id, const char *from, const char *to,
                      const char *actor, char at[STORE_TIME_LEN])
{
    const char *p[] = {shipment_id, from, to, actor};
    PGresult *res;
    int rc = db_run(conn,
                    "INSERT INTO shipment_history (shipment_id, from_status, to_status, actor) "
                    "VALUES ($1::uuid, $2, $3, $4) RETURNING " DB_TS("at"),
                    4, p, &res);
    if (rc != 0)
        return rc;
    copy(at, STORE_TIME_LEN, res, 0, 0);
    PQclear(res);
    return 0;
}

int store_shipments_page(PGconn *conn, const char *seller_id, const char *status, int64_t after,
                         int limit, shipment_row_t **rows, int *count, int64_t *next)
{
    char a[24], lim[16];
    snprintf(a, sizeof a, "%" PRId64, after);
    snprintf(lim, sizeof lim, "%d", limit + 1);
    const char *p[] = {seller_id, status, a, lim};
    PGresult *res;
    *rows = NULL;
    *count = 0;
    *next = 0;
    /* Newest first: the cursor is the seq below which the next page starts. */
    int rc = db_run(conn,
                    "SELECT " SHIP_COLUMNS " FROM shipments s" SHIP_JOIN
                    "WHERE ($1::uuid IS NULL OR s.seller_id = $1::uuid) "
                    "AND ($2::text IS NULL OR s.status = $2) "
                    "AND ($3::bigint = 0 OR s.seq < $3::bigint) ORDER BY s.seq DESC LIMIT $4::int",
                    4, p, &res);
    if (rc != 0)
        return rc;
    int n = PQntuples(res);
    if (n > limit)
        *next = db_int64(res, limit - 1, 15);
    return rows_from(res, limit, rows, count);
}

int store_order_tracking(PGconn *conn, const char *order_id, shipment_row_t **rows, int *count,
                         cJSON **history)
{
    const char *p[] = {order_id};
    PGresult *res;
    *rows = NULL;
    *count = 0;
    *history = NULL;
    int rc = db_run(conn,
                    "SELECT " SHIP_COLUMNS " FROM shipments s" SHIP_JOIN
                    "WHERE s.order_id = $1::uuid ORDER BY s.seq",
                    1, p, &res);
    if (rc != 0 || (rc = rows_from(res, -1, rows, count)) != 0)
        return rc;
    rc = db_run(conn,
                "SELECT json_agg(json_build_object('shipment_id', h.shipment_id, 'from', "
                "h.from_status, 'to', h.to_status, 'at', " DB_TS(
                    "h.at") ", 'actor', h.actor) "
                            "ORDER BY h.id)::text FROM shipment_history h JOIN shipments s "
                            "ON s.id = h.shipment_id WHERE s.order_id = $1::uuid",
                1, p, &res);
    if (rc == 0) {
        /* json_agg of no rows is NULL: an empty history. */
        *history =
            PQgetisnull(res, 0, 0) ? cJSON_CreateArray() : cJSON_Parse(PQgetvalue(res, 0, 0));
        PQclear(res);
        if (*history == NULL)
            rc = ERR_INTERNAL;
    }
    if (rc != 0) {
        store_shipment_rows_free(*rows, *count);
        *rows = NULL;
        *count = 0;
    }
    return rc;
}

int store_cancelled_order_add(PGconn *conn, const char *order_id)
{
    const char *p[] = {order_id};
    return db_exec(conn,
                   "INSERT INTO cancelled_orders (order_id) VALUES ($1::uuid) "
                   "ON CONFLICT (order_id) DO NOTHING",
                   1, p);
}

int store_cancelled_order_is(PGconn *conn, const char *order_id, bool *cancelled)
{
    const char *p[] = {order_id};
    PGresult *res;
    int rc = db_run(conn, "SELECT 1 FROM cancelled_orders WHERE order_id = $1::uuid", 1, p, &res);
    if (rc != 0)
        return rc;
    *cancelled = PQntuples(res) == 1;
    PQclear(res);
    return 0;
}
