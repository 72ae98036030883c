/* mime.c - RFC 5322 / MIME message building (see mime.h). */
#include "mime.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/text.h"

#define RAW_HEADER_MAX 900 /* a raw header value longer than this is encoded (and folded) */
#define QP_LINE_MAX    76
#define WORD_INPUT_MAX 45 /* bytes per encoded-word: 60 base64 chars + 12 = 72 <= 75 */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void add_base64(strbuf_t *b, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        char q[4] = {b64[(v >> 18) & 63], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=',
                     i + 2 < n ? b64[v & 63] : '='};
        strbuf_add(b, q, 4);
    }
}

/* Takes the buffer's contents as a NUL-terminated heap string. */
static int finish(strbuf_t *b, char **out, size_t *len)
{
    strbuf_add(b, "", 1);
    if (b->failed) {
        strbuf_free(b);
        return ERR_INTERNAL;
    }
    if (len != NULL)
        *len = b->len - 1;
    if (b->heap) {
        *out = b->p;
        return 0;
    }
    *out = malloc(b->len);
    if (*out == NULL)
        return ERR_INTERNAL;
    memcpy(*out, b->p, b->len);
    return 0;
}

static bool printable_ascii(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

/* Appends value as encoded-words (or raw when it may be); see mime_header_text. */
static void add_header_text(strbuf_t *b, const char *value)
{
    size_t n = strlen(value);
    if (n <= RAW_HEADER_MAX && printable_ascii(value) && strstr(value, "=?") == NULL) {
        strbuf_add(b, value, n);
        return;
    }
    const unsigned char *s = (const unsigned char *)value;
    size_t pos = 0;
    bool first = true;
    while (pos < n || first) {
        /* Take whole UTF-8 sequences up to WORD_INPUT_MAX bytes; an invalid byte is taken
         * alone (it was never valid UTF-8, and splitting it cannot make it worse). */
        size_t take = 0;
        while (pos + take < n) {
            size_t seq = utf8_seq(s + pos + take, n - pos - take);
            if (seq == 0)
                seq = 1;
            if (take + seq > WORD_INPUT_MAX)
                break;
            take += seq;
        }
        if (!first)
            strbuf_str(b, "\r\n ");
        strbuf_str(b, "=?UTF-8?B?");
        add_base64(b, s + pos, take);
        strbuf_str(b, "?=");
        pos += take;
        first = false;
    }
}

int mime_header_text(const char *value, char **out)
{
    strbuf_t b;
    char storage[256];
    strbuf_init(&b, storage, sizeof storage);
    add_header_text(&b, value);
    return finish(&b, out, NULL);
}

int mime_qp(const char *text, char **out)
{
    strbuf_t b;
    char storage[1024];
    static const char hex[] = "0123456789ABCDEF";
    size_t col = 0;
    strbuf_init(&b, storage, sizeof storage);
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        unsigned char c = *p;
        if (c == '\r' && p[1] == '\n')
            continue;
        if (c == '\n') {
            strbuf_str(&b, "\r\n");
            col = 0;
            continue;
        }
        char tok[3];
        size_t w;
        bool line_end = p[1] == '\0' || p[1] == '\n' || (p[1] == '\r' && p[2] == '\n');
        bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !line_end);
        /* A dot opening a line is encoded, so no SMTP layer can mistake it for the end. */
        if (c == '.' && col == 0)
            literal = false;
        if (literal) {
            tok[0] = (char)c;
            w = 1;
        } else {
            tok[0] = '=';
            tok[1] = hex[c >> 4];
            tok[2] = hex[c & 15];
            w = 3;
        }
        if (col + w > QP_LINE_MAX - 1) {
            strbuf_str(&b, "=\r\n");
            col = 0;
            if (c == '.' && literal) {
                tok[0] = '=';
                tok[1] = '2';
                tok[2] = 'E';
                w = 3;
            }
        }
        strbuf_add(&b, tok, w);
        col += w;
    }
    return finish(&b, out, NULL);
}

int mime_address_ok(const char *addr)
{
    size_t n = addr != NULL ? strlen(addr) : 0;
    const char *at = n > 0 ? strchr(addr, '@') : NULL;
    if (n < 3 || n > 254 || at == NULL || at == addr || at[1] == '\0' || strchr(at + 1, '@'))
        return 0;
    for (const char *p = addr; *p != '\0'; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f || strchr("<>(),;:\\\"[]", *p))
            return 0;
    return 1;
}

const char *mime_domain_of(const char *addr)
{
    const char *at = addr != NULL ? strrchr(addr, '@') : NULL;
    return at != NULL && at[1] != '\0' ? at + 1 : NULL;
}

int mime_address_of(const char *from, char *out, size_t n)
{
    const char *lt = strrchr(from, '<');
    const char *start = from, *end = from + strlen(from);
    if (lt != NULL) {
        const char *gt = strchr(lt, '>');
        if (gt == NULL)
            return ERR_INVALID;
        start = lt + 1;
        end = gt;
    }
    while (start < end && *start == ' ')
        start++;
    while (end > start && end[-1] == ' ')
        end--;
    size_t len = (size_t)(end - start);
    if (len + 1 > n)
        return ERR_INVALID;
    memcpy(out, start, len);
    out[len] = '\0';
    return mime_address_ok(out) ? 0 : ERR_INVALID;
}

static bool id_chars(const char *s, bool domain)
{
    if (s == NULL || *s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || (!domain && c == '_');
        if (!ok)
            return false;
    }
    return true;
}

