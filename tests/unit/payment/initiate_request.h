/* initiate_request.h - the initiate request the provider unit tests hand a provider:
 * one fixed payment, order and customer, so that each test varies only what it checks. */
#ifndef TEST_INITIATE_REQUEST_H
#define TEST_INITIATE_REQUEST_H

#include <stdint.h>

#include "provider.h"

#define PAYMENT_ID "3f2a9c1e-8b7d-4e6f-9a0b-1c2d3e4f5a6b"

/* A request for amount in currency whose buyer returns (or cancels) to return_url. The
 * strings are literals: nothing to free. */
static inline pay_initiate_req_t initiate_request(int64_t amount, const char *currency,
                                                  const char *return_url)
{
    return (pay_initiate_req_t){.payment_id = PAYMENT_ID,
                                .order_id = "0b8e0f5c-6a1d-4a53-9d1e-2f4c8b7a9e10",
                                .order_number = "ORD-000042",
                                .customer_id = "5d4c3b2a-1f0e-4d9c-8b7a-6e5f4d3c2b1a",
                                .amount = amount,
                                .currency = currency,
                                .return_url = return_url,
                                .cancel_url = return_url,
                                .website_url = "http://shop",
                                .idempotency_key = "checkout-" PAYMENT_ID};
}

#endif
