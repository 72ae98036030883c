/* template.h - the message templates: a small, logic-less renderer in the spirit of
 * Mustache, and the money formatting the templates show.
 *
 * Syntax:
 *
 *     {{name}}              the value of name (empty when unknown); HTML-escaped when the
 *                           template is rendered as HTML
 *     {{#lines}}..{{/lines}} the block once per item of the context's list (items see their
 *                           own names first, then the parent's)
 *     {{#name}}..{{/name}}  the block once when name has a non-empty value
 *     {{^name}}..{{/name}}  the block once when name is empty or unknown (and the list empty)
 *     {{! comment }}        nothing
 *
 * Names are [a-z0-9_]. Everything is pure: no I/O, no globals.
 */
#ifndef NOTIFICATION_TEMPLATE_H
#define NOTIFICATION_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TPL_LIST_NAME "lines" /* the one list a context may hold */

/* A rendering context: name -> value pairs it owns, and its list of item contexts. */
typedef struct tpl_ctx {
    char **names;
    char **values;
    int count, cap;
    struct tpl_ctx *items; /* the "lines" list */
    int item_count, item_cap;
    const struct tpl_ctx *parent; /* set while rendering an item */
    bool failed;                  /* an allocation failed: rendering reports ERR_INTERNAL */
} tpl_ctx_t;

/* Starts an empty context. */
void tpl_ctx_init(tpl_ctx_t *ctx);

/* Sets name to a copy of value (NULL counts as ""); a later set of the same name wins. */
void tpl_ctx_set(tpl_ctx_t *ctx, const char *name, const char *value);

/* Appends an empty item to the context's list and returns it (NULL after an allocation
 * failure, which the context remembers). The item belongs to ctx. */
tpl_ctx_t *tpl_ctx_add_item(tpl_ctx_t *ctx);

/* The value of name in ctx itself (not its parents), or NULL. */
const char *tpl_ctx_get(const tpl_ctx_t *ctx, const char *name);

/* Frees everything the context owns (and its items). */
void tpl_ctx_free(tpl_ctx_t *ctx);

/* Renders the len bytes of tpl with ctx into *out (NUL-terminated, caller frees); values
 * are HTML-escaped when html is true. 0, ERR_INVALID for a malformed template (an
 * unclosed tag or section, a stray {{/x}}, a bad name), or ERR_INTERNAL when memory ran
 * out. */
int tpl_render(const char *tpl, size_t len, const tpl_ctx_t *ctx, bool html, char **out);

/* Digits after the decimal point of an ISO 4217 currency (2 unless it is one of the
 * zero- or three-decimal currencies). */
int tpl_currency_exponent(const char *currency);

/* Formats an amount of minor units, e.g. 123450 NPR -> "NPR 1,234.50", 5 JPY -> "JPY 5",
 * -250 USD -> "-USD 2.50", into out[n]. Returns the length, or -1 when out is too small. */
int tpl_money(int64_t minor, const char *currency, char *out, size_t n);

#endif
