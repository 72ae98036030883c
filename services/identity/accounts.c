/* accounts.c - identity's use cases (see accounts.h).
 *
 * Password hashing is Argon2id through libsodium's crypto_pwhash_str, whose output
 * carries its own parameters, so hashes made with other limits still verify. Each
 * hash takes pw_memlimit bytes (64 MiB by default) for its duration; a counting
 * semaphore bounds how many run at once so a burst of logins cannot take
 * workers x 64 MiB of memory on a small machine.
 */
#include "accounts.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/db.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"
#include "users.h"

#define TOPIC            "identity.events"
#define REGISTERED_TYPE  "UserRegistered"
#define REGISTERED_PROTO "store.identity.v1.UserRegistered"

static accounts_config_t cfg;
static sem_t hash_slots;

/* Unknown emails are verified against this hash so that they cost the same time as
 * a wrong password; made on first need so that start-up stays fast. */
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[crypto_pwhash_STRBYTES];
static bool dummy_ready;

int accounts_init(const accounts_config_t *c)
{
    if (sodium_init() < 0)
        return ERR_INTERNAL;
    cfg = *c;
    if (cfg.pw_concurrency < 1)
        cfg.pw_concurrency = 1;
    if (sem_init(&hash_slots, 0, (unsigned)cfg.pw_concurrency) != 0)
        return ERR_INTERNAL;
    return 0;
}

static void slot_take(void)
{
    while (sem_wait(&hash_slots) != 0 && errno == EINTR)
        ;
}

static int hash_password(const char *password, char out[crypto_pwhash_STRBYTES])
{
    slot_take();
    int r = crypto_pwhash_str(out, password, strlen(password), cfg.pw_opslimit, cfg.pw_memlimit);
    sem_post(&hash_slots);
    if (r != 0) {
        log_error("accounts: password hashing failed (out of memory?)");
        return ERR_INTERNAL;
    }
    return 0;
}

static bool verify_password(const char *hash, const char *password)
{
    slot_take();
    int r = crypto_pwhash_str_verify(hash, password, strlen(password));
    sem_post(&hash_slots);
    return r == 0;
}

static void make_dummy_hash(void)
{
    unsigned char random[16];
    char secret[33];
    randombytes_buf(random, sizeof random);
    sodium_bin2hex(secret, sizeof secret, random, sizeof random);
    dummy_ready = hash_password(secret, dummy_hash) == 0;
}

/* The UserRegistered payload: proto3 JSON of store.identity.v1.UserRegistered. */
static cJSON *registered_data(const char *id, const char *email, const char *name, const char *role,
                              const char *created_at)
{
    cJSON *d = cJSON_CreateObject();
    if (cJSON_AddStringToObject(d, "userId", id) == NULL ||
        cJSON_AddStringToObject(d, "email", email) == NULL ||
        cJSON_AddStringToObject(d, "name", name) == NULL ||
        cJSON_AddStringToObject(d, "role", role) == NULL ||
        cJSON_AddStringToObject(d, "registeredAt", created_at) == NULL) {
        cJSON_Delete(d);
        return NULL;
    }
    return d;
}

typedef struct register_tx {
    const char *id, *email, *hash, *name, *role;
    bool only_if_absent;
    const event_ctx_t *ctx;
    bool inserted;
    char created_at[STORE_TIME_LEN];
} register_tx_t;

/* The user row and its event commit together or not at all. */
static int register_fn(PGconn *conn, void *arg)
{
    register_tx_t *t = arg;
    int rc;
    t->inserted = false;
    if (t->only_if_absent) {
        rc = store_user_insert_if_absent(conn, t->id, t->email, t->hash, t->name, t->role,
                                         &t->inserted, t->created_at);
        if (rc != 0 || !t->inserted)
            return rc;
    } else {
        rc = store_user_insert(conn, t->id, t->email, t->hash, t->name, t->role, t->created_at);
        if (rc != 0)
            return rc;
        t->inserted = true;
    }
    cJSON *data = registered_data(t->id, t->email, t->name, t->role, t->created_at);
    if (data == NULL)
        return ERR_INTERNAL;
    /* sequence 1: registration is the first version of the user aggregate. */
    return outbox_put(conn, TOPIC, t->id, REGISTERED_TYPE, REGISTERED_PROTO, 1, data, t->ctx);
}

int account_register(const char *email, const char *password, const char *name, const char *role,
                     const event_ctx_t *ctx, user_row_t *out)
{
    char hash[crypto_pwhash_STRBYTES];
    char id[ID_UUID_LEN];
    int rc = hash_password(password, hash);
    if (rc != 0)
        return rc;
    id_uuid(id);
    register_tx_t t = {
        .id = id, .email = email, .hash = hash, .name = name, .role = role, .ctx = ctx};
    rc = db_tx(register_fn, &t);
    if (rc == 0) {
        memset(out, 0, sizeof *out);
        snprintf(out->id, sizeof out->id, "%s", id);
        snprintf(out->email, sizeof out->email, "%s", email);
        snprintf(out->name, sizeof out->name, "%s", name);
        snprintf(out->role, sizeof out->role, "%s", role);
        snprintf(out->created_at, sizeof out->created_at, "%s", t.created_at);
    }
    sodium_memzero(hash, sizeof hash);
    return rc;
}

