/* storage.h - where product image files live: a directory on local disk (served back
 * by GET /images/:name), or an S3-compatible bucket when S3_* is configured.
 *
 * S3 requests are signed by libcurl (CURLOPT_AWS_SIGV4, "aws:amz:<region>:s3"), never
 * by code of ours. Objects are addressed path-style: <endpoint>/<bucket>/<key>.
 *
 * Threads: every function may be called from any thread; each S3 call uses its own
 * curl handle (uploads are rare, so no handle is kept).
 */
#ifndef CATALOG_STORAGE_H
#define CATALOG_STORAGE_H

#include <stdbool.h>
#include <stddef.h>

#define STORAGE_URL_MAX 400

typedef struct storage_config {
    /* local: the directory (made if missing) and the public base URL that serves
     * GET /images/:name (the gateway's), giving "<public_base_url>/images/<name>". */
    const char *image_dir;
    const char *public_base_url;
    /* S3: used when endpoint, bucket, region, access key and secret are all set. */
    const char *s3_endpoint; /* "https://s3.eu-central-1.amazonaws.com" */
    const char *s3_bucket;
    const char *s3_region;
    const char *s3_access_key_id;
    const char *s3_secret_access_key;
    const char *s3_public_base_url; /* optional; default <endpoint>/<bucket> */
    long timeout_ms;                /* per S3 request; 0 = 10000 */
} storage_config_t;

typedef struct storage storage_t;

/* Opens the configured backend (copies every string). Local mode makes image_dir.
 * 0, or ERR_INVALID (bad configuration, logged) / ERR_INTERNAL. */
int storage_open(const storage_config_t *cfg, storage_t **out);

void storage_close(storage_t *s);

/* "local" or "s3": what the storage writes to now (recorded with each image). */
const char *storage_backend(const storage_t *s);

/* Stores data under name (a name made by image_file_name) and writes its public URL.
 * 0, ERR_UNAVAILABLE (S3 unreachable or refusing), ERR_INTERNAL (disk). */
int storage_put(storage_t *s, const char *name, const char *content_type, const void *data,
                size_t len, char url[STORAGE_URL_MAX + 1]);

/* Removes a stored file of the given backend; a missing file is not an error. */
int storage_delete(storage_t *s, const char *backend, const char *name);

/* Reads a locally stored file (name already validated by image_name_type) into a new
 * buffer (caller frees). ERR_NOT_FOUND when absent (or in S3 mode). */
int storage_read(storage_t *s, const char *name, char **data, size_t *len);

#endif
