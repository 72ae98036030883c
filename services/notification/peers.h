/* peers.h - the synchronous fallback of the read models: a contact or an order that a
 * message needs and the events have not brought yet (identity's UserRegistered and
 * order's OrderCreated travel on other topics and may arrive after the event that
 * causes the message). Asked of identity (GET /internal/users/:id) and the order service
 * (GET /internal/orders/:id) with the service token, and stored in the read models.
 *
 * Peers come from IDENTITY_URLS and ORDER_URLS (or *_URL); each call waits at most
 * NOTIFY_PEER_TIMEOUT_MS per replica. Threads: any.
 */
#ifndef NOTIFICATION_PEERS_H
#define NOTIFICATION_PEERS_H

#include <libpq-fe.h>

/* Reads the peers' configuration. 0 or ERR_INVALID (logged). */
int peers_init(long timeout_ms);

/* Frees what peers_init made. */
void peers_free(void);

/* Asks identity for the user and stores the contact. 0 once stored, ERR_NOT_FOUND when
 * identity does not know the user, ERR_UNAVAILABLE when it cannot answer. */
int peers_fill_contact(PGconn *conn, const char *user_id);

/* Asks the order service for the order and stores it in the read model; errors as above. */
int peers_fill_order(PGconn *conn, const char *order_id);

#endif
