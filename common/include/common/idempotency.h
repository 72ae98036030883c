/* idempotency.h - Idempotency-Key handling, insert-first.
 *
 * idem_begin() inserts (scope, key, request hash) before any work; the unique key
 * decides the race, never a prior SELECT. The loser sees the winner's row: the
 * same body replays the stored response, another body is a 422, and a request
 * still in progress is a 409. idem_finish() stores the response to replay.
 */
#ifndef COMMON_IDEMPOTENCY_H
#define COMMON_IDEMPOTENCY_H

#include <libpq-fe.h>
#include <stddef.h>

enum idem_state {
    IDEM_NEW = 0,      /* this request owns the key: do the work, then idem_finish() */
    IDEM_REPLAY = 1,   /* a finished request with the same body: replay status/body */
    IDEM_MISMATCH = 2, /* the key was used with another body: 422 */
    IDEM_IN_PROGRESS = 3, /* the first request has not finished: 409 */
};

typedef struct idem_result {
    enum idem_state state;
    int status;  /* for IDEM_REPLAY */
    char *body;  /* for IDEM_REPLAY; caller frees */
} idem_result_t;

/* Claims key for scope (e.g. the user id) with the SHA-256 of the request body.
 * Runs in its own statement on conn (autocommit). 0 and *out, or a database code. */
int idem_begin(PGconn *conn, const char *scope, const char *key, const void *body, size_t len,
               idem_result_t *out);

/* Stores the response for a key this request owns (may run inside the caller's tx). */
int idem_finish(PGconn *conn, const char *scope, const char *key, int status, const char *body);

/* Gives the key up after a failure that changed nothing, so a retry can run again. */
int idem_abandon(PGconn *conn, const char *scope, const char *key);

#endif
