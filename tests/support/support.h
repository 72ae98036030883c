/* support.h - helpers for integration and end-to-end tests against the running stack.
 *
 * The stack (scripts/stack.sh up) writes KEY=VALUE lines to the file named by
 * STACK_ENV; stack_load() puts them into the environment. Every wait is a poll
 * on a condition with a deadline, never a bare sleep.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* Loads $STACK_ENV into the environment; aborts the test program when it is missing. */
void stack_load(void);

/* A variable of the stack (GATEWAY_URL, KAFKA_BROKERS, DATABASE_URL, ...); aborts if unset. */
const char *stack_get(const char *name);

typedef struct t_resp {
    long status;
    char *body;    /* NUL-terminated */
    cJSON *json;   /* parsed body, NULL if not JSON */
    char *headers; /* raw header block */
} t_resp_t;

/* Sends method url with an optional bearer token, JSON body and extra headers
 * (NULL-terminated "Name: value" array). Fills *out; returns 0 or -1 when nothing
 * answered. */
int t_http(const char *method, const char *url, const char *token, const char *body,
           const char *const *headers, t_resp_t *out);

/* t_http with a body of body_len bytes that may hold NULs (an image upload, say); the
 * Content-Type is application/json unless headers give one. */
int t_http_bytes(const char *method, const char *url, const char *token, const void *body,
                 size_t body_len, const char *const *headers, t_resp_t *out);

/* t_http against $GATEWAY_URL + path. */
int t_gw(const char *method, const char *path, const char *token, const char *body, t_resp_t *out);

/* The value of a response header (case-insensitive) copied into buf; false if absent. */
bool t_resp_header(const t_resp_t *r, const char *name, char *buf, size_t len);

/* Frees a response. */
void t_resp_free(t_resp_t *r);

/* Polls cond(arg) every few milliseconds until it is true or timeout_ms passes. */
bool t_wait_until(bool (*cond)(void *arg), void *arg, int timeout_ms);

/* A connection as the superuser of the stack's database (DATABASE_URL). Caller PQfinish()es. */
PGconn *t_db(void);

/* Runs sql with text params on conn and returns the single value of the first row as a
 * malloc'd string (NULL when no row). Fails the test on an SQL error. */
char *t_sql_value(PGconn *conn, const char *sql, int nparams, const char *const *params);

/* Reads every message on topic from the beginning until the end of every partition,
 * returning a JSON array of the parsed values (unparseable ones as strings). */
cJSON *t_topic_read_all(const char *topic);

/* Like t_topic_read_all, with each message's key: [{"key": "..." or null, "value": ...}]. */
cJSON *t_topic_read_records(const char *topic);

/* Counts messages on topic whose envelope has this type and subject. */
int t_topic_count(const char *topic, const char *type, const char *subject);

/* Creates a fresh schema named "<prefix>_<8 hex>" as the superuser and writes its name
 * to schema[64] and, to conninfo[2048], the stack's DATABASE_URL with that schema as
 * search_path and as application_name (so its sessions can be counted). */
void t_schema_create(const char *prefix, char *schema, char *conninfo);

/* Drops a schema made by t_schema_create, with everything in it. */
void t_schema_drop(const char *schema);

/* Runs sql_fmt with the schema substituted for its one %s (and $1 = param when not
 * NULL) as the superuser; returns the first value as a number, -1 when there is none. */
long t_schema_count(const char *sql_fmt, const char *schema, const char *param);

/* A fresh unique e-mail address for a test user. */
void t_unique_email(char *buf, size_t len, const char *prefix);

/* Registers a user of role through the gateway and logs in; returns the access token
 * (caller frees) and, if user_id is not NULL, copies the id (37 bytes). */
char *t_register_login(const char *role, char *user_id);

/* Logs in through the gateway; returns the access token (caller frees) or NULL. */
char *t_login(const char *email, const char *password);

/* Mints an RS256 token signed with the PEM private key (text) for sub/role, expiring
 * exp_offset seconds from now (negative: already expired). Caller frees. */
char *t_mint_token(const char *private_pem, const char *sub, const char *role, long exp_offset);

/* A new RSA-2048 private key as PEM text (a key identity does not know). Caller frees. */
char *t_new_rsa_pem(void);

/* The contents of a file as a string (caller frees); aborts when unreadable. */
char *t_read_file(const char *path);

#endif
