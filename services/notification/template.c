/* template.c - the logic-less renderer and money formatting (see template.h). */
#include "template.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/text.h"

#define TPL_NAME_MAX  64
#define TPL_MAX_DEPTH 8 /* nested sections; templates need two at most */

void tpl_ctx_init(tpl_ctx_t *ctx)
{
    memset(ctx, 0, sizeof *ctx);
}

static char *dup_or_fail(tpl_ctx_t *ctx, const char *s)
{
    char *d = strdup(s != NULL ? s : "");
    if (d == NULL)
        ctx->failed = true;
    return d;
}

void tpl_ctx_set(tpl_ctx_t *ctx, const char *name, const char *value)
{
    for (int i = 0; i < ctx->count; i++) {
        if (strcmp(ctx->names[i], name) == 0) {
            char *v = dup_or_fail(ctx, value);
            if (v != NULL) {
                free(ctx->values[i]);
                ctx->values[i] = v;
            }
            return;
        }
    }
    if (ctx->count == ctx->cap) {
        int ncap = ctx->cap ? ctx->cap * 2 : 16;
        char **nn = realloc(ctx->names, (size_t)ncap * sizeof *nn);
        if (nn == NULL) {
            ctx->failed = true;
            return;
        }
        ctx->names = nn;
        char **nv = realloc(ctx->values, (size_t)ncap * sizeof *nv);
        if (nv == NULL) {
            ctx->failed = true;
            return;
        }
        ctx->values = nv;
        ctx->cap = ncap;
    }
    char *n = dup_or_fail(ctx, name);
    char *v = dup_or_fail(ctx, value);
    if (n == NULL || v == NULL) {
        free(n);
        free(v);
        return;
    }
    ctx->names[ctx->count] = n;
    ctx->values[ctx->count] = v;
    ctx->count++;
}

tpl_ctx_t *tpl_ctx_add_item(tpl_ctx_t *ctx)
{
    if (ctx->item_count == ctx->item_cap) {
        int ncap = ctx->item_cap ? ctx->item_cap * 2 : 8;
        tpl_ctx_t *ni = realloc(ctx->items, (size_t)ncap * sizeof *ni);
        if (ni == NULL) {
            ctx->failed = true;
            return NULL;
        }
        ctx->items = ni;
        ctx->item_cap = ncap;
    }
    tpl_ctx_t *item = &ctx->items[ctx->item_count++];
    tpl_ctx_init(item);
    return item;
}

const char *tpl_ctx_get(const tpl_ctx_t *ctx, const char *name)
{
    for (int i = 0; i < ctx->count; i++)
        if (strcmp(ctx->names[i], name) == 0)
            return ctx->values[i];
    return NULL;
}

void tpl_ctx_free(tpl_ctx_t *ctx)
{
    if (ctx == NULL)
        return;
    for (int i = 0; i < ctx->count; i++) {
        free(ctx->names[i]);
        free(ctx->values[i]);
    }
    free(ctx->names);
    free(ctx->values);
    for (int i = 0; i < ctx->item_count; i++)
        tpl_ctx_free(&ctx->items[i]);
    free(ctx->items);
    memset(ctx, 0, sizeof *ctx);
}

/* The value of name, looked up from the innermost context outwards (NULL when none). */
static const char *lookup(const tpl_ctx_t *ctx, const char *name)
{
    for (; ctx != NULL; ctx = ctx->parent) {
        const char *v = tpl_ctx_get(ctx, name);
        if (v != NULL)
            return v;
    }
    return NULL;
}

/* The context that holds the list, from the innermost outwards (NULL when none). */
static const tpl_ctx_t *list_holder(const tpl_ctx_t *ctx)
{
    for (; ctx != NULL; ctx = ctx->parent)
        if (ctx->item_count > 0)
            return ctx;
    return NULL;
}

static bool truthy(const tpl_ctx_t *ctx, const char *name)
{
    if (strcmp(name, TPL_LIST_NAME) == 0)
        return list_holder(ctx) != NULL;
    const char *v = lookup(ctx, name);
    return v != NULL && v[0] != '\0';
}

