/* money.h - money as an integer count of minor units plus an ISO 4217 currency. */
#ifndef COMMON_MONEY_H
#define COMMON_MONEY_H

#include <stdbool.h>
#include <stdint.h>

#define MONEY_MAX_MINOR 100000000000LL /* 10^11 minor units: a ceiling no real price reaches */

/* True when s is a three-letter upper-case currency code the store accepts (NPR, USD, ...). */
bool money_currency_valid(const char *s);

/* Adds a and b into out; ERR_INVALID when the sum leaves [0, MONEY_MAX_MINOR]. */
int money_add(int64_t a, int64_t b, int64_t *out);

/* Multiplies a unit price by a quantity into out; ERR_INVALID on overflow of the ceiling. */
int money_mul(int64_t unit, int64_t quantity, int64_t *out);

#endif
