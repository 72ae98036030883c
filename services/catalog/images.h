/* images.h - product image files: what a file is, judged by its first bytes (never by
 * the Content-Type a client claims), and the names stored files get. Pure. */
#ifndef CATALOG_IMAGES_H
#define CATALOG_IMAGES_H

#include <stdbool.h>
#include <stddef.h>

typedef enum image_type {
    IMAGE_UNKNOWN = 0,
    IMAGE_JPEG,
    IMAGE_PNG,
    IMAGE_WEBP,
} image_type_t;

/* The image type of data by its magic bytes: JPEG (FF D8 FF), PNG (the 8-byte PNG
 * signature), WebP ("RIFF" <size> "WEBP"); IMAGE_UNKNOWN for anything else. */
image_type_t image_sniff(const void *data, size_t len);

/* "image/jpeg", "image/png", "image/webp" (NULL for IMAGE_UNKNOWN). */
const char *image_content_type(image_type_t t);

/* "jpg", "png", "webp" (NULL for IMAGE_UNKNOWN). */
const char *image_extension(image_type_t t);

/* Whether a request's Content-Type header agrees with the sniffed type: absent or
 * application/octet-stream agree with anything; image/jpeg|png|webp (parameters ignored,
 * case-insensitive) only with their own type; anything else never. */
bool image_declared_type_ok(const char *content_type, image_type_t sniffed);

/* Writes "<id>.<ext>" (the stored file's name) into out[48]. */
void image_file_name(const char *id, image_type_t t, char out[48]);

/* The type of a stored file's name: exactly 36 characters of [0-9a-f-] in UUID form,
 * then ".jpg", ".png" or ".webp". IMAGE_UNKNOWN for any other name (so a path like
 * "../x" or "a/b.png" can never reach the disk). */
image_type_t image_name_type(const char *name);

#endif
