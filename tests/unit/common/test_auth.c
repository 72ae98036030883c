/* test_auth.c - access token verification, role checks and the service credential.
 *
 * The test makes its own RSA key pairs with OpenSSL and signs tokens with libjwt the
 * way identity does, then attacks the verifier with the classic forgeries: expiry,
 * a tampered payload, another key, "alg":"none" and HS256 keyed with the public PEM.
 * auth_require and auth_require_service are exercised over a real HTTP server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/auth.h"
#include "common/errors.h"
#include "common/http.h"
#include "common/httpclient.h"
#include "common/log.h"

#define USER_ID        "3f1c2a9e-8b7d-4c6e-9a1b-2d3e4f5a6b7c"
#define SERVICE_SECRET "test-service-token-0123456789abcdef"

static char *priv_pem, *pub_pem;             /* the signing key */
static char *other_priv_pem, *other_pub_pem; /* an unrelated key */

static char *bio_string(BIO *bio)
{
    char *data;
    long len = BIO_get_mem_data(bio, &data);
    char *s = strndup(data, (size_t)len);
    assert_non_null(s);
    return s;
}

static void make_key(char **priv, char **pub)
{
    EVP_PKEY *pkey = EVP_RSA_gen(2048);
    assert_non_null(pkey);
    BIO *b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey(b, pkey, NULL, NULL, 0, NULL, NULL), 1);
    *priv = bio_string(b);
    BIO_free(b);
    b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PUBKEY(b, pkey), 1);
    *pub = bio_string(b);
    BIO_free(b);
    EVP_PKEY_free(pkey);
}

static int setup(void **state)
{
    (void)state;
    log_init("test_auth");
    make_key(&priv_pem, &pub_pem);
    make_key(&other_priv_pem, &other_pub_pem);
    return auth_set_public_key(pub_pem);
}

static int teardown(void **state)
{
    (void)state;
    free(priv_pem);
    free(pub_pem);
    free(other_priv_pem);
    free(other_pub_pem);
    return 0;
}

/* Claims to put in a token; NULL strings and zero times are left out. */
typedef struct claims {
    const char *sub, *role, *email, *iss, *aud;
    long iat, exp, nbf;
} claims_t;

static claims_t good_claims(void)
{
    long now = (long)time(NULL);
    claims_t c = {USER_ID,       "customer", "ann@example.com", AUTH_ISSUER,
                  AUTH_AUDIENCE, now,        now + 900,         0};
    return c;
}

static char *sign(jwt_alg_t alg, const char *key, const claims_t *c)
{
    jwt_t *jwt = NULL;
    assert_int_equal(jwt_new(&jwt), 0);
    assert_int_equal(jwt_set_alg(jwt, alg, (const unsigned char *)key, key ? (int)strlen(key) : 0),
                     0);
    if (c->sub)
        assert_int_equal(jwt_add_grant(jwt, "sub", c->sub), 0);
    if (c->role)
        assert_int_equal(jwt_add_grant(jwt, "role", c->role), 0);
    if (c->email)
        assert_int_equal(jwt_add_grant(jwt, "email", c->email), 0);
    if (c->iss)
        assert_int_equal(jwt_add_grant(jwt, "iss", c->iss), 0);
    if (c->aud)
        assert_int_equal(jwt_add_grant(jwt, "aud", c->aud), 0);
    if (c->iat)
        assert_int_equal(jwt_add_grant_int(jwt, "iat", c->iat), 0);
    if (c->exp)
        assert_int_equal(jwt_add_grant_int(jwt, "exp", c->exp), 0);
    if (c->nbf)
        assert_int_equal(jwt_add_grant_int(jwt, "nbf", c->nbf), 0);
    char *token = jwt_encode_str(jwt);
    assert_non_null(token);
    jwt_free(jwt);
    return token;
}

/* Verifies "Bearer <token>" and frees the token. */
static int verify(char *token, auth_principal_t *p)
{
    char header[4096];
    snprintf(header, sizeof header, "Bearer %s", token);
    free(token);
    return auth_verify_bearer(header, p);
}

