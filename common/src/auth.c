/* auth.c - verifies identity's RS256 access tokens in every service, checks roles,
 * and guards /internal routes with the shared service credential.
 *
 * The signature is verified here with OpenSSL against the public key parsed once at
 * start: libjwt 1.10 re-parses the PEM on every jwt_decode (about 0.8 ms, most of a
 * request's CPU) and verifies with whatever algorithm the token's header names, which
 * with an RSA public key would let an attacker sign HS256 tokens with the public PEM
 * as the HMAC secret. So the header must say RS256, the RS256 signature is checked
 * with the kept key, and only then does libjwt decode the claims (without a key).
 * Every registered claim is checked here because libjwt 1.10 checks none of them.
 *
 * The RSA verification and claim decoding cost most of a request's CPU in the gateway
 * and again in the service behind it, while one client sends the same token for its
 * whole lifetime. So each thread keeps the last few tokens it accepted (see "verified
 * tokens" below): a later request with exactly the same bytes, under the same public
 * key, skips the signature and decoding and only has its time claims checked again.
 */
#include "common/auth.h"

#include <errno.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/config.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/log.h"

/* Clock skew tolerated between identity and the verifying service. */
#define AUTH_LEEWAY_SECONDS 30
/* Our tokens are well under 1 KiB; anything far larger is not one of ours. */
#define AUTH_MAX_TOKEN    8192
#define AUTH_MIN_RSA_BITS 2048

/* The key may be replaced while workers verify (tests, identity at start), so
 * readers hold the lock for as long as they use it. */
static pthread_rwlock_t key_lock = PTHREAD_RWLOCK_INITIALIZER;
static EVP_PKEY *public_key;
static EVP_MD *sha256;
/* Bumped (under key_lock) whenever public_key changes, so that tokens verified with an
 * earlier key are no longer taken from the caches. 0 means no key was ever set. */
static atomic_uint_fast64_t key_generation;

/* Set once by auth_init before any worker thread starts; read-only afterwards. */
static char *service_token;