int mime_message_id(const char *notification_id, const char *id_domain, char *out, size_t n)
{
    if (!id_chars(notification_id, false) || !id_chars(id_domain, true))
        return ERR_INVALID;
    int w = snprintf(out, n, "<%s@%s>", notification_id, id_domain);
    return w < 0 || (size_t)w >= n ? ERR_INVALID : 0;
}

/* "Name <addr>", with the name as an atom phrase, a quoted-string or encoded-words. */
static void add_mailbox(strbuf_t *b, const char *name, const char *addr)
{
    if (name != NULL && name[0] != '\0') {
        bool atoms = true;
        for (const char *p = name; *p != '\0'; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || strchr(" !#$%&'*+-/=?^_`{|}~", *p)))
                atoms = false;
        if (atoms && name[0] != ' ') {
            strbuf_str(b, name);
        } else if (printable_ascii(name) && strlen(name) <= 200) {
            strbuf_str(b, "\"");
            for (const char *p = name; *p != '\0'; p++) {
                if (*p == '"' || *p == '\\')
                    strbuf_str(b, "\\");
                strbuf_add(b, p, 1);
            }
            strbuf_str(b, "\"");
        } else {
            add_header_text(b, name);
        }
        strbuf_str(b, " ");
    }
    strbuf_str(b, "<");
    strbuf_str(b, addr);
    strbuf_str(b, ">");
}

/* The display name of a From value ("Store <a@b>" -> "Store"), into out[n]; "" for none. */
static void name_of(const char *from, char *out, size_t n)
{
    const char *lt = strrchr(from, '<');
    out[0] = '\0';
    if (lt == NULL)
        return;
    const char *s = from, *e = lt;
    while (s < e && *s == ' ')
        s++;
    while (e > s && e[-1] == ' ')
        e--;
    if (e - s >= 2 && *s == '"' && e[-1] == '"') {
        s++;
        e--;
    }
    size_t len = (size_t)(e - s) < n - 1 ? (size_t)(e - s) : n - 1;
    memcpy(out, s, len);
    out[len] = '\0';
}

static void add_date(strbuf_t *b, time_t t)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    char buf[64];
    gmtime_r(&t, &tm);
    snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7],
             tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
             tm.tm_sec);
    strbuf_str(b, buf);
}

static int add_part(strbuf_t *b, const char *boundary, const char *type, const char *body)
{
    char *qp = NULL;
    if (mime_qp(body, &qp) != 0)
        return ERR_INTERNAL;
    strbuf_str(b, "--");
    strbuf_str(b, boundary);
    strbuf_str(b, "\r\nContent-Type: ");
    strbuf_str(b, type);
    strbuf_str(b, "; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
    strbuf_str(b, qp);
    strbuf_str(b, "\r\n");
    free(qp);
    return 0;
}

int mime_build(const mime_mail_t *m, char **out, size_t *len)
{
    char from_addr[256], from_name[256], msgid[384], boundary[128];
    strbuf_t b;
    char storage[4096];
    *out = NULL;
    if (m->from == NULL || mime_address_of(m->from, from_addr, sizeof from_addr) != 0 ||
        !mime_address_ok(m->to_addr) || m->subject == NULL || m->text == NULL ||
        mime_message_id(m->notification_id, m->id_domain, msgid, sizeof msgid) != 0)
        return ERR_INVALID;
    name_of(m->from, from_name, sizeof from_name);
    /* "=_" never occurs in quoted-printable text, so the boundary cannot occur in a part. */
    snprintf(boundary, sizeof boundary, "=_notification_%s", m->notification_id);

    strbuf_init(&b, storage, sizeof storage);
    strbuf_str(&b, "From: ");
    add_mailbox(&b, from_name, from_addr);
    strbuf_str(&b, "\r\nTo: ");
    add_mailbox(&b, m->to_name, m->to_addr);
    strbuf_str(&b, "\r\nSubject: ");
    add_header_text(&b, m->subject);
    strbuf_str(&b, "\r\nDate: ");
    add_date(&b, m->date);
    strbuf_str(&b, "\r\nMessage-ID: ");
    strbuf_str(&b, msgid);
    strbuf_str(&b,
               "\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\nX-Notification-Id: ");
    strbuf_str(&b, m->notification_id);
    strbuf_str(&b, "\r\n");
    int rc = 0;
    if (m->html == NULL) {
        char *qp = NULL;
        strbuf_str(&b, "Content-Type: text/plain; charset=UTF-8\r\n"
                       "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
        rc = mime_qp(m->text, &qp);
        if (rc == 0)
            strbuf_str(&b, qp);
        free(qp);
        strbuf_str(&b, "\r\n");
    } else {
        strbuf_str(&b, "Content-Type: multipart/alternative; boundary=\"");
        strbuf_str(&b, boundary);
        strbuf_str(&b, "\"\r\n\r\nThis is a multi-part message in MIME format.\r\n");
        /* Plain text first: RFC 2046 orders alternatives from the simplest to the richest. */
        rc = add_part(&b, boundary, "text/plain", m->text);
        if (rc == 0)
            rc = add_part(&b, boundary, "text/html", m->html);
        strbuf_str(&b, "--");
        strbuf_str(&b, boundary);
        strbuf_str(&b, "--\r\n");
    }
    if (rc != 0) {
        strbuf_free(&b);
        return rc;
    }
    return finish(&b, out, len);
}
