/* ids.h - identifiers: random UUIDs (v4) and their validation. */
#ifndef COMMON_IDS_H
#define COMMON_IDS_H

#include <stdbool.h>

#define ID_UUID_LEN 37 /* 36 characters and the terminating NUL */

/* Writes a new random (v4) UUID in canonical lowercase form into out. */
void id_uuid(char out[ID_UUID_LEN]);

/* True when s is a UUID in canonical 8-4-4-4-12 hex form (any case). */
bool id_is_uuid(const char *s);

/* Copies a UUID (id_is_uuid true) into out in canonical lowercase, the form ids are
 * stored and compared in. Pure. */
void id_lower(const char *id, char out[ID_UUID_LEN]);

/* Writes a W3C traceparent ("00-<32 hex>-<16 hex>-01") with new random ids into out[56]. */
void id_traceparent(char out[56]);

/* True when s is a W3C traceparent of version 00: "00-<32 hex>-<16 hex>-<2 hex>", lowercase,
 * neither id all zeros. Pure. Services use it before copying a caller's traceparent into
 * an event. (Added for inventory; identity and the gateway have private copies.) */
bool id_is_traceparent(const char *s);

#endif