static void test_auth_valid_token_accepted(void **state)
{
    (void)state;
    claims_t c = good_claims();
    auth_principal_t p;
    assert_int_equal(verify(sign(JWT_ALG_RS256, priv_pem, &c), &p), 0);
    assert_string_equal(p.user_id, USER_ID);
    assert_string_equal(p.role, "customer");
    assert_string_equal(p.email, "ann@example.com");
}

static void test_auth_expired_token_rejected(void **state)
{
    (void)state;
    claims_t c = good_claims();
    c.iat -= 7200;
    c.exp = c.iat + 900;
    auth_principal_t p;
    assert_int_equal(verify(sign(JWT_ALG_RS256, priv_pem, &c), &p), ERR_UNAUTHORIZED);
}

static void test_auth_missing_exp_rejected(void **state)
{
    (void)state;
    claims_t c = good_claims();
    c.exp = 0;
    auth_principal_t p;
    assert_int_equal(verify(sign(JWT_ALG_RS256, priv_pem, &c), &p), ERR_UNAUTHORIZED);
}

static void test_auth_future_iat_and_nbf_rejected(void **state)
{
    (void)state;
    auth_principal_t p;
    claims_t c = good_claims();
    c.iat += 3600;
    c.exp += 3600;
    assert_int_equal(verify(sign(JWT_ALG_RS256, priv_pem, &c), &p), ERR_UNAUTHORIZED);
    c = good_claims();
    c.nbf = c.iat + 600;
    assert_int_equal(verify(sign(JWT_ALG_RS256, priv_pem, &c), &p), ERR_UNAUTHORIZED);
    c.nbf = c.iat;
    assert_int_equal(verify(sign(JWT_ALG_RS256, priv_pem, &c), &p), 0);
}