static void add_escaped(strbuf_t *b, const char *s, bool html)
{
    if (!html) {
        strbuf_str(b, s);
        return;
    }
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '&':
            strbuf_str(b, "&amp;");
            break;
        case '<':
            strbuf_str(b, "&lt;");
            break;
        case '>':
            strbuf_str(b, "&gt;");
            break;
        case '"':
            strbuf_str(b, "&quot;");
            break;
        case '\'':
            strbuf_str(b, "&#39;");
            break;
        default:
            strbuf_add(b, s, 1);
        }
    }
}

/* One parsed tag: its kind ('#', '^', '/', '!', or 0 for a variable), its name, and where
 * it ends in the template. */
typedef struct tag {
    char kind;
    char name[TPL_NAME_MAX + 1];
    size_t start, end; /* [start, end) covers "{{ ... }}" */
} tag_t;

/* A section or comment tag alone on its line (only blanks around it) takes the whole line
 * with it, newline included, as Mustache does, so that "{{#lines}}" on a line of its own
 * leaves no empty line in a plain-text mail. Widens t's [start, end) to that line. */
static void standalone(const char *tpl, size_t len, tag_t *t)
{
    size_t s = t->start, e = t->end;
    while (s > 0 && (tpl[s - 1] == ' ' || tpl[s - 1] == '\t'))
        s--;
    if (s > 0 && tpl[s - 1] != '\n')
        return;
    while (e < len && (tpl[e] == ' ' || tpl[e] == '\t' || tpl[e] == '\r'))
        e++;
    if (e < len && tpl[e] != '\n')
        return;
    t->start = s;
    t->end = e < len ? e + 1 : e;
}

/* Finds the next tag at or after pos: 1 with *t, 0 when there is none, ERR_INVALID for an
 * unclosed or malformed tag. */
static int next_tag(const char *tpl, size_t len, size_t pos, tag_t *t)
{
    const char *open = NULL;
    for (size_t i = pos; i + 1 < len; i++) {
        if (tpl[i] == '{' && tpl[i + 1] == '{') {
            open = tpl + i;
            break;
        }
    }
    if (open == NULL)
        return 0;
    size_t start = (size_t)(open - tpl);
    size_t i = start + 2;
    size_t close = 0;
    for (size_t j = i; j + 1 < len; j++) {
        if (tpl[j] == '}' && tpl[j + 1] == '}') {
            close = j;
            break;
        }
    }
    if (close == 0)
        return ERR_INVALID;
    memset(t, 0, sizeof *t);
    t->start = start;
    t->end = close + 2;
    if (i < close && strchr("#^/!", tpl[i]) != NULL)
        t->kind = tpl[i++];
    if (t->kind != 0)
        standalone(tpl, len, t);
    if (t->kind == '!')
        return 1;
    while (i < close && tpl[i] == ' ')
        i++;
    size_t n = 0;
    while (i < close && tpl[i] != ' ') {
        char c = tpl[i++];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') || n == TPL_NAME_MAX)
            return ERR_INVALID;
        t->name[n++] = c;
    }
    while (i < close && tpl[i] == ' ')
        i++;
    if (n == 0 || i != close)
        return ERR_INVALID;
    return 1;
}

/* Finds the {{/name}} that closes the section opened before pos (same-name sections may
 * nest): *body_end is where the closing tag starts, *after where it ends. */
static int section_end(const char *tpl, size_t len, size_t pos, const char *name, size_t *body_end,
                       size_t *after)
{
    int depth = 1;
    tag_t t;
    for (;;) {
        int rc = next_tag(tpl, len, pos, &t);
        if (rc <= 0)
            return ERR_INVALID; /* unclosed section (or a malformed tag inside) */
        pos = t.end;
        if ((t.kind == '#' || t.kind == '^') && strcmp(t.name, name) == 0)
            depth++;
        else if (t.kind == '/' && strcmp(t.name, name) == 0 && --depth == 0) {
            *body_end = t.start;
            *after = t.end;
            return 0;
        }
    }
}

