/* migrate.c - the migration runner: the common tables first, then a service's
 * migrations/NNNN_*.sql in name order, each applied once and recorded in
 * <schema>.schema_migrations.
 *
 * Replicas that start together serialize on a session advisory lock keyed by the
 * schema, and read what is applied only once they hold it, so each migration runs
 * exactly once. A migration file runs in one transaction together with its record;
 * it must therefore not contain BEGIN/COMMIT itself.
 */
#include "common/db.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/log.h"

/* The tables every service's events and idempotency code rely on. "{s}" stands for
 * the quoted schema. */
static const struct builtin {
    const char *version;
    const char *sql;
} builtins[] = {
    {"0000_common_outbox",
     /* Rows are published in id order; the partial index keeps the relay's scan for
      * unsent rows small however large the sent history grows. payload is text so
      * the bytes on the topic are exactly the ones written. */
     "CREATE TABLE IF NOT EXISTS {s}.outbox ("
     " id bigserial PRIMARY KEY,"
     " event_id uuid NOT NULL UNIQUE,"
     " topic text NOT NULL,"
     " key text,"
     " type text NOT NULL,"
     " payload text NOT NULL,"
     " created_at timestamptz NOT NULL DEFAULT now(),"
     " sent_at timestamptz,"
     " attempts integer NOT NULL DEFAULT 0);"
     "CREATE INDEX IF NOT EXISTS outbox_unsent_idx ON {s}.outbox (id) WHERE sent_at IS NULL;"},
    {"0000_common_processed_events", "CREATE TABLE IF NOT EXISTS {s}.processed_events ("
                                     " event_id uuid PRIMARY KEY,"
                                     " topic text NOT NULL,"
                                     " type text NOT NULL,"
                                     " processed_at timestamptz NOT NULL DEFAULT now());"},
    {"0000_common_idempotency_keys",
     /* status and response stay NULL while the first request is in progress. */
     "CREATE TABLE IF NOT EXISTS {s}.idempotency_keys ("
     " scope text NOT NULL,"
     " key text NOT NULL,"
     " request_hash text NOT NULL,"
     " status integer,"
     " response text,"
     " created_at timestamptz NOT NULL DEFAULT now(),"
     " PRIMARY KEY (scope, key));"},
    {"0000_common_idempotency_owner",
     /* The process working on a claim, so that a claim of a process that died can be
      * taken over at once (common/src/idempotency.c). */
     "ALTER TABLE {s}.idempotency_keys ADD COLUMN IF NOT EXISTS owner text;"},
};

/* Schema names are spliced into SQL (identifiers cannot be parameters), so only
 * plain lowercase identifiers are accepted. */