/* Replaces the payload of a signed token with base64url(json), keeping the signature. */
static char *with_payload(char *token, const char *json)
{
    char *dot1 = strchr(token, '.');
    char *dot2 = strrchr(token, '.');
    char b64[1024];
    sodium_bin2base64(b64, sizeof b64, (const unsigned char *)json, strlen(json),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(strlen(token) + strlen(b64) + 4);
    assert_non_null(out);
    sprintf(out, "%.*s.%s%s", (int)(dot1 - token), token, b64, dot2);
    free(token);
    return out;
}

static void test_auth_tampered_payload_rejected(void **state)
{
    (void)state;
    claims_t c = good_claims();
    char json[512];
    snprintf(json, sizeof json,
             "{\"sub\":\"%s\",\"role\":\"admin\",\"email\":\"ann@example.com\",\"iss\":\"%s\","
             "\"aud\":\"%s\",\"iat\":%ld,\"exp\":%ld}",
             USER_ID, AUTH_ISSUER, AUTH_AUDIENCE, c.iat, c.exp);
    auth_principal_t p;
    assert_int_equal(verify(with_payload(sign(JWT_ALG_RS256, priv_pem, &c), json), &p),
                     ERR_UNAUTHORIZED);
}

static void test_auth_other_key_rejected(void **state)
{
    (void)state;
    claims_t c = good_claims();
    auth_principal_t p;
    assert_int_equal(verify(sign(JWT_ALG_RS256, other_priv_pem, &c), &p), ERR_UNAUTHORIZED);
}

static void test_auth_alg_none_rejected(void **state)
{
    (void)state;
    claims_t c = good_claims();
    auth_principal_t p;
    assert_int_equal(verify(sign(JWT_ALG_NONE, NULL, &c), &p), ERR_UNAUTHORIZED);
    /* The same with the signature of a genuine token left attached. */
    char *real = sign(JWT_ALG_RS256, priv_pem, &c);
    char *none = sign(JWT_ALG_NONE, NULL, &c);
    char *forged = malloc(strlen(none) + strlen(real) + 1);
    assert_non_null(forged);
    sprintf(forged, "%s%s", none, strrchr(real, '.') + 1);
    free(real);
    free(none);
    assert_int_equal(verify(forged, &p), ERR_UNAUTHORIZED);
}

static void test_auth_hs256_with_public_key_rejected(void **state)
{
    (void)state;
    claims_t c = good_claims();
    auth_principal_t p;
    /* Key confusion: the public PEM, which everyone has, used as an HMAC secret. */
    assert_int_equal(verify(sign(JWT_ALG_HS256, pub_pem, &c), &p), ERR_UNAUTHORIZED);
}

static void test_auth_wrong_audience_or_issuer_rejected(void **state)
{
    (void)state;
    auth_principal_t p;
    claims_t c = good_claims();
    c.aud = "someone-else";
    assert_int_equal(verify(sign(JWT_ALG_RS256, priv_pem, &c), &p), ERR_UNAUTHORIZED);
    c = good_claims();
    c.iss = "evil-identity";
    assert_int_equal(verify(sign(JWT_ALG_RS256, priv_pem, &c), &p), ERR_UNAUTHORIZED);
    c = good_claims();
    c.aud = NULL;
    assert_int_equal(verify(sign(JWT_ALG_RS256, priv_pem, &c), &p), ERR_UNAUTHORIZED);
}

static void test_auth_bad_subject_or_role_rejected(void **state)
{
    (void)state;
    auth_principal_t p;
    claims_t c = good_claims();
    c.sub = "not-a-uuid";
    assert_int_equal(verify(sign(JWT_ALG_RS256, priv_pem, &c), &p), ERR_UNAUTHORIZED);
    c = good_claims();
    c.role = "root";
    assert_int_equal(verify(sign(JWT_ALG_RS256, priv_pem, &c), &p), ERR_UNAUTHORIZED);
    c = good_claims();
    c.email = NULL;
    assert_int_equal(verify(sign(JWT_ALG_RS256, priv_pem, &c), &p), ERR_UNAUTHORIZED);
}

static void test_auth_header_shapes(void **state)
{
    (void)state;
    auth_principal_t p;
    claims_t c = good_claims();
    char *token = sign(JWT_ALG_RS256, priv_pem, &c);
    char header[4096];
    snprintf(header, sizeof header, "bearer   %s", token);
    assert_int_equal(auth_verify_bearer(header, &p), 0); /* the scheme is case-insensitive */
    snprintf(header, sizeof header, "Basic %s", token);
    assert_int_equal(auth_verify_bearer(header, &p), ERR_UNAUTHORIZED);
    snprintf(header, sizeof header, "Bearer %s.x", token);
    assert_int_equal(auth_verify_bearer(header, &p), ERR_UNAUTHORIZED);
    free(token);
    assert_int_equal(auth_verify_bearer(NULL, &p), ERR_UNAUTHORIZED);
    assert_int_equal(auth_verify_bearer("Bearer ", &p), ERR_UNAUTHORIZED);
    assert_int_equal(auth_verify_bearer("Bearer a.b.c", &p), ERR_UNAUTHORIZED);
}

static void test_auth_public_key_must_be_rsa_public(void **state)
{
    (void)state;
    assert_int_equal(auth_set_public_key("not a key"), ERR_INVALID);
    assert_int_equal(auth_set_public_key(NULL), ERR_INVALID);
    /* The rejected keys left the good one in place. */
    claims_t c = good_claims();
    auth_principal_t p;
    assert_int_equal(verify(sign(JWT_ALG_RS256, priv_pem, &c), &p), 0);
}

static void test_auth_role_allowed_matches_whole_names(void **state)
{
    (void)state;
    assert_true(auth_role_allowed("admin", "admin"));
    assert_true(auth_role_allowed("seller", "customer,seller"));
    assert_true(auth_role_allowed("customer", "customer,seller,admin"));
    assert_false(auth_role_allowed("admin", "customer,seller"));
    assert_false(auth_role_allowed("sell", "customer,seller"));
    assert_false(auth_role_allowed("superadmin", "admin"));
    assert_false(auth_role_allowed("", "customer"));
    assert_false(auth_role_allowed(NULL, "customer"));
}

/* ---- the per-thread cache of verified tokens ------------------------------------------ */

/* "Bearer <token>" without freeing the token. */
static int verify_kept(const char *token, auth_principal_t *p)
{
    char header[4096];
    snprintf(header, sizeof header, "Bearer %s", token);
    return auth_verify_bearer(header, p);
}

static void test_auth_cached_token_gives_same_principal(void **state)
{
    (void)state;
    claims_t c = good_claims();
    c.role = "seller";
    char *token = sign(JWT_ALG_RS256, priv_pem, &c);
    auth_principal_t first, again;
    assert_int_equal(verify_kept(token, &first), 0);
    memset(&again, 0, sizeof again);
    assert_int_equal(verify_kept(token, &again), 0);
    assert_memory_equal(&first, &again, sizeof first);
    assert_string_equal(again.role, "seller");
    /* A NULL out is allowed on a hit as on a miss. */
    assert_int_equal(verify_kept(token, NULL), 0);
    free(token);
}

static void test_auth_cached_token_not_matched_by_a_tampered_copy(void **state)
{
    (void)state;
    claims_t c = good_claims();
    char *token = sign(JWT_ALG_RS256, priv_pem, &c);
    auth_principal_t p;
    assert_int_equal(verify_kept(token, &p), 0);
    /* One byte changed in each part, same length: never a hit. */
    char *dot1 = strchr(token, '.'), *dot2 = strrchr(token, '.');
    char *spots[] = {token + 2, dot1 + 3, dot2 + 5};
    for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++) {
        char was = *spots[i];
        *spots[i] = was == 'A' ? 'B' : 'A';
        assert_int_equal(verify_kept(token, &p), ERR_UNAUTHORIZED);
        *spots[i] = was;
    }
    assert_int_equal(verify_kept(token, &p), 0);
    free(token);
}

