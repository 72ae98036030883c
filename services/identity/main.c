/* main.c - the identity daemon: load the signing key, then the common service life
 * (migrations, relay, HTTP), seeding the first admin before serving. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "common/auth.h"
#include "common/config.h"
#include "common/log.h"
#include "common/service.h"
#include "routes.h"
#include "tokens.h"

#ifndef IDENTITY_MIGRATIONS_DIR
#define IDENTITY_MIGRATIONS_DIR "migrations"
#endif

static tokens_t *tokens;

/* Other services verify with JWT_PUBLIC_KEY[_FILE]; if it is not the public half of
 * our private key they will reject every token we mint, so say so loudly. Both sides
 * are OpenSSL's canonical SubjectPublicKeyInfo PEM, so text comparison suffices. */
static void warn_on_key_mismatch(const char *derived)
{
    char *configured = config_secret("JWT_PUBLIC_KEY");
    if (configured == NULL)
        return;
    size_t a = strlen(configured), b = strlen(derived);
    while (a > 0 && (configured[a - 1] == '\n' || configured[a - 1] == '\r'))
        a--;
    while (b > 0 && derived[b - 1] == '\n')
        b--;
    if (a != b || memcmp(configured, derived, a) != 0)
        log_warn("JWT_PUBLIC_KEY is not the public half of JWT_PRIVATE_KEY: other services "
                 "will reject identity's tokens");
    free(configured);
}

/* Loads the private key; identity verifies with its public half, whatever
 * JWT_PUBLIC_KEY says. */
static int configure(void)
{
    if (sodium_init() < 0) {
        log_error("libsodium failed to initialize");
        return -1;
    }
    char *private_pem = config_secret("JWT_PRIVATE_KEY");
    if (private_pem == NULL) {
        log_error("JWT_PRIVATE_KEY_FILE (or JWT_PRIVATE_KEY) is required");
        return -1;
    }
    int rc = tokens_load(private_pem, &tokens);
    sodium_memzero(private_pem, strlen(private_pem));
    free(private_pem);
    if (rc != 0) {
        log_error("JWT private key is not an RSA private key of 2048 bits or more");
        return -1;
    }
    if (auth_set_public_key(tokens_public_pem(tokens)) != 0)
        return -1;
    warn_on_key_mismatch(tokens_public_pem(tokens));
    log_info("signing with key id %s", tokens_kid(tokens));

    long window = service_setting("LOGIN_WINDOW_SECONDS", 900, 1, 86400);
    accounts_config_t acfg = {
        .tokens = tokens,
        .access_ttl = service_setting("ACCESS_TOKEN_TTL", 900, 60, 86400),
        .refresh_ttl = service_setting("REFRESH_TOKEN_TTL", 2592000, 300, 31536000),
        .per_account = {(int)service_setting("LOGIN_MAX_ATTEMPTS", 5, 1, 1000), (int)window},
        .per_client = {(int)service_setting("LOGIN_MAX_ATTEMPTS_PER_CLIENT", 20, 1, 100000),
                       (int)window},
        .pw_opslimit = (unsigned long long)service_setting(
            "PWHASH_OPSLIMIT", crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_OPSLIMIT_MIN, 64),
        .pw_memlimit =
            (size_t)service_setting("PWHASH_MEMLIMIT", crypto_pwhash_MEMLIMIT_INTERACTIVE,
                                    crypto_pwhash_MEMLIMIT_MIN, 1L << 30),
        .pw_concurrency = (int)service_setting("PWHASH_CONCURRENCY", 2, 1, 64),
    };
    if (accounts_init(&acfg) != 0)
        return -1;
    return routes_init(tokens, (int)service_setting("ADDRESS_LIMIT", 50, 1, 1000));
}

/* The first admin, from ADMIN_EMAIL/ADMIN_PASSWORD; idempotent across replicas. */
static int start(void)
{
    const char *admin_email = config_str("ADMIN_EMAIL", NULL);
    const char *admin_password = config_str("ADMIN_PASSWORD", NULL);
    if (admin_email == NULL || admin_password == NULL)
        return 0;
    if (account_seed_admin(admin_email, admin_password,
                           config_str("ADMIN_NAME", "Administrator")) != 0) {
        log_error("cannot create the admin account from ADMIN_EMAIL/ADMIN_PASSWORD");
        return -1;
    }
    return 0;
}

int main(void)
{
    service_def_t def = {
        .name = "identity",
        .schema = "identity",
        .migrations_dir = IDENTITY_MIGRATIONS_DIR,
        .default_listen = "127.0.0.1:8081",
        .max_body = 64 * 1024, /* identity's largest body, an address, is under 2 KiB */
        .configure = configure,
        .start = start,
    };
    def.routes = routes_table(&def.route_count);
    int status = service_run(&def);
    routes_free();
    tokens_free(tokens);
    return status;
}