static bool valid_schema(const char *s)
{
    size_t n = 0;

    if (!s || !((*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (; s[n]; n++)
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
            return false;
    return n <= 63;
}

/* Replaces every "{s}" in tmpl with "schema" (quoted). Caller frees. */
static char *expand(const char *tmpl, const char *schema)
{
    size_t slen = strlen(schema) + 2, cap = strlen(tmpl) + 1, len = 0;
    char *out;

    for (const char *p = strstr(tmpl, "{s}"); p; p = strstr(p + 3, "{s}"))
        cap += slen;
    out = malloc(cap);
    if (!out)
        return NULL;
    for (const char *p = tmpl; *p;) {
        if (!strncmp(p, "{s}", 3)) {
            len += (size_t)sprintf(out + len, "\"%s\"", schema);
            p += 3;
        } else {
            out[len++] = *p++;
        }
    }
    out[len] = '\0';
    return out;
}

typedef struct migration {
    const char *schema;
    const char *version;
    const char *sql;
} migration_t;

/* Runs the migration's (possibly many) statements and records it, in the caller's
 * transaction. search_path is set for the transaction so unqualified names in a
 * service's file land in its schema whoever connects. */
static int apply_tx(PGconn *conn, void *arg)
{
    const migration_t *m = arg;
    char set_path[128];
    char record[160];
    const char *params[1] = {m->version};
    PGresult *res;
    ExecStatusType st;
    int rc;

    snprintf(set_path, sizeof set_path, "SET LOCAL search_path TO \"%s\"", m->schema);
    rc = db_exec(conn, set_path, 0, NULL);
    if (rc)
        return rc;
    res = PQexec(conn, m->sql);
    st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn);
        log_error("migrate: %s.%s failed: %.*s", m->schema, m->version, (int)strcspn(msg, "\n"),
                  msg);
        rc = PQstatus(conn) != CONNECTION_OK ? ERR_UNAVAILABLE : db_error_from_sqlstate(state);
        if (rc != ERR_RETRY && rc != ERR_UNAVAILABLE)
            rc = ERR_INTERNAL;
        PQclear(res);
        return rc;
    }
    PQclear(res);
    snprintf(record, sizeof record, "INSERT INTO \"%s\".schema_migrations (version) VALUES ($1)",
             m->schema);
    return db_exec(conn, record, 1, params);
}

static int apply(const char *schema, const char *version, const char *sql)
{
    migration_t m = {schema, version, sql};
    int rc = db_tx(apply_tx, &m);

    if (rc == 0)
        log_info("migrate: applied %s.%s", schema, version);
    return rc;
}

static bool applied(const PGresult *done, const char *version)
{
    for (int i = 0; i < PQntuples(done); i++)
        if (!strcmp(PQgetvalue(done, i, 0), version))
            return true;
    return false;
}

static int only_sql(const struct dirent *e)
{
    size_t n = strlen(e->d_name);

    return e->d_name[0] != '.' && n > 4 && !strcmp(e->d_name + n - 4, ".sql");
}

/* Byte order, not the locale's: "0010_x" must follow "0009_y" everywhere. */
static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (!f)
        return NULL;
    do {
        if (cap - len < 4096) {
            char *grown = realloc(buf, cap + 65536);
            if (!grown) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = grown;
            cap += 65536;
        }
        n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
    } while (n > 0);
    if (ferror(f)) {
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

static int apply_dir(const char *schema, const char *dir, const PGresult *done)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, only_sql, by_name);
    int rc = 0;

    if (n < 0) {
        log_error("migrate: cannot read %s: %s", dir, strerror(errno));
        return ERR_INTERNAL;
    }
    for (int i = 0; i < n; i++) {
        char version[256], path[4096];
        size_t len = strlen(names[i]->d_name) - 4;
        char *sql;

        if (rc != 0 || len >= sizeof version)
            continue;
        memcpy(version, names[i]->d_name, len);
        version[len] = '\0';
        if (applied(done, version))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        sql = read_file(path);
        if (!sql) {
            log_error("migrate: cannot read %s", path);
            rc = ERR_INTERNAL;
            continue;
        }
        rc = apply(schema, version, sql);
        free(sql);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* Creates the schema only when it is missing: CREATE SCHEMA IF NOT EXISTS would demand
 * the CREATE privilege on the database even when the schema exists, which a service
 * role owning only its schema does not have. */
static int ensure_schema(PGconn *conn, const char *schema)
{
    const char *params[1] = {schema};
    char sql[128];
    int err;
    PGresult *res =
        db_query(conn, "SELECT 1 FROM pg_namespace WHERE nspname = $1", 1, params, &err);
    bool exists;

    if (!res)
        return err;
    exists = PQntuples(res) > 0;
    PQclear(res);
    if (exists)
        return 0;
    snprintf(sql, sizeof sql, "CREATE SCHEMA IF NOT EXISTS \"%s\"", schema);
    return db_exec(conn, sql, 0, NULL);
}

int db_migrate(const char *schema, const char *dir)
{
    const char *params[1] = {schema};
    PGconn *conn = db_conn();
    PGresult *done = NULL;
    bool locked = false;
    char sql[256];
    int rc, err;

    if (!valid_schema(schema)) {
        log_error("migrate: invalid schema name");
        return ERR_INVALID;
    }
    if (!conn)
        return ERR_UNAVAILABLE;
    /* Session-level, so it spans the per-migration transactions below; released by
     * the unlock at the end or by the server if this connection dies. */
    rc = db_exec(conn, "SELECT pg_advisory_lock(hashtext('migrate:' || $1))", 1, params);
    if (rc)
        goto out;
    locked = true;
    rc = ensure_schema(conn, schema);
    if (rc)
        goto out;
    snprintf(sql, sizeof sql,
             "CREATE TABLE IF NOT EXISTS \"%s\".schema_migrations ("
             " version text PRIMARY KEY,"
             " applied_at timestamptz NOT NULL DEFAULT now())",
             schema);
    rc = db_exec(conn, sql, 0, NULL);
    if (rc)
        goto out;
    snprintf(sql, sizeof sql, "SELECT version FROM \"%s\".schema_migrations", schema);
    done = db_query(conn, sql, 0, NULL, &err);
    if (!done) {
        rc = err;
        goto out;
    }
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++) {
        char *body;

        if (applied(done, builtins[i].version))
            continue;
        body = expand(builtins[i].sql, schema);
        if (!body) {
            rc = ERR_INTERNAL;
            goto out;
        }
        rc = apply(schema, builtins[i].version, body);
        free(body);
        if (rc)
            goto out;
    }
    if (dir)
        rc = apply_dir(schema, dir, done);
out:
    PQclear(done);
    /* db_tx may have replaced a lost connection (and the server then dropped the lock
     * with it), so ask for the thread's connection again rather than reuse conn. */
    if (locked && (conn = db_conn()) != NULL &&
        db_exec(conn, "SELECT pg_advisory_unlock(hashtext('migrate:' || $1))", 1, params) != 0)
        log_warn("migrate: cannot release the advisory lock");
    if (rc)
        log_error("migrate: %s: failed (%d)", schema, rc);
    return rc;
}