int account_seed_admin(const char *email, const char *password, const char *name)
{
    char norm[USER_EMAIL_MAX + 1];
    if (!user_email_normalize(email, norm, sizeof norm)) {
        log_error("accounts: ADMIN_EMAIL is not a valid email address");
        return ERR_INVALID;
    }
    const char *problem = user_password_problem(password);
    if (problem != NULL) {
        log_error("accounts: ADMIN_PASSWORD %s", problem);
        return ERR_INVALID;
    }
    PGconn *conn = db_conn();
    if (conn == NULL)
        return ERR_UNAVAILABLE;

    /* Only to skip the costly hash on every later start; the insert below decides. */
    user_row_t existing;
    int rc = store_user_by_email(conn, norm, &existing);
    if (rc == 0) {
        if (strcmp(existing.role, "admin") != 0)
            log_warn("accounts: ADMIN_EMAIL belongs to an existing %s account; not changed",
                     existing.role);
        return 0;
    }
    if (rc != ERR_NOT_FOUND)
        return rc;

    char hash[crypto_pwhash_STRBYTES];
    char id[ID_UUID_LEN];
    rc = hash_password(password, hash);
    if (rc != 0)
        return rc;
    id_uuid(id);
    register_tx_t t = {.id = id,
                       .email = norm,
                       .hash = hash,
                       .name = name,
                       .role = "admin",
                       .only_if_absent = true,
                       .ctx = NULL};
    rc = db_tx(register_fn, &t);
    sodium_memzero(hash, sizeof hash);
    if (rc == 0 && t.inserted)
        log_info("accounts: created the admin account %s", id);
    return rc;
}

void session_clear(session_t *s)
{
    free(s->access_token);
    s->access_token = NULL;
    sodium_memzero(s->refresh_token, sizeof s->refresh_token);
}

static int mint(const user_row_t *u, session_t *s)
{
    token_claims_t c = {.user_id = u->id,
                        .role = u->role,
                        .email = u->email,
                        .issued_at = (int64_t)time(NULL),
                        .ttl_seconds = cfg.access_ttl};
    free(s->access_token);
    s->access_token = NULL;
    s->expires_in = cfg.access_ttl;
    return tokens_mint_access(cfg.tokens, &c, &s->access_token);
}

typedef struct failure_tx {
    const char *account_key;
    const char *client_key;
    int64_t now;
} failure_tx_t;

/* Counts one failure on both keys. Rows are always locked account first, then
 * client, so two failing logins can never wait on each other in a cycle. */
static int failure_fn(PGconn *conn, void *arg)
{
    failure_tx_t *t = arg;
    rl_window_t w;
    int rc = store_attempts_lock(conn, t->account_key, &w);
    if (rc != 0)
        return rc;
    rl_record_failure(&cfg.per_account, &w, t->now);
    rc = store_attempts_write(conn, t->account_key, &w);
    if (rc != 0)
        return rc;
    rc = store_attempts_lock(conn, t->client_key, &w);
    if (rc != 0)
        return rc;
    rl_record_failure(&cfg.per_client, &w, t->now);
    return store_attempts_write(conn, t->client_key, &w);
}

static void record_failure(const char *account_key, const char *client_key, int64_t now)
{
    failure_tx_t t = {account_key, client_key, now};
    if (db_tx(failure_fn, &t) != 0)
        log_warn("accounts: could not record a failed login");
    /* Housekeeping now and then, so abandoned windows do not pile up. */
    if (randombytes_uniform(16) == 0) {
        int window = cfg.per_account.window_seconds > cfg.per_client.window_seconds
                         ? cfg.per_account.window_seconds
                         : cfg.per_client.window_seconds;
        PGconn *conn = db_conn();
        if (conn != NULL)
            (void)store_attempts_purge(conn, now - window);
    }
}