static void test_auth_cached_token_dropped_when_key_changes(void **state)
{
    (void)state;
    claims_t c = good_claims();
    char *token = sign(JWT_ALG_RS256, priv_pem, &c);
    auth_principal_t p;
    assert_int_equal(verify_kept(token, &p), 0);
    assert_int_equal(auth_set_public_key(other_pub_pem), 0);
    assert_int_equal(verify_kept(token, &p), ERR_UNAUTHORIZED);
    assert_int_equal(auth_set_public_key(pub_pem), 0);
    assert_int_equal(verify_kept(token, &p), 0);
    free(token);
}

static void test_auth_cache_holds_many_tokens(void **state)
{
    (void)state;
    /* More tokens than cache entries, verified round after round: every answer stays
     * right whether it comes from the cache or from a full verification. */
    enum { N = 20 };
    char *tokens[N];
    for (int i = 0; i < N; i++) {
        claims_t c = good_claims();
        c.iat -= i; /* distinct tokens */
        tokens[i] = sign(JWT_ALG_RS256, priv_pem, &c);
    }
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < N; i++) {
            auth_principal_t p;
            assert_int_equal(verify_kept(tokens[i], &p), 0);
            assert_string_equal(p.user_id, USER_ID);
            /* One token kept hot while the others evict each other. */
            assert_int_equal(verify_kept(tokens[0], &p), 0);
        }
    for (int i = 0; i < N; i++)
        free(tokens[i]);
}

/* ---- auth_require and auth_require_service over HTTP -------------------------------- */

static void admin_only(http_req_t *req)
{
    auth_principal_t p;
    if (auth_require(req, "admin", &p) == 0)
        http_reply_json(req, 200, cJSON_CreateString(p.user_id));
}

static void internal_only(http_req_t *req)
{
    if (auth_require_service(req) == 0)
        http_reply_json(req, 200, cJSON_CreateString("ok"));
}

static const http_route_t test_routes[] = {
    {"GET", "/admin", admin_only},
    {"GET", "/internal/x", internal_only},
};

