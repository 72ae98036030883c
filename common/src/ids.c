/* ids.c - random identifiers from libsodium's CSPRNG: UUID v4 and W3C trace ids. */
#include "common/ids.h"

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t g_sodium_once = PTHREAD_ONCE_INIT;

static void sodium_setup(void)
{
    /* Without a working CSPRNG every id would be predictable: refuse to go on. */
    if (sodium_init() < 0)
        abort();
}

static void random_bytes(unsigned char *buf, size_t len)
{
    pthread_once(&g_sodium_once, sodium_setup);
    randombytes_buf(buf, len);
}

static void to_hex(char *out, const unsigned char *in, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 0xf];
    }
}

void id_uuid(char out[ID_UUID_LEN])
{
    unsigned char b[16];
    random_bytes(b, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    to_hex(out, b, 4);
    out[8] = '-';
    to_hex(out + 9, b + 4, 2);
    out[13] = '-';
    to_hex(out + 14, b + 6, 2);
    out[18] = '-';
    to_hex(out + 19, b + 8, 2);
    out[23] = '-';
    to_hex(out + 24, b + 10, 6);
    out[36] = '\0';
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool id_is_uuid(const char *s)
{
    if (s == NULL)
        return false;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!is_hex(s[i])) {
            return false; /* also stops at a NUL before 36 characters */
        }
    }
    return s[36] == '\0';
}

void id_lower(const char *id, char out[ID_UUID_LEN])
{
    for (int i = 0; i < ID_UUID_LEN; i++)
        out[i] = (char)(id[i] >= 'A' && id[i] <= 'F' ? id[i] - 'A' + 'a' : id[i]);
}

static bool all_zero(const unsigned char *b, size_t len)
{
    unsigned char acc = 0;
    for (size_t i = 0; i < len; i++)
        acc |= b[i];
    return acc == 0;
}

void id_traceparent(char out[56])
{
    unsigned char trace[16], span[8];
    /* W3C Trace Context forbids all-zero ids; redraw in that (astronomically rare) case. */
    do
        random_bytes(trace, sizeof(trace));
    while (all_zero(trace, sizeof(trace)));
    do
        random_bytes(span, sizeof(span));
    while (all_zero(span, sizeof(span)));
    memcpy(out, "00-", 3);
    to_hex(out + 3, trace, 16);
    out[35] = '-';
    to_hex(out + 36, span, 8);
    memcpy(out + 52, "-01", 4); /* with the NUL: 55 characters and a terminator */
}

/* n lowercase hex digits at s; *zero tells whether they were all '0'. */
static bool lower_hex_run(const char *s, size_t n, bool *zero)
{
    *zero = true;
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
        if (s[i] != '0')
            *zero = false;
    }
    return true;
}

bool id_is_traceparent(const char *s)
{
    bool zero;
    /* 00-<32>-<16>-<2>: 2+1+32+1+16+1+2 = 55 characters. */
    if (s == NULL || strlen(s) != 55 || s[0] != '0' || s[1] != '0' || s[2] != '-' || s[35] != '-' ||
        s[52] != '-')
        return false;
    if (!lower_hex_run(s + 3, 32, &zero) || zero || !lower_hex_run(s + 36, 16, &zero) || zero)
        return false;
    return lower_hex_run(s + 53, 2, &zero);
}
