/* money.c - integer minor-unit arithmetic that refuses to overflow or go negative. */
#include "common/money.h"

#include <string.h>

#include "common/errors.h"

/* The currencies the store accepts, sorted. ISO 4217 codes of the markets it sells in. */
static const char *const currencies[] = {
    "AED", "AUD", "BDT", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "EUR", "GBP", "HKD",
    "HUF", "IDR", "ILS", "INR", "JPY", "KRW", "LKR", "MXN", "MYR", "NOK", "NPR", "NZD",
    "PHP", "PKR", "PLN", "SAR", "SEK", "SGD", "THB", "TRY", "TWD", "USD", "ZAR",
};

bool money_currency_valid(const char *s)
{
    if (s == NULL || strlen(s) != 3)
        return false;
    size_t lo = 0, hi = sizeof(currencies) / sizeof(currencies[0]);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(s, currencies[mid]);
        if (c == 0)
            return true;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return false;
}

int money_add(int64_t a, int64_t b, int64_t *out)
{
    int64_t sum;
    if (__builtin_add_overflow(a, b, &sum) || sum < 0 || sum > MONEY_MAX_MINOR)
        return ERR_INVALID;
    *out = sum;
    return 0;
}

int money_mul(int64_t unit, int64_t quantity, int64_t *out)
{
    int64_t product;
    if (unit < 0 || quantity < 0)
        return ERR_INVALID;
    if (__builtin_mul_overflow(unit, quantity, &product) || product > MONEY_MAX_MINOR)
        return ERR_INVALID;
    *out = product;
    return 0;
}
