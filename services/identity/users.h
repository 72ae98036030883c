/* users.h - identity's domain rules: what a valid email, password, name, role and
 * postal address are. Pure functions, no I/O, so they are unit-tested directly.
 *
 * Each validator records a message against the field name in a json_check_t, so a
 * 400 names every bad field at once (see common/json.h).
 */
#ifndef IDENTITY_USERS_H
#define IDENTITY_USERS_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "common/json.h"

#define USER_EMAIL_MAX     254
#define USER_PASSWORD_MIN  8
#define USER_PASSWORD_MAX  128
#define USER_NAME_MAX      100
#define ADDRESS_LINE_MAX   200
#define ADDRESS_FIELD_MAX  100
#define ADDRESS_POSTAL_MAX 20
#define ADDRESS_PHONE_MAX  32

/* True when s is len bytes of well-formed UTF-8 with no control characters. */
bool user_text_ok(const char *s, size_t len);

/* Checks an email address (ASCII, local@domain with a dotted domain, at most 254
 * bytes) and writes its lowercase form into out (out_len >= USER_EMAIL_MAX + 1).
 * Returns true when valid. */
bool user_email_normalize(const char *email, char *out, size_t out_len);

/* Checks a new password against the policy (8 to 128 bytes of UTF-8, not only spaces).
 * NULL when acceptable, otherwise the reason. */
const char *user_password_problem(const char *password);

/* True for a display name: 1 to 100 bytes of printable UTF-8, not only spaces. */
bool user_name_ok(const char *name);

/* True for a role a user may choose at registration: "customer" or "seller".
 * "admin" is never self-registrable. */
bool user_role_self_registrable(const char *role);

/* True for any role identity issues: customer, seller or admin. */
bool user_role_valid(const char *role);

/* True when code is an assigned ISO 3166-1 alpha-2 country code (uppercase). */
bool address_country_valid(const char *code);

/* A validated postal address. Pointers borrow from the request body except country,
 * which is the normalized (uppercase) copy. */
typedef struct address_fields {
    const char *name;
    const char *phone;
    const char *line1;
    const char *line2; /* NULL when absent */
    const char *city;
    const char *district; /* district, state or province */
    const char *postal_code;
    char country[3];
} address_fields_t;

/* Reads and validates the address fields of a request body into out, recording
 * every problem in chk. Returns true when all fields are valid. */
bool address_parse(json_check_t *chk, const cJSON *body, address_fields_t *out);

#endif
