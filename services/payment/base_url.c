/* base_url.c - a provider's base URL from the environment. */
#include "base_url.h"

#include <stdbool.h>
#include <string.h>

#include "common/config.h"
#include "common/errors.h"
#include "common/log.h"

int base_url_read(const char *name, const char *fallback, char *out, size_t len)
{
    const char *v = config_str(name, fallback);
    size_t n = strlen(v);
    while (n > 0 && v[n - 1] == '/')
        n--;
    bool http = strncmp(v, "http://", 7) == 0 && n > 7;
    bool https = strncmp(v, "https://", 8) == 0 && n > 8;
    /* A query or fragment would end up in the middle of every path built on it. */
    if ((!http && !https) || n >= len || memchr(v, '?', n) != NULL || memchr(v, '#', n) != NULL) {
        log_error("%s must be an http(s):// URL of scheme and host", name);
        return ERR_INVALID;
    }
    memcpy(out, v, n);
    out[n] = '\0';
    return 0;
}