static long get(int port, const char *path, const char *header, char **headers_out)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    const char *headers[] = {header, NULL};
    hc_response_t r;
    assert_int_equal(hc_request("GET", url, header ? headers : NULL, NULL, 0, 5000, 65536, &r), 0);
    long status = r.status;
    if (status >= 400)
        assert_non_null(strstr(r.body, "\"error\""));
    if (headers_out)
        *headers_out = strdup(r.headers);
    hc_response_free(&r);
    return status;
}

static void test_auth_require_over_http(void **state)
{
    (void)state;
    setenv("SERVICE_TOKEN", SERVICE_SECRET, 1);
    setenv("JWT_PUBLIC_KEY", pub_pem, 1);
    assert_int_equal(auth_init(), 0);
    assert_string_equal(auth_service_token(), SERVICE_SECRET);
    assert_int_equal(hc_global_init(), 0);

    http_server_opts_t opts = {.service = "test_auth",
                               .listen = "127.0.0.1:0",
                               .threads = 2,
                               .routes = test_routes,
                               .route_count = 2};
    http_server_t *srv = http_server_start(&opts);
    assert_non_null(srv);
    int port = http_server_port(srv);
    char *headers = NULL;
    char bearer[4096];

    /* No token: 401 with a bare Bearer challenge. */
    assert_int_equal(get(port, "/admin", NULL, &headers), 401);
    assert_non_null(strstr(headers, "WWW-Authenticate: Bearer"));
    free(headers);

    /* A forged token: 401 invalid_token. */
    claims_t c = good_claims();
    c.role = "admin";
    char *token = sign(JWT_ALG_HS256, pub_pem, &c);
    snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", token);
    free(token);
    assert_int_equal(get(port, "/admin", bearer, &headers), 401);
    assert_non_null(strstr(headers, "invalid_token"));
    free(headers);

    /* A customer on an admin route: 403. */
    c = good_claims();
    token = sign(JWT_ALG_RS256, priv_pem, &c);
    snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", token);
    free(token);
    assert_int_equal(get(port, "/admin", bearer, NULL), 403);

    /* An admin: 200. */
    c.role = "admin";
    token = sign(JWT_ALG_RS256, priv_pem, &c);
    snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", token);
    free(token);
    assert_int_equal(get(port, "/admin", bearer, NULL), 200);

    /* The service credential: missing, wrong, a prefix of the right one, right. */
    assert_int_equal(get(port, "/internal/x", NULL, NULL), 401);
    assert_int_equal(get(port, "/internal/x", "X-Service-Token: wrong", NULL), 401);
    assert_int_equal(get(port, "/internal/x", "X-Service-Token: test-service-token", NULL), 401);
    assert_int_equal(get(port, "/internal/x", "X-Service-Token: " SERVICE_SECRET, NULL), 200);
    /* A user token is no service credential. */
    assert_int_equal(get(port, "/internal/x", bearer, NULL), 401);

    http_server_stop(srv);
    hc_thread_cleanup();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_valid_token_accepted),
        cmocka_unit_test(test_auth_expired_token_rejected),
        cmocka_unit_test(test_auth_missing_exp_rejected),
        cmocka_unit_test(test_auth_future_iat_and_nbf_rejected),
        cmocka_unit_test(test_auth_tampered_payload_rejected),
        cmocka_unit_test(test_auth_other_key_rejected),
        cmocka_unit_test(test_auth_alg_none_rejected),
        cmocka_unit_test(test_auth_hs256_with_public_key_rejected),
        cmocka_unit_test(test_auth_wrong_audience_or_issuer_rejected),
        cmocka_unit_test(test_auth_bad_subject_or_role_rejected),
        cmocka_unit_test(test_auth_header_shapes),
        cmocka_unit_test(test_auth_public_key_must_be_rsa_public),
        cmocka_unit_test(test_auth_role_allowed_matches_whole_names),
        cmocka_unit_test(test_auth_cached_token_gives_same_principal),
        cmocka_unit_test(test_auth_cached_token_not_matched_by_a_tampered_copy),
        cmocka_unit_test(test_auth_cached_token_dropped_when_key_changes),
        cmocka_unit_test(test_auth_cache_holds_many_tokens),
        cmocka_unit_test(test_auth_require_over_http),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
