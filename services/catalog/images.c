/* images.c - image sniffing and stored file names (see images.h). */
#include "images.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

image_type_t image_sniff(const void *data, size_t len)
{
    const unsigned char *b = data;
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (b == NULL)
        return IMAGE_UNKNOWN;
    /* A JPEG starts with SOI (FF D8) followed by the first marker's FF. */
    if (len >= 4 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
        return IMAGE_JPEG;
    /* The PNG signature, then at least the IHDR chunk's length and type. */
    if (len >= 16 && memcmp(b, png, sizeof png) == 0 && memcmp(b + 12, "IHDR", 4) == 0)
        return IMAGE_PNG;
    /* RIFF container of form type WEBP whose first chunk is VP8, VP8L or VP8X. */
    if (len >= 16 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0 &&
        memcmp(b + 12, "VP8", 3) == 0 && (b[15] == ' ' || b[15] == 'L' || b[15] == 'X'))
        return IMAGE_WEBP;
    return IMAGE_UNKNOWN;
}

const char *image_content_type(image_type_t t)
{
    switch (t) {
    case IMAGE_JPEG:
        return "image/jpeg";
    case IMAGE_PNG:
        return "image/png";
    case IMAGE_WEBP:
        return "image/webp";
    default:
        return NULL;
    }
}

const char *image_extension(image_type_t t)
{
    switch (t) {
    case IMAGE_JPEG:
        return "jpg";
    case IMAGE_PNG:
        return "png";
    case IMAGE_WEBP:
        return "webp";
    default:
        return NULL;
    }
}

bool image_declared_type_ok(const char *content_type, image_type_t sniffed)
{
    if (sniffed == IMAGE_UNKNOWN)
        return false;
    if (content_type == NULL || *content_type == '\0')
        return true;
    size_t n = strcspn(content_type, "; \t");
    static const char octet[] = "application/octet-stream";
    if (n == sizeof octet - 1 && strncasecmp(content_type, octet, n) == 0)
        return true;
    const char *want = image_content_type(sniffed);
    if (n == strlen(want) && strncasecmp(content_type, want, n) == 0)
        return true;
    /* image/jpg is a common misspelling of image/jpeg. */
    return sniffed == IMAGE_JPEG && n == 9 && strncasecmp(content_type, "image/jpg", 9) == 0;
}

void image_file_name(const char *id, image_type_t t, char out[48])
{
    snprintf(out, 48, "%s.%s", id, image_extension(t) ? image_extension(t) : "bin");
}

image_type_t image_name_type(const char *name)
{
    if (name == NULL || strlen(name) < 40)
        return IMAGE_UNKNOWN;
    for (int i = 0; i < 36; i++) {
        char c = name[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return IMAGE_UNKNOWN;
    }
    const char *ext = name + 36;
    if (strcmp(ext, ".jpg") == 0)
        return IMAGE_JPEG;
    if (strcmp(ext, ".png") == 0)
        return IMAGE_PNG;
    if (strcmp(ext, ".webp") == 0)
        return IMAGE_WEBP;
    return IMAGE_UNKNOWN;
}
