/* base_url.h - a provider's base URL (scheme and host, maybe a port) from the
 * environment. PROVIDERS.md: configure the scheme and host only and build the full
 * paths in code, so a stub can serve exactly the provider's paths. */
#ifndef PAYMENT_BASE_URL_H
#define PAYMENT_BASE_URL_H

#include <stddef.h>

/* Reads variable name (fallback when unset or empty) into out[len] without trailing
 * '/'. Returns 0, or ERR_INVALID (logged) when it is not an http:// or https:// URL or
 * does not fit. */
int base_url_read(const char *name, const char *fallback, char *out, size_t len);

#endif
