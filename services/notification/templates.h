/* templates.h - the message templates as files, so that changing a mail's wording is an
 * edit of a text file, not a build: under the templates directory, for each name
 * (order_created, payment_succeeded, order_shipped, order_delivered, order_cancelled):
 *
 *     <name>.subject   the e-mail subject (one line; trailing whitespace dropped)
 *     <name>.txt       the plain-text body
 *     <name>.html      the HTML body (values HTML-escaped)
 *     <name>.sms       the SMS text (optional: without it the template sends no SMS)
 *
 * The files are read at every render, so an edit applies to the next message without a
 * restart; templates_init() checks at start that every one exists and parses.
 *
 * Threads: any; the directory name is set once before threads start.
 */
#ifndef NOTIFICATION_TEMPLATES_H
#define NOTIFICATION_TEMPLATES_H

#include <stdbool.h>

#include "template.h"

/* Remembers dir and checks every known template there: each must have its .subject, .txt
 * and .html, and every file present must parse. 0, or ERR_INVALID (logged). */
int templates_init(const char *dir);

/* True when name is a template this service knows. */
bool templates_known(const char *name);

/* True when name has an .sms file. */
bool templates_has_sms(const char *name);

/* Renders the e-mail of template name: *subject, *text and *html (caller frees each).
 * 0, ERR_NOT_FOUND (a file is missing), ERR_INVALID (a file does not parse), ERR_INTERNAL. */
int templates_render_email(const char *name, const tpl_ctx_t *ctx, char **subject, char **text,
                           char **html);

/* Renders the SMS of template name into *text (caller frees); errors as above. */
int templates_render_sms(const char *name, const tpl_ctx_t *ctx, char **text);

/* The template names, NULL-terminated. */
const char *const *templates_names(void);

#endif
