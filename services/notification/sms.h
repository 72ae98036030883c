/* sms.h - SMS behind one interface, so a provider is a table of two functions; the one
 * provider here speaks a plain HTTP JSON API (tests/stubs/sms_stub.py is a local stand-in):
 *
 *     POST {SMS_API_BASE}/v1/messages
 *     Authorization: Bearer {SMS_API_KEY}
 *     Idempotency-Key: {notification id}
 *     {"to": "+9779800000000", "from": "{SMS_FROM}", "text": "...", "reference": "{id}"}
 *     -> 200/201/202 {"id": "...", "status": "queued"}
 *
 * The Idempotency-Key makes a resend of one notification a replay at the provider, not a
 * second SMS (the provider's answer to "never sent twice"). A 4xx other than 408 and 429
 * is permanent (the number or the request is wrong: retrying cannot help); anything else
 * is retried with backoff.
 *
 * Threads: a provider is immutable after creation; send() may run on any thread (the
 * HTTP exchange uses that thread's curl handle).
 */
#ifndef NOTIFICATION_SMS_H
#define NOTIFICATION_SMS_H

#include <stdbool.h>

typedef struct sms_result {
    bool permanent;        /* the failure will not go away by retrying */
    char error[256];       /* what went wrong, for last_error (no secrets) */
    char provider_id[128]; /* the provider's id of the accepted message */
} sms_result_t;

typedef struct sms_provider sms_provider_t;

struct sms_provider {
    const char *name;
    /* Sends text to the number to; key makes the send idempotent at the provider. 0, or a
     * negative code with res->error (and res->permanent) set. */
    int (*send)(sms_provider_t *p, const char *to, const char *text, const char *key,
                sms_result_t *res);
    void (*destroy)(sms_provider_t *p);
};

/* The HTTP provider for base_url (http or https, no trailing slash needed). api_key may be
 * NULL; from names the sender. Returns 0 and *out (free with sms_free), or ERR_INVALID for
 * a base URL that is not http(s)://. */
int sms_http_new(const char *base_url, const char *api_key, const char *from, long timeout_ms,
                 sms_provider_t **out);

/* Sends through any provider (see the send member). */
int sms_send(sms_provider_t *p, const char *to, const char *text, const char *key,
             sms_result_t *res);

/* Frees a provider (NULL is fine). */
void sms_free(sms_provider_t *p);

/* The HTTP provider's request body (caller frees), NULL without memory. Pure. */
char *sms_http_body(const char *to, const char *from, const char *text, const char *reference);

/* Interprets the HTTP provider's answer: 0 for 2xx (provider_id from the body's "id"),
 * otherwise ERR_UNAVAILABLE with res->permanent set for a 4xx other than 408/429. Pure. */
int sms_http_outcome(long status, const char *body, sms_result_t *res);

#endif
