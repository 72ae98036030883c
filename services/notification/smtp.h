/* smtp.h - sending one e-mail over SMTP with libcurl.
 *
 * The server is SMTP_HOST:SMTP_PORT (smtp://; SMTP_TLS=implicit uses smtps://). STARTTLS
 * is used where the server offers it (SMTP_STARTTLS=try, the default), demanded
 * (required) or never attempted (off). SMTP_USERNAME and SMTP_PASSWORD log in when set;
 * libcurl refuses to send them in clear text unless the server allows it, which is the
 * server's call. Every exchange has a timeout (SMTP_TIMEOUT_MS).
 *
 * Threads: smtp_init once before any send; smtp_send on any thread (a curl handle per
 * call: mails are few, and a stale pooled connection is a worse failure than a new one).
 */
#ifndef NOTIFICATION_SMTP_H
#define NOTIFICATION_SMTP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct smtp_result {
    bool permanent;  /* the server refused for good (a 5xx reply) */
    long reply_code; /* the last SMTP reply code, 0 when none came */
    char error[256]; /* what went wrong, for last_error (never the credentials) */
} smtp_result_t;

/* Reads the SMTP_* settings. 0, or ERR_INVALID (logged) for a bad one. */
int smtp_init(void);

/* Frees what smtp_init kept. */
void smtp_free(void);

/* The configured envelope sender's address (from SMTP_FROM) and the From header value. */
const char *smtp_from_address(void);
const char *smtp_from_header(void);

/* Sends message (len bytes, CRLF line ends, RFC 5322) from the envelope sender to to.
 * 0 once the server accepted the DATA; otherwise ERR_UNAVAILABLE with *res filled. */
int smtp_send(const char *to, const char *message, size_t len, smtp_result_t *res);

#endif