/* PEM in an environment variable often arrives with literal "\n" sequences. */
static void unescape_newlines(char *s)
{
    if (strchr(s, '\n') != NULL)
        return;
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (r[0] == '\\' && r[1] == 'n') {
            *w++ = '\n';
            r++;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

int auth_set_public_key(const char *pem)
{
    int rc = ERR_INVALID;
    BIO *bio = NULL;
    EVP_PKEY *pkey = NULL;
    char *copy = NULL;

    if (pem == NULL)
        goto out;
    copy = strdup(pem);
    if (copy == NULL) {
        rc = ERR_INTERNAL;
        goto out;
    }
    unescape_newlines(copy);

    /* Parse once here so a wrong or weak key fails at start, not on every request. */
    bio = BIO_new_mem_buf(copy, -1);
    if (bio == NULL) {
        rc = ERR_INTERNAL;
        goto out;
    }
    pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    if (pkey == NULL || !EVP_PKEY_is_a(pkey, "RSA")) {
        log_error("auth: JWT public key is not an RSA public key in PEM form");
        goto out;
    }
    if (EVP_PKEY_get_bits(pkey) < AUTH_MIN_RSA_BITS) {
        log_error("auth: JWT public key is shorter than %d bits", AUTH_MIN_RSA_BITS);
        goto out;
    }

    pthread_rwlock_wrlock(&key_lock);
    if (sha256 == NULL)
        sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_PKEY_free(public_key);
    public_key = pkey;
    pkey = NULL;
    atomic_fetch_add(&key_generation, 1);
    rc = sha256 != NULL ? 0 : ERR_INTERNAL;
    pthread_rwlock_unlock(&key_lock);
out:
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    free(copy);
    return rc;
}

bool auth_has_public_key(void)
{
    pthread_rwlock_rdlock(&key_lock);
    bool loaded = public_key != NULL;
    pthread_rwlock_unlock(&key_lock);
    return loaded;
}

int auth_init(void)
{
    if (sodium_init() < 0)
        return ERR_INTERNAL;

    /* The service credential first: identity runs without a public key variable. */
    free(service_token);
    service_token = config_secret("SERVICE_TOKEN");
    if (service_token != NULL && service_token[0] == '\0') {
        free(service_token);
        service_token = NULL;
    }
    if (service_token == NULL)
        log_warn("auth: SERVICE_TOKEN is not set; /internal routes will refuse every call");

    char *pem = config_secret("JWT_PUBLIC_KEY");
    if (pem == NULL)
        return ERR_INVALID;
    int rc = auth_set_public_key(pem);
    free(pem);
    return rc;
}

const char *auth_service_token(void)
{
    return service_token;
}

static bool token_charset_ok(const char *t, size_t len)
{
    int dots = 0;
    for (size_t i = 0; i < len; i++) {
        char c = t[i];
        if (c == '.')
            dots++;
        else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_'))
            return false;
    }
    return dots == 2;
}

/* A required integer claim (NumericDate). */
static bool int_claim(jwt_t *jwt, const char *name, long *out)
{
    errno = 0;
    long v = jwt_get_grant_int(jwt, name);
    if (errno != 0 || v <= 0)
        return false;
    *out = v;
    return true;
}

/* Checks the registered and private claims of a signature-verified token. On success
 * *exp and *not_before (the later of iat and nbf) bound when it may be accepted again. */
static int check_claims(jwt_t *jwt, auth_principal_t *out, long *exp_out, long *not_before)
{
    const char *iss = jwt_get_grant(jwt, "iss");
    const char *aud = jwt_get_grant(jwt, "aud");
    if (iss == NULL || strcmp(iss, AUTH_ISSUER) != 0 || aud == NULL ||
        strcmp(aud, AUTH_AUDIENCE) != 0) {
        log_debug("auth: token rejected: issuer or audience");
        return ERR_UNAUTHORIZED;
    }

    long now = (long)time(NULL);
    long exp, iat;
    if (!int_claim(jwt, "exp", &exp) || now - AUTH_LEEWAY_SECONDS >= exp) {
        log_debug("auth: token rejected: expired or no exp");
        return ERR_UNAUTHORIZED;
    }
    if (!int_claim(jwt, "iat", &iat) || iat > now + AUTH_LEEWAY_SECONDS || iat > exp) {
        log_debug("auth: token rejected: iat");
        return ERR_UNAUTHORIZED;
    }
    errno = 0;
    long nbf = jwt_get_grant_int(jwt, "nbf");
    bool has_nbf = errno != ENOENT;
    if (has_nbf && (errno != 0 || nbf > now + AUTH_LEEWAY_SECONDS)) {
        log_debug("auth: token rejected: nbf");
        return ERR_UNAUTHORIZED;
    }

    const char *sub = jwt_get_grant(jwt, "sub");
    const char *role = jwt_get_grant(jwt, "role");
    const char *email = jwt_get_grant(jwt, "email");
    if (sub == NULL || !id_is_uuid(sub) || role == NULL ||
        !auth_role_allowed(role, "customer,seller,admin") || email == NULL ||
        strlen(email) >= sizeof out->email) {
        log_debug("auth: token rejected: sub, role or email");
        return ERR_UNAUTHORIZED;
    }
    *exp_out = exp;
    *not_before = has_nbf && nbf > iat ? nbf : iat;

    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof out->user_id - 1 && sub[i]; i++)
        out->user_id[i] = (sub[i] >= 'A' && sub[i] <= 'F') ? (char)(sub[i] + 32) : sub[i];
    memcpy(out->role, role, strlen(role) + 1);
    memcpy(out->email, email, strlen(email) + 1);
    return 0;
}

/* Decodes one base64url segment of a token into a new buffer (caller frees). */
static unsigned char *b64url_decode(const char *seg, size_t len, size_t *out_len)
{
    unsigned char *bin = malloc(len + 1);
    if (bin == NULL)
        return NULL;
    if (sodium_base642bin(bin, len + 1, seg, len, NULL, out_len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
        free(bin);
        return NULL;
    }
    return bin;
}

/* True when the JOSE header names RS256 and nothing we cannot honour. */
static bool header_is_rs256(const char *seg, size_t len)
{
    size_t n = 0;
    unsigned char *json = b64url_decode(seg, len, &n);
    if (json == NULL)
        return false;
    cJSON *header = cJSON_ParseWithLength((const char *)json, n);
    const cJSON *alg = cJSON_GetObjectItemCaseSensitive(header, "alg");
    bool ok = cJSON_IsString(alg) && strcmp(alg->valuestring, "RS256") == 0 &&
              cJSON_GetObjectItemCaseSensitive(header, "crit") == NULL;
    cJSON_Delete(header);
    free(json);
    return ok;
}

/* Verifies the RS256 signature over "header.payload" with the kept public key. */
static bool signature_valid(const char *token, size_t signed_len, const char *sig_seg,
                            size_t sig_len)
{
    size_t n = 0;
    unsigned char *sig = b64url_decode(sig_seg, sig_len, &n);
    if (sig == NULL)
        return false;
    bool ok = false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    pthread_rwlock_rdlock(&key_lock);
    if (public_key == NULL)
        log_error("auth: no JWT public key configured; rejecting every token");
    else if (ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, sha256, NULL, public_key) == 1)
        ok = EVP_DigestVerify(ctx, sig, n, (const unsigned char *)token, signed_len) == 1;
    pthread_rwlock_unlock(&key_lock);
    EVP_MD_CTX_free(ctx);
    free(sig);
    return ok;
}

/* ---- verified tokens -------------------------------------------------------------------
 *
 * A small LRU per thread, so lookups take no lock: a civetweb worker serves one
 * connection at a time, and a client sends the same token until it expires, so a few
 * entries catch nearly every repeat. An entry is the whole token (compared byte for
 * byte, in constant time: a cached token is a credential), the principal its claims
 * gave, the key generation it was verified under and the window its time claims allow.
 * Reusing it is sound because the bytes fix the header, the claims and the signature:
 * verifying them again with the same key can only give the same answer, except for the
 * time checks, which are repeated on every hit. Only accepted tokens are kept, so a
 * stream of forged tokens cannot evict anything it did not first have to sign. */

#define AUTH_CACHE_ENTRIES 8
/* Identity's tokens are about 700 bytes; longer ones are verified every time. */
#define AUTH_CACHE_TOKEN_MAX 1024

typedef struct cached_token {
    uint_fast64_t generation; /* key_generation when verified; 0 = empty slot */
    uint64_t used;            /* LRU stamp */
    long exp, not_before;
    size_t len;
    auth_principal_t who;
    char token[AUTH_CACHE_TOKEN_MAX];
} cached_token_t;

typedef struct token_cache {
    uint64_t clock;
    cached_token_t entries[AUTH_CACHE_ENTRIES];
} token_cache_t;

static _Thread_local token_cache_t *thread_cache;
static pthread_key_t cache_key;
static pthread_once_t cache_key_once = PTHREAD_ONCE_INIT;
static bool cache_key_ok;

static void cache_free(void *cache)
{
    /* The entries are bearer credentials: do not leave them in freed memory. */
    sodium_memzero(cache, sizeof(token_cache_t));
    free(cache);
}

static void cache_key_init(void)
{
    cache_key_ok = pthread_key_create(&cache_key, cache_free) == 0;
}

/* This thread's cache, created on first use; NULL when that fails (then every token is
 * verified in full). The key's destructor frees it when the thread exits. */
static token_cache_t *cache_get(void)
{
    if (thread_cache != NULL)
        return thread_cache;
    pthread_once(&cache_key_once, cache_key_init);
    if (!cache_key_ok)
        return NULL;
    token_cache_t *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    if (pthread_setspecific(cache_key, c) != 0) {
        free(c);
        return NULL;
    }
    thread_cache = c;
    return c;
}

/* Whether the time claims of an accepted token still hold now; the same tests as
 * check_claims. */
static bool cached_in_time(const cached_token_t *e, long now)
{
    return now - AUTH_LEEWAY_SECONDS < e->exp && e->not_before <= now + AUTH_LEEWAY_SECONDS;
}

/* Looks the token up; true with *out filled on a hit under the current key. */
static bool cache_lookup(const char *token, size_t len, auth_principal_t *out)
{
    token_cache_t *c = thread_cache;
    if (c == NULL || len < 8 || len > AUTH_CACHE_TOKEN_MAX)
        return false;
    uint_fast64_t gen = atomic_load(&key_generation);
    long now = (long)time(NULL);
    for (size_t i = 0; i < AUTH_CACHE_ENTRIES; i++) {
        cached_token_t *e = &c->entries[i];
        /* The last bytes are signature, as good as random: a cheap first filter before
         * the constant-time comparison of the whole token. */
        if (e->generation == 0 || e->len != len ||
            memcmp(e->token + len - 8, token + len - 8, 8) != 0 ||
            sodium_memcmp(e->token, token, len) != 0)
            continue;
        if (e->generation != gen || !cached_in_time(e, now)) {
            /* A key change or expiry: verify in full, which will decide. */
            sodium_memzero(e, sizeof *e);
            return false;
        }
        e->used = ++c->clock;
        *out = e->who;
        return true;
    }
    return false;
}

/* Remembers a token just accepted under key generation gen (read before verifying, so
 * a key swapped meanwhile leaves the entry already stale). Replaces the LRU entry. */
static void cache_store(const char *token, size_t len, uint_fast64_t gen,
                        const auth_principal_t *who, long exp, long not_before)
{
    if (len > AUTH_CACHE_TOKEN_MAX || gen == 0)
        return;
    token_cache_t *c = cache_get();
    if (c == NULL)
        return;
    cached_token_t *victim = &c->entries[0];
    for (size_t i = 1; i < AUTH_CACHE_ENTRIES && victim->generation != 0; i++) {
        cached_token_t *e = &c->entries[i];
        if (e->generation == 0 || e->used < victim->used)
            victim = e;
    }
    victim->generation = gen;
    victim->used = ++c->clock;
    victim->exp = exp;
    victim->not_before = not_before;
    victim->len = len;
    victim->who = *who;
    memcpy(victim->token, token, len);
}

int auth_verify_bearer(const char *authorization, auth_principal_t *out)
{
    int rc = ERR_UNAUTHORIZED;
    jwt_t *jwt = NULL;
    char *token = NULL;

    if (authorization == NULL || strncasecmp(authorization, "Bearer ", 7) != 0)
        goto out;
    const char *t = authorization + 7;
    while (*t == ' ')
        t++;
    size_t len = strlen(t);
    while (len > 0 && t[len - 1] == ' ')
        len--;
    if (len == 0 || len > AUTH_MAX_TOKEN)
        goto out;
    auth_principal_t p;
    if (cache_lookup(t, len, &p)) {
        rc = 0;
        goto accepted;
    }
    if (!token_charset_ok(t, len))
        goto out;
    /* Read before verifying: see cache_store. */
    uint_fast64_t gen = atomic_load(&key_generation);
    token = strndup(t, len);
    if (token == NULL)
        goto out;

    /* token_charset_ok guarantees exactly two dots. */
    const char *dot1 = strchr(token, '.');
    const char *dot2 = strchr(dot1 + 1, '.');
    if (!header_is_rs256(token, (size_t)(dot1 - token))) {
        log_debug("auth: token rejected: algorithm is not RS256");
        goto out;
    }
    if (!signature_valid(token, (size_t)(dot2 - token), dot2 + 1, strlen(dot2 + 1))) {
        log_debug("auth: token rejected: bad signature");
        goto out;
    }
    /* Signature already checked: libjwt only decodes the claims. */
    if (jwt_decode(&jwt, token, NULL, 0) != 0) {
        log_debug("auth: token rejected: malformed");
        goto out;
    }
    long exp, not_before;
    if (check_claims(jwt, &p, &exp, &not_before) != 0)
        goto out;
    cache_store(t, len, gen, &p, exp, not_before);
    rc = 0;
accepted:
    if (out != NULL)
        *out = p;
out:
    jwt_free(jwt);
    free(token);
    return rc;
}

bool auth_role_allowed(const char *role, const char *roles)
{
    if (role == NULL || roles == NULL || role[0] == '\0')
        return false;
    size_t rlen = strlen(role);
    const char *p = roles;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == rlen && strncmp(p, role, n) == 0)
            return true;
        if (end == NULL)
            break;
        p = end + 1;
    }
    return false;
}

