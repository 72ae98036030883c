/* stripe.h - Stripe's pieces beyond the provider interface, pure, for the unit tests:
 * reading an Event (webhook body) and a Checkout Session into an outcome. */
#ifndef PAYMENT_STRIPE_H
#define PAYMENT_STRIPE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "provider.h"

#define STRIPE_SIGNATURE_HEADER "Stripe-Signature"

/* Reads a Checkout Session object into out (outcome from status/payment_status,
 * amount_total, currency upper-cased, payment_intent, client_reference_id). event_id is
 * left alone. 0 or ERR_INVALID. Pure. */
int stripe_session_read(const cJSON *session, pay_event_t *out);

/* Reads a verified Event body: checkout.session.completed (paid -> SUCCEEDED, else
 * PENDING), .async_payment_succeeded (SUCCEEDED), .async_payment_failed and .expired
 * (FAILED); any other type is IGNORED. 0 or ERR_INVALID. Pure. */
int stripe_event_read(const char *body, size_t len, pay_event_t *out);

#endif
