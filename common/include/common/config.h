/* config.h - configuration from the environment only (12-factor). */
#ifndef COMMON_CONFIG_H
#define COMMON_CONFIG_H

#include <stddef.h>

/* The variable's value, or fallback when unset or empty. Never NULL unless fallback is. */
const char *config_str(const char *name, const char *fallback);

/* The variable as an integer; fallback when unset; logs and exits(2) when not a number. */
long config_long(const char *name, long fallback);

/* The value of NAME, or the contents of the file named by NAME_FILE (trailing newline
 * stripped). Caller frees. NULL when neither is set or the file cannot be read. */
char *config_secret(const char *name);

#endif