/* 401 with the error envelope and a WWW-Authenticate challenge (RFC 6750), which
 * http_reply_error cannot add, so the envelope is built here the same way. */
static void reply_unauthorized(http_req_t *req, const char *challenge, const char *message)
{
    char headers[128];
    snprintf(headers, sizeof headers, "WWW-Authenticate: %s\r\n", challenge);

    cJSON *root = cJSON_CreateObject();
    cJSON *error = cJSON_AddObjectToObject(root, "error");
    char *text = NULL;
    if (error == NULL || cJSON_AddStringToObject(error, "code", "UNAUTHORIZED") == NULL ||
        cJSON_AddStringToObject(error, "message", message) == NULL ||
        cJSON_AddObjectToObject(error, "details") == NULL)
        goto fallback;
    const char *rid = http_request_id(req);
    if ((rid ? cJSON_AddStringToObject(root, "request_id", rid)
             : cJSON_AddNullToObject(root, "request_id")) == NULL)
        goto fallback;
    text = cJSON_PrintUnformatted(root);
    if (text == NULL)
        goto fallback;
    http_reply_raw(req, 401, "application/json", headers, text, strlen(text));
    cJSON_free(text);
    cJSON_Delete(root);
    return;
fallback:
    cJSON_Delete(root);
    http_reply_error(req, 401, "UNAUTHORIZED", message, NULL);
}

