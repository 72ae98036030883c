/* templates.c - template files on disk (see templates.h). */
#include "templates.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/errors.h"
#include "common/log.h"
#include "notify.h"

#define TEMPLATE_FILE_MAX (256 * 1024) /* far above any mail; guards against a wrong path */

static char g_dir[PATH_MAX];

static const char *const names[] = {TPL_ORDER_CREATED,   TPL_PAYMENT_SUCCEEDED, TPL_ORDER_SHIPPED,
                                    TPL_ORDER_DELIVERED, TPL_ORDER_CANCELLED,   NULL};

const char *const *templates_names(void)
{
    return names;
}

bool templates_known(const char *name)
{
    for (int i = 0; names[i] != NULL; i++)
        if (name != NULL && strcmp(name, names[i]) == 0)
            return true;
    return false;
}

/* Reads dir/name.ext into *out (NUL-terminated, caller frees). ERR_NOT_FOUND when the
 * file does not exist, ERR_INVALID when it is too large, ERR_INTERNAL otherwise. */
static int read_file(const char *name, const char *ext, char **out, size_t *len)
{
    char path[PATH_MAX + 64];
    *out = NULL;
    if (!templates_known(name))
        return ERR_NOT_FOUND;
    snprintf(path, sizeof path, "%s/%s.%s", g_dir, name, ext);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno == ENOENT ? ERR_NOT_FOUND : ERR_INTERNAL;
    int rc = 0;
    char *buf = malloc(TEMPLATE_FILE_MAX + 1);
    size_t n = 0;
    if (buf == NULL) {
        rc = ERR_INTERNAL;
        goto out;
    }
    n = fread(buf, 1, TEMPLATE_FILE_MAX + 1, f);
    if (ferror(f))
        rc = ERR_INTERNAL;
    else if (n > TEMPLATE_FILE_MAX)
        rc = ERR_INVALID;
out:
    fclose(f);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

static void rstrip(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
}

/* Renders one file of a template. */
static int render_file(const char *name, const char *ext, const tpl_ctx_t *ctx, bool html,
                       char **out)
{
    char *src = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = read_file(name, ext, &src, &len);
    if (rc == 0)
        rc = tpl_render(src, len, ctx, html, out);
    free(src);
    return rc;
}

int templates_render_email(const char *name, const tpl_ctx_t *ctx, char **subject, char **text,
                           char **html)
{
    *subject = *text = *html = NULL;
    int rc = render_file(name, "subject", ctx, false, subject);
    if (rc == 0)
        rc = render_file(name, "txt", ctx, false, text);
    if (rc == 0)
        rc = render_file(name, "html", ctx, true, html);
    if (rc == 0) {
        /* One line: a newline inside would otherwise end up encoded in the header. */
        for (char *p = *subject; *p != '\0'; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' ';
        rstrip(*subject);
        return 0;
    }
    free(*subject);
    free(*text);
    free(*html);
    *subject = *text = *html = NULL;
    return rc;
}

int templates_render_sms(const char *name, const tpl_ctx_t *ctx, char **text)
{
    int rc = render_file(name, "sms", ctx, false, text);
    if (rc == 0)
        rstrip(*text);
    return rc;
}

bool templates_has_sms(const char *name)
{
    char path[PATH_MAX + 64];
    struct stat st;
    if (!templates_known(name))
        return false;
    snprintf(path, sizeof path, "%s/%s.sms", g_dir, name);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int templates_init(const char *dir)
{
    static const char *const exts[] = {"subject", "txt", "html", "sms"};
    if (dir == NULL || strlen(dir) >= sizeof g_dir) {
        log_error("the templates directory name is missing or too long");
        return ERR_INVALID;
    }
    snprintf(g_dir, sizeof g_dir, "%s", dir);
    tpl_ctx_t empty;
    tpl_ctx_init(&empty);
    int rc = 0;
    for (int i = 0; rc == 0 && names[i] != NULL; i++) {
        for (size_t e = 0; e < sizeof exts / sizeof exts[0]; e++) {
            char *out = NULL;
            int r = render_file(names[i], exts[e], &empty, strcmp(exts[e], "html") == 0, &out);
            free(out);
            if (r == ERR_NOT_FOUND && strcmp(exts[e], "sms") == 0)
                continue;
            if (r != 0) {
                log_error("template %s/%s.%s: %s", g_dir, names[i], exts[e],
                          r == ERR_NOT_FOUND ? "missing" : "does not parse");
                rc = ERR_INVALID;
                break;
            }
        }
    }
    tpl_ctx_free(&empty);
    return rc;
}
