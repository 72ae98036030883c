/* fake.h - the fake provider's own pieces beyond the provider interface: the signed
 * webhook its hosted confirm page sends (POST /payment/fake/:id), and its secret. */
#ifndef PAYMENT_FAKE_H
#define PAYMENT_FAKE_H

#include <stdbool.h>
#include <stdint.h>

/* The header that carries the fake provider's "t=..,v1=.." signature. */
#define FAKE_SIGNATURE_HEADER "X-Webhook-Signature"

/* Builds the webhook body the confirm page sends: {"id":"evt_fake_<uuid>","type":
 * "payment.succeeded"|"payment.failed","created":now,"data":{"payment_id","amount",
 * "currency"}}. Returns a malloc'd string (caller frees) or NULL. Pure apart from the
 * random event id. */
char *fake_webhook_body(const char *payment_id, int64_t amount, const char *currency, bool pay,
                        int64_t now);

/* Signs body with the configured FAKE_WEBHOOK_SECRET at time now and POSTs it to
 * base_url + "/payment/webhook/fake" (through the gateway, as a real provider would
 * reach us). *status gets the webhook's HTTP status. 0, or ERR_UNAVAILABLE. */
int fake_send_webhook(const char *base_url, const char *body, int64_t now, long *status);

#endif
