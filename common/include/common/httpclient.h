/* httpclient.h - outgoing HTTP over libcurl, for calls to peers and providers.
 *
 * Each thread keeps its own curl easy handle, so connections to a peer are
 * reused (keep-alive) without locking. Timeouts are always set.
 */
#ifndef COMMON_HTTPCLIENT_H
#define COMMON_HTTPCLIENT_H

#include <stddef.h>

typedef struct hc_response {
    long status;      /* HTTP status, 0 when no response arrived */
    char *body;       /* NUL-terminated; caller frees with hc_response_free */
    size_t len;
    char *headers;    /* raw response header block, "Name: value\r\n..." */
} hc_response_t;

/* Initializes libcurl; call once from main before threads start. */
int hc_global_init(void);

/* Sends a request. headers is a NULL-terminated array of "Name: value" or NULL.
 * Returns 0 with *out filled for any HTTP status, ERR_UNAVAILABLE when the peer
 * could not be reached or timed out, ERR_TOO_LARGE past max_response bytes. */
int hc_request(const char *method, const char *url, const char *const *headers,
               const char *body, size_t body_len, long timeout_ms, size_t max_response,
               hc_response_t *out);

/* Frees a response's buffers. */
void hc_response_free(hc_response_t *resp);

/* Frees this thread's curl handle now; a thread that exits without calling it has the
 * handle freed at its exit anyway. */
void hc_thread_cleanup(void);

#endif
