/* config.c - configuration from the environment only (12-factor). */
#include "common/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

const char *config_str(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return (v == NULL || *v == '\0') ? fallback : v;
}

long config_long(const char *name, long fallback)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        return fallback;
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    /* A typo in a number must stop the daemon at start, not run it with a surprise value. */
    if (errno != 0 || end == v || *end != '\0') {
        log_error("configuration %s=\"%s\" is not a number", name, v);
        exit(2);
    }
    return n;
}

/* Reads a whole small file; NULL when it cannot be read. */
static char *read_file(const char *path)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    for (;;) {
        if (cap - len < 4096) {
            size_t ncap = cap ? cap * 2 : 4096;
            char *nbuf = realloc(buf, ncap);
            if (nbuf == NULL)
                goto fail;
            buf = nbuf;
            cap = ncap;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f))
        goto fail;
    fclose(f);
    buf[len] = '\0';
    return buf;
fail:
    free(buf);
    fclose(f);
    return NULL;
}

char *config_secret(const char *name)
{
    const char *v = getenv(name);
    if (v != NULL && *v != '\0')
        return strdup(v);

    char file_var[256];
    int n = snprintf(file_var, sizeof(file_var), "%s_FILE", name);
    if (n < 0 || (size_t)n >= sizeof(file_var))
        return NULL;
    const char *path = getenv(file_var);
    if (path == NULL || *path == '\0')
        return NULL;
    char *s = read_file(path);
    if (s == NULL) {
        log_error("cannot read %s=%s", file_var, path);
        return NULL;
    }
    /* Editors and `echo` add a final newline that is never part of the secret. */
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
        s[--len] = '\0';
    return s;
}