static int render_into(const char *tpl, size_t len, const tpl_ctx_t *ctx, bool html, int depth,
                       strbuf_t *b)
{
    size_t pos = 0;
    tag_t t;
    if (depth > TPL_MAX_DEPTH)
        return ERR_INVALID;
    for (;;) {
        int rc = next_tag(tpl, len, pos, &t);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            strbuf_add(b, tpl + pos, len - pos);
            return 0;
        }
        strbuf_add(b, tpl + pos, t.start - pos);
        pos = t.end;
        if (t.kind == 0) {
            const char *v = lookup(ctx, t.name);
            add_escaped(b, v != NULL ? v : "", html);
        } else if (t.kind == '/') {
            return ERR_INVALID; /* a close without its open */
        } else if (t.kind == '#' || t.kind == '^') {
            size_t body_end, after;
            if (section_end(tpl, len, pos, t.name, &body_end, &after) != 0)
                return ERR_INVALID;
            const char *body = tpl + pos;
            size_t body_len = body_end - pos;
            bool on = truthy(ctx, t.name);
            rc = 0;
            if (t.kind == '^') {
                if (!on)
                    rc = render_into(body, body_len, ctx, html, depth + 1, b);
            } else if (strcmp(t.name, TPL_LIST_NAME) == 0 && on) {
                const tpl_ctx_t *holder = list_holder(ctx);
                for (int i = 0; rc == 0 && i < holder->item_count; i++) {
                    tpl_ctx_t item = holder->items[i];
                    item.parent = ctx;
                    rc = render_into(body, body_len, &item, html, depth + 1, b);
                }
            } else if (on) {
                rc = render_into(body, body_len, ctx, html, depth + 1, b);
            } else {
                /* Still checked, so a broken block fails even when it is not shown. */
                strbuf_t scratch;
                char tmp[256];
                strbuf_init(&scratch, tmp, sizeof tmp);
                rc = render_into(body, body_len, ctx, html, depth + 1, &scratch);
                strbuf_free(&scratch);
            }
            if (rc != 0)
                return rc;
            pos = after;
        }
        /* '!' comments render nothing. */
    }
}

static bool any_failed(const tpl_ctx_t *ctx)
{
    if (ctx->failed)
        return true;
    for (int i = 0; i < ctx->item_count; i++)
        if (any_failed(&ctx->items[i]))
            return true;
    return false;
}

int tpl_render(const char *tpl, size_t len, const tpl_ctx_t *ctx, bool html, char **out)
{
    strbuf_t b;
    char storage[1024];
    *out = NULL;
    if (any_failed(ctx))
        return ERR_INTERNAL;
    strbuf_init(&b, storage, sizeof storage);
    int rc = render_into(tpl, len, ctx, html, 0, &b);
    strbuf_add(&b, "", 1);
    if (rc == 0 && b.failed)
        rc = ERR_INTERNAL;
    if (rc == 0) {
        *out = b.heap ? b.p : strdup(b.p);
        if (*out == NULL)
            rc = ERR_INTERNAL;
        if (b.heap)
            b.heap = false; /* ownership moved to *out */
    }
    strbuf_free(&b);
    return rc;
}

int tpl_currency_exponent(const char *currency)
{
    static const char *const zero[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY",
                                       "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                                       "VND", "VUV", "XAF", "XOF", "XPF"};
    static const char *const three[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};
    if (currency == NULL)
        return 2;
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
        if (strcmp(currency, zero[i]) == 0)
            return 0;
    for (size_t i = 0; i < sizeof three / sizeof three[0]; i++)
        if (strcmp(currency, three[i]) == 0)
            return 3;
    return 2;
}

int tpl_money(int64_t minor, const char *currency, char *out, size_t n)
{
    char digits[32], grouped[48];
    int exp = tpl_currency_exponent(currency);
    bool negative = minor < 0;
    /* INT64_MIN has no positive twin: work in unsigned. */
    uint64_t abs = negative ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    uint64_t scale = 1;
    for (int i = 0; i < exp; i++)
        scale *= 10;
    snprintf(digits, sizeof digits, "%" PRIu64, abs / scale);
    /* Thousands separators in the whole part. */
    size_t dl = strlen(digits), g = 0;
    for (size_t i = 0; i < dl; i++) {
        if (i > 0 && (dl - i) % 3 == 0)
            grouped[g++] = ',';
        grouped[g++] = digits[i];
    }
    grouped[g] = '\0';
    int w;
    if (exp == 0)
        w = snprintf(out, n, "%s%s %s", negative ? "-" : "", currency ? currency : "", grouped);
    else
        w = snprintf(out, n, "%s%s %s.%0*" PRIu64, negative ? "-" : "", currency ? currency : "",
                     grouped, exp, abs % scale);
    return w < 0 || (size_t)w >= n ? -1 : w;
}