int auth_require(http_req_t *req, const char *roles, auth_principal_t *out)
{
    auth_principal_t p;
    const char *authorization = http_header(req, "Authorization");
    if (authorization == NULL) {
        reply_unauthorized(req, "Bearer", "a bearer token is required");
        return ERR_UNAUTHORIZED;
    }
    if (auth_verify_bearer(authorization, &p) != 0) {
        reply_unauthorized(req, "Bearer error=\"invalid_token\"",
                           "the bearer token is invalid or expired");
        return ERR_UNAUTHORIZED;
    }
    if (roles != NULL && !auth_role_allowed(p.role, roles)) {
        http_reply_error(req, 403, "FORBIDDEN", "this route is not available to your role", NULL);
        return ERR_FORBIDDEN;
    }
    if (out != NULL)
        *out = p;
    return 0;
}

int auth_require_service(http_req_t *req)
{
    const char *given = http_header(req, "X-Service-Token");
    bool ok = false;
    if (given != NULL && service_token != NULL) {
        size_t n = strlen(service_token);
        /* The length is not secret; the comparison of equal-length bytes is constant time. */
        ok = strlen(given) == n && sodium_memcmp(given, service_token, n) == 0;
    }
    if (!ok) {
        reply_unauthorized(req, "Service-Token", "a valid service credential is required");
        return ERR_UNAUTHORIZED;
    }
    return 0;
}
