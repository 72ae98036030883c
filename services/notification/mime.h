/* mime.h - builds the e-mail a notification becomes: RFC 5322 headers and a MIME
 * multipart/alternative body (plain text and HTML), with nothing taken from the clock or
 * the random generator, so the same message always builds to the same bytes.
 *
 * That is what makes a resend recognisable: the Message-ID is derived from the
 * notification id, the Date from when the notification was created, and the MIME
 * boundary from the id too. A receiver that deduplicates by Message-ID (see
 * tools/mailcatcher) keeps one copy of a message the sender had to send again.
 *
 * Header values are never trusted: a subject or a display name with anything but
 * printable ASCII (UTF-8, CR, LF) is written as RFC 2047 encoded-words, so no value can
 * inject a header. Bodies are quoted-printable UTF-8. Pure.
 */
#ifndef NOTIFICATION_MIME_H
#define NOTIFICATION_MIME_H

#include <stddef.h>
#include <time.h>

typedef struct mime_mail {
    const char *from;            /* the From header as configured: "Store <no-reply@x.y>" */
    const char *to_addr;         /* "customer@example.com" */
    const char *to_name;         /* display name, UTF-8; NULL or "" for none */
    const char *subject;         /* UTF-8 */
    const char *text;            /* the plain-text body, UTF-8, "\n" line ends */
    const char *html;            /* the HTML body; NULL sends text/plain alone */
    const char *notification_id; /* the message's id: Message-ID, boundary, X-Notification-Id */
    const char *id_domain;       /* the right-hand side of the Message-ID */
    time_t date;                 /* the Date header (UTC): when the message was created */
} mime_mail_t;

/* Builds the whole message (CRLF line ends) into *out (NUL-terminated, caller frees) and
 * its length into *len. 0, ERR_INVALID when an address or the id is unusable (an address
 * with spaces, angle brackets or control characters, say), ERR_INTERNAL without memory. */
int mime_build(const mime_mail_t *m, char **out, size_t *len);

/* Writes "<notification_id@id_domain>" into out[n]. 0, or ERR_INVALID when it does not fit
 * or either part holds characters a msg-id may not. */
int mime_message_id(const char *notification_id, const char *id_domain, char *out, size_t n);

/* The addr-spec of a From value: "Store <a@b.c>" -> "a@b.c", "a@b.c" -> "a@b.c", into
 * out[n]. 0 or ERR_INVALID. */
int mime_address_of(const char *from, char *out, size_t n);

/* The domain of an addr-spec ("a@b.c" -> "b.c"), or NULL. Borrows from addr. */
const char *mime_domain_of(const char *addr);

/* True when addr is a plausible addr-spec we may put in a header and an SMTP envelope:
 * 3-254 bytes, one '@' with something on both sides, no spaces, controls or <>(),;:\". */
int mime_address_ok(const char *addr);

/* RFC 2047: appends value to a header, raw when it is short printable ASCII without
 * "=?", otherwise as "=?UTF-8?B?...?=" words of at most 75 characters, never splitting a
 * UTF-8 sequence, folded with CRLF SP. Writes into out (caller frees). 0 or ERR_INTERNAL. */
int mime_header_text(const char *value, char **out);

/* Quoted-printable (RFC 2045 6.7) of text, "\n" becoming CRLF, lines at most 76
 * characters. Caller frees. 0 or ERR_INTERNAL. */
int mime_qp(const char *text, char **out);

#endif
