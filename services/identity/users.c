/* users.c - identity's validation rules for accounts and postal addresses.
 *
 * Everything here is pure: it looks only at its arguments, so the rules are unit
 * tested without a database or a server (tests/unit/identity/test_users.c).
 */
#include "users.h"

#include <ctype.h>
#include <string.h>

/* Assigned ISO 3166-1 alpha-2 codes (iso-codes 4.x), sorted, two letters each. */
static const char COUNTRIES[] =
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCD"
    "CFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGF"
    "GGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKN"
    "KPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNA"
    "NCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSI"
    "SJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVI"
    "VNVUWFWSYEYTZAZMZW";

bool user_text_ok(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return false;
            i++;
            continue;
        }
        size_t n;
        unsigned cp;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        /* Reject overlong forms, UTF-16 surrogates, code points past U+10FFFF and the
         * C1 control characters. */
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
            return false;
        i += n + 1;
    }
    return true;
}

static bool not_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ')
            return true;
    return false;
}

static bool email_local_char(char c)
{
    return isalnum((unsigned char)c) || strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL;
}

bool user_email_normalize(const char *email, char *out, size_t out_len)
{
    if (email == NULL)
        return false;
    size_t len = strlen(email);
    if (len < 3 || len > USER_EMAIL_MAX || out_len < len + 1)
        return false;
    const char *at = strchr(email, '@');
    if (at == NULL || strchr(at + 1, '@') != NULL)
        return false;

    /* Local part: dot-atom, at most 64 bytes (RFC 5321 4.5.3.1.1). */
    size_t local_len = (size_t)(at - email);
    if (local_len == 0 || local_len > 64 || email[0] == '.' || at[-1] == '.')
        return false;
    for (size_t i = 0; i < local_len; i++) {
        char c = email[i];
        if (c == '.') {
            if (email[i + 1] == '.')
                return false;
        } else if (!email_local_char(c)) {
            return false;
        }
    }

    /* Domain: at least two LDH labels of 1 to 63 bytes, the last not all digits. */
    const char *d = at + 1;
    int labels = 0;
    bool last_all_digits = true;
    while (true) {
        const char *end = strchr(d, '.');
        size_t n = end ? (size_t)(end - d) : strlen(d);
        if (n == 0 || n > 63 || d[0] == '-' || d[n - 1] == '-')
            return false;
        last_all_digits = true;
        for (size_t i = 0; i < n; i++) {
            if (!isalnum((unsigned char)d[i]) && d[i] != '-')
                return false;
            if (!isdigit((unsigned char)d[i]))
                last_all_digits = false;
        }
        labels++;
        if (end == NULL)
            break;
        d = end + 1;
    }
    if (labels < 2 || last_all_digits)
        return false;

    for (size_t i = 0; i <= len; i++)
        out[i] = (char)tolower((unsigned char)email[i]);
    return true;
}

const char *user_password_problem(const char *password)
{
    if (password == NULL)
        return "is required";
    size_t len = strlen(password);
    if (len < USER_PASSWORD_MIN)
        return "must be at least 8 bytes long";
    if (len > USER_PASSWORD_MAX)
        return "must be at most 128 bytes long";
    if (!user_text_ok(password, len))
        return "must be UTF-8 text without control characters";
    if (!not_blank(password))
        return "must not be only spaces";
    return NULL;
}

bool user_name_ok(const char *name)
{
    if (name == NULL)
        return false;
    size_t len = strlen(name);
    return len >= 1 && len <= USER_NAME_MAX && user_text_ok(name, len) && not_blank(name);
}

bool user_role_self_registrable(const char *role)
{
    return role != NULL && (strcmp(role, "customer") == 0 || strcmp(role, "seller") == 0);
}

bool user_role_valid(const char *role)
{
    return user_role_self_registrable(role) || (role != NULL && strcmp(role, "admin") == 0);
}

bool address_country_valid(const char *code)
{
    if (code == NULL || strlen(code) != 2 || !isupper((unsigned char)code[0]) ||
        !isupper((unsigned char)code[1]))
        return false;
    for (size_t i = 0; i + 1 < sizeof COUNTRIES; i += 2)
        if (COUNTRIES[i] == code[0] && COUNTRIES[i + 1] == code[1])
            return true;
    return false;
}

static bool phone_ok(const char *s)
{
    int digits = 0;
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        if (isdigit((unsigned char)c))
            digits++;
        else if (c == '+' && i == 0)
            continue;
        else if (c != ' ' && c != '-' && c != '(' && c != ')' && c != '.')
            return false;
    }
    /* E.164 numbers have at most 15 digits; six admits short local numbers. */
    return digits >= 6 && digits <= 15;
}

static bool postal_ok(const char *s)
{
    bool alnum = false;
    for (; *s; s++) {
        if (isalnum((unsigned char)*s))
            alnum = true;
        else if (*s != ' ' && *s != '-')
            return false;
    }
    return alnum;
}

/* A required text field: present, a string, within its length, printable, not blank. */
static const char *text_field(json_check_t *chk, const cJSON *body, const char *name, size_t max,
                              bool required)
{
    const char *v = required ? json_req_string(chk, body, name, 1, max)
                             : json_opt_string(chk, body, name, 0, max);
    if (v == NULL)
        return NULL;
    if (!user_text_ok(v, strlen(v))) {
        json_check_fail(chk, name, "must be UTF-8 text without control characters");
        return NULL;
    }
    if (required && !not_blank(v)) {
        json_check_fail(chk, name, "must not be blank");
        return NULL;
    }
    return v;
}

bool address_parse(json_check_t *chk, const cJSON *body, address_fields_t *out)
{
    bool was_ok = json_check_ok(chk);
    memset(out, 0, sizeof *out);

    out->name = text_field(chk, body, "name", ADDRESS_FIELD_MAX, true);
    out->phone = text_field(chk, body, "phone", ADDRESS_PHONE_MAX, true);
    if (out->phone != NULL && !phone_ok(out->phone)) {
        json_check_fail(chk, "phone", "must be a phone number of 6 to 15 digits");
        out->phone = NULL;
    }
    out->line1 = text_field(chk, body, "line1", ADDRESS_LINE_MAX, true);
    out->line2 = text_field(chk, body, "line2", ADDRESS_LINE_MAX, false);
    if (out->line2 != NULL && out->line2[0] == '\0')
        out->line2 = NULL;
    out->city = text_field(chk, body, "city", ADDRESS_FIELD_MAX, true);
    out->district = text_field(chk, body, "district", ADDRESS_FIELD_MAX, true);
    out->postal_code = text_field(chk, body, "postal_code", ADDRESS_POSTAL_MAX, true);
    if (out->postal_code != NULL && !postal_ok(out->postal_code)) {
        json_check_fail(chk, "postal_code", "may hold only letters, digits, spaces and dashes");
        out->postal_code = NULL;
    }

    const char *country = json_req_string(chk, body, "country", 2, 2);
    if (country != NULL) {
        char up[3] = {(char)toupper((unsigned char)country[0]),
                      (char)toupper((unsigned char)country[1]), '\0'};
        if (address_country_valid(up))
            memcpy(out->country, up, sizeof up);
        else
            json_check_fail(chk, "country", "must be an ISO 3166-1 alpha-2 code such as \"NP\"");
    }
    return was_ok && json_check_ok(chk);
}