int account_login(const char *email, const char *password, const char *client, session_t *out,
                  int *retry_after)
{
    char norm[USER_EMAIL_MAX + 1];
    char account_key[sizeof "account:" + USER_EMAIL_MAX];
    char client_key[sizeof "client:" + 64];
    user_row_t user;
    int rc;

    memset(out, 0, sizeof *out);
    *retry_after = 0;
    bool valid_email = user_email_normalize(email, norm, sizeof norm);
    if (!valid_email) {
        /* No account can have this address, but it still counts as a failure. */
        size_t i = 0;
        for (; email[i] && i < USER_EMAIL_MAX; i++)
            norm[i] = (char)((email[i] >= 'A' && email[i] <= 'Z') ? email[i] + 32 : email[i]);
        norm[i] = '\0';
    }
    snprintf(account_key, sizeof account_key, "account:%s", norm);
    snprintf(client_key, sizeof client_key, "client:%s", client ? client : "unknown");

    PGconn *conn = db_conn();
    if (conn == NULL)
        return ERR_UNAVAILABLE;
    int64_t now = (int64_t)time(NULL);
    rl_window_t wa, wc;
    rc = store_attempts_read(conn, account_key, &wa, client_key, &wc);
    if (rc != 0)
        return rc;
    int ra = rl_retry_after(&cfg.per_account, &wa, now);
    int rcl = rl_retry_after(&cfg.per_client, &wc, now);
    if (ra > 0 || rcl > 0) {
        *retry_after = ra > rcl ? ra : rcl;
        return ERR_RATE_LIMITED;
    }

    bool ok = false;
    rc = valid_email ? store_user_by_email(conn, norm, &user) : ERR_NOT_FOUND;
    if (rc == ERR_NOT_FOUND) {
        pthread_once(&dummy_once, make_dummy_hash);
        if (dummy_ready)
            (void)verify_password(dummy_hash, password);
    } else if (rc != 0) {
        return rc;
    } else {
        ok = verify_password(user.password_hash, password);
    }
    sodium_memzero(user.password_hash, sizeof user.password_hash);
    if (!ok) {
        record_failure(account_key, client_key, now);
        return ERR_UNAUTHORIZED;
    }

    if (wa.failures > 0 && store_attempts_clear(conn, account_key) != 0)
        log_warn("accounts: could not clear the failed-login window");

    char hash[TOKENS_HASH_LEN];
    char family[ID_UUID_LEN];
    id_uuid(family);
    rc = tokens_new_refresh(out->refresh_token, hash);
    if (rc == 0)
        rc = mint(&user, out);
    if (rc == 0)
        rc = store_refresh_insert(conn, hash, user.id, family, cfg.refresh_ttl);
    if (rc == 0 && store_refresh_purge(conn, user.id) != 0)
        log_warn("accounts: could not purge expired refresh tokens");
    if (rc != 0)
        session_clear(out);
    return rc;
}

enum refresh_outcome { REFRESH_OK, REFRESH_INVALID, REFRESH_REUSED };

typedef struct refresh_tx {
    const char *hash;
    enum refresh_outcome outcome;
    refresh_row_t row;
    user_row_t user;
    session_t *session;
} refresh_tx_t;

/* Rotation: the presented token is locked, checked, replaced by a new one in the same
 * family and revoked, in one transaction. A token that was already revoked means
 * someone holds a copy: the whole family is revoked and that revocation commits. */
static int refresh_fn(PGconn *conn, void *arg)
{
    refresh_tx_t *t = arg;
    t->outcome = REFRESH_INVALID;
    int rc = store_refresh_lock(conn, t->hash, &t->row);
    if (rc == ERR_NOT_FOUND)
        return 0;
    if (rc != 0)
        return rc;
    if (t->row.revoked) {
        t->outcome = REFRESH_REUSED;
        return store_refresh_revoke_family(conn, t->row.family_id);
    }
    if (t->row.expired)
        return 0;
    rc = store_user_by_id(conn, t->row.user_id, &t->user);
    sodium_memzero(t->user.password_hash, sizeof t->user.password_hash);
    if (rc == ERR_NOT_FOUND)
        return 0;
    if (rc != 0)
        return rc;

    char new_hash[TOKENS_HASH_LEN];
    rc = tokens_new_refresh(t->session->refresh_token, new_hash);
    if (rc == 0)
        rc = mint(&t->user, t->session);
    if (rc == 0)
        rc =
            store_refresh_insert(conn, new_hash, t->row.user_id, t->row.family_id, cfg.refresh_ttl);
    if (rc == 0)
        rc = store_refresh_rotate(conn, t->hash, new_hash);
    if (rc == 0)
        t->outcome = REFRESH_OK;
    return rc;
}

int account_refresh(const char *refresh_token, session_t *out)
{
    memset(out, 0, sizeof *out);
    if (!tokens_refresh_format_ok(refresh_token))
        return ERR_UNAUTHORIZED;
    char hash[TOKENS_HASH_LEN];
    tokens_hash_refresh(refresh_token, hash);
    refresh_tx_t t = {.hash = hash, .session = out};
    int rc = db_tx(refresh_fn, &t);
    if (rc == 0 && t.outcome == REFRESH_REUSED)
        log_warn("accounts: a rotated refresh token was presented again; session %s of user %s "
                 "revoked",
                 t.row.family_id, t.row.user_id);
    if (rc == 0 && t.outcome != REFRESH_OK)
        rc = ERR_UNAUTHORIZED;
    if (rc != 0)
        session_clear(out);
    return rc;
}

int account_logout(const char *user_id, const char *refresh_token)
{
    if (!tokens_refresh_format_ok(refresh_token))
        return 0;
    char hash[TOKENS_HASH_LEN];
    tokens_hash_refresh(refresh_token, hash);
    PGconn *conn = db_conn();
    if (conn == NULL)
        return ERR_UNAVAILABLE;
    return store_refresh_revoke(conn, hash, user_id);
}
