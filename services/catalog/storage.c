/* storage.c - image files on local disk or in an S3-compatible bucket (see storage.h). */
#include "storage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "common/errors.h"
#include "common/log.h"

struct storage {
    bool s3;
    char *image_dir;
    char *public_base_url;
    char *endpoint, *bucket, *region, *access_key, *secret_key, *s3_public_base_url;
    long timeout_ms;
};

static bool set(const char *s)
{
    return s != NULL && *s != '\0';
}

/* A copy without trailing slashes, so that joining with "/" never doubles one. */
static char *dup_trimmed(const char *s)
{
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        return NULL;
    size_t n = strlen(d);
    while (n > 1 && d[n - 1] == '/')
        d[--n] = '\0';
    return d;
}

/* mkdir -p for the image directory. */
static int make_dirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return ERR_INVALID;
    for (char *p = buf + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return ERR_INTERNAL;
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return ERR_INTERNAL;
    return 0;
}

void storage_close(storage_t *s)
{
    if (s == NULL)
        return;
    free(s->image_dir);
    free(s->public_base_url);
    free(s->endpoint);
    free(s->bucket);
    free(s->region);
    if (s->secret_key != NULL)
        memset(s->secret_key, 0, strlen(s->secret_key));
    free(s->access_key);
    free(s->secret_key);
    free(s->s3_public_base_url);
    free(s);
}

int storage_open(const storage_config_t *cfg, storage_t **out)
{
    *out = NULL;
    storage_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return ERR_INTERNAL;
    s->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 10000;
    int any_s3 = set(cfg->s3_endpoint) + set(cfg->s3_bucket) + set(cfg->s3_region) +
                 set(cfg->s3_access_key_id) + set(cfg->s3_secret_access_key);
    if (any_s3 > 0 && any_s3 < 5) {
        log_error("storage: S3 needs all of S3_ENDPOINT, S3_BUCKET, S3_REGION, "
                  "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY");
        storage_close(s);
        return ERR_INVALID;
    }
    if (any_s3 == 5) {
        s->s3 = true;
        s->endpoint = dup_trimmed(cfg->s3_endpoint);
        s->bucket = strdup(cfg->s3_bucket);
        s->region = strdup(cfg->s3_region);
        s->access_key = strdup(cfg->s3_access_key_id);
        s->secret_key = strdup(cfg->s3_secret_access_key);
        if (set(cfg->s3_public_base_url))
            s->s3_public_base_url = dup_trimmed(cfg->s3_public_base_url);
        if (s->endpoint == NULL || s->bucket == NULL || s->region == NULL ||
            s->access_key == NULL || s->secret_key == NULL ||
            (set(cfg->s3_public_base_url) && s->s3_public_base_url == NULL)) {
            storage_close(s);
            return ERR_INTERNAL;
        }
        /* The region and key become part of the SigV4 provider string and USERPWD; a
         * colon in them would split those wrongly. */
        if (strchr(s->region, ':') != NULL || strchr(s->access_key, ':') != NULL ||
            strchr(s->bucket, '/') != NULL) {
            log_error("storage: S3_REGION, S3_ACCESS_KEY_ID or S3_BUCKET has a bad character");
            storage_close(s);
            return ERR_INVALID;
        }
    }
    /* The local directory is kept in S3 mode too: it still serves files stored before. */
    if (set(cfg->image_dir)) {
        s->image_dir = dup_trimmed(cfg->image_dir);
        s->public_base_url = dup_trimmed(set(cfg->public_base_url) ? cfg->public_base_url : "");
        if (s->image_dir == NULL || s->public_base_url == NULL) {
            storage_close(s);
            return ERR_INTERNAL;
        }
        if (make_dirs(s->image_dir) != 0) {
            log_error("storage: cannot create IMAGE_DIR %s: %s", s->image_dir, strerror(errno));
            storage_close(s);
            return ERR_INVALID;
        }
    } else if (!s->s3) {
        log_error("storage: set IMAGE_DIR (or the S3_* variables)");
        storage_close(s);
        return ERR_INVALID;
    }
    *out = s;
    return 0;
}

const char *storage_backend(const storage_t *s)
{
    return s->s3 ? "s3" : "local";
}

/* ---- local disk ----------------------------------------------------------------------- */

static int local_path(const storage_t *s, const char *name, char *buf, size_t len)
{
    if (s->image_dir == NULL)
        return ERR_NOT_FOUND;
    return snprintf(buf, len, "%s/%s", s->image_dir, name) < (int)len ? 0 : ERR_INTERNAL;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return ERR_INTERNAL;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Written to a temporary name and renamed, so a reader never sees half a file. */
static int local_put(storage_t *s, const char *name, const void *data, size_t len,
                     char url[STORAGE_URL_MAX + 1])
{
    char path[4096], tmp[4200];
    int rc = local_path(s, name, path, sizeof path);
    if (rc != 0)
        return rc;
    snprintf(tmp, sizeof tmp, "%s/.tmp-%s", s->image_dir, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        log_error("storage: cannot create %s: %s", tmp, strerror(errno));
        return ERR_INTERNAL;
    }
    rc = write_all(fd, data, len);
    if (rc == 0 && fsync(fd) != 0)
        rc = ERR_INTERNAL;
    if (close(fd) != 0)
        rc = ERR_INTERNAL;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = ERR_INTERNAL;
    if (rc != 0) {
        log_error("storage: cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return rc;
    }
    if (snprintf(url, STORAGE_URL_MAX + 1, "%s/images/%s", s->public_base_url, name) >
        STORAGE_URL_MAX) {
        unlink(path);
        return ERR_INTERNAL;
    }
    return 0;
}

int storage_read(storage_t *s, const char *name, char **data, size_t *len)
{
    char path[4096];
    *data = NULL;
    *len = 0;
    int rc = local_path(s, name, path, sizeof path);
    if (rc != 0)
        return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? ERR_NOT_FOUND : ERR_INTERNAL;
    struct stat st;
    char *buf = NULL;
    rc = ERR_INTERNAL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        goto out;
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL)
        goto out;
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto out;
        got += (size_t)n;
    }
    *data = buf;
    *len = got;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    close(fd);
    return rc;
}

/* ---- S3 ------------------------------------------------------------------------------- */

static size_t discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
    (void)ptr;
    (void)arg;
    return size * nmemb;
}

/* One signed request to <endpoint>/<bucket>/<name>. Returns 0 for a 2xx answer (and for
 * DELETE also 404), ERR_UNAVAILABLE otherwise. */
static int s3_request(storage_t *s, const char *method, const char *name, const char *content_type,
                      const void *data, size_t len)
{
    char url[2048], sigv4[160], ctype[96], payload[96];
    int rc = ERR_UNAVAILABLE;
    if (snprintf(url, sizeof url, "%s/%s/%s", s->endpoint, s->bucket, name) >= (int)sizeof url)
        return ERR_INTERNAL;
    snprintf(sigv4, sizeof sigv4, "aws:amz:%s:s3", s->region);
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = NULL;
    if (curl == NULL)
        return ERR_INTERNAL;
    if (content_type != NULL) {
        snprintf(ctype, sizeof ctype, "Content-Type: %s", content_type);
        headers = curl_slist_append(headers, ctype);
    }
    /* S3 wants the body's SHA-256 in x-amz-content-sha256 (and signed); libcurl signs
     * the headers it is given but, before 8.x, does not add this one itself. */
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256(digest, data != NULL ? data : (const void *)"", data != NULL ? len : 0);
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    snprintf(payload, sizeof payload, "x-amz-content-sha256: %s", hex);
    struct curl_slist *h2 = curl_slist_append(headers, payload);
    if (h2 == NULL)
        goto out;
    headers = h2;
    /* No "Expect: 100-continue" round trip before the body. */
    h2 = curl_slist_append(headers, "Expect:");
    if (h2 == NULL)
        goto out;
    headers = h2;
    CURLcode set = CURLE_OK;
    set |= curl_easy_setopt(curl, CURLOPT_URL, url);
    set |= curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    set |= curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4);
    set |= curl_easy_setopt(curl, CURLOPT_USERNAME, s->access_key);
    set |= curl_easy_setopt(curl, CURLOPT_PASSWORD, s->secret_key);
    set |= curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    set |= curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, s->timeout_ms);
    set |= curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, s->timeout_ms);
    set |= curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    set |= curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    set |= curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (data != NULL) {
        /* The body as POSTFIELDS (with the method overridden) lets libcurl hash it into
         * the signature. */
        set |= curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        set |= curl_easy_setopt(curl, CURLOPT_POSTFIELDS, data);
    }
    if (set != CURLE_OK) {
        rc = ERR_INTERNAL;
        goto out;
    }
    CURLcode res = curl_easy_perform(curl);
    long status = 0;
    if (res == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (res == CURLE_OK && status >= 200 && status < 300)
        rc = 0;
    else if (res == CURLE_OK && status == 404 && strcmp(method, "DELETE") == 0)
        rc = 0;
    else
        log_warn("storage: S3 %s %s failed: %s (status %ld)", method, name,
                 res == CURLE_OK ? "refused" : curl_easy_strerror(res), status);
out:
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return rc;
}

int storage_put(storage_t *s, const char *name, const char *content_type, const void *data,
                size_t len, char url[STORAGE_URL_MAX + 1])
{
    if (!s->s3)
        return local_put(s, name, data, len, url);
    int n = s->s3_public_base_url != NULL
                ? snprintf(url, STORAGE_URL_MAX + 1, "%s/%s", s->s3_public_base_url, name)
                : snprintf(url, STORAGE_URL_MAX + 1, "%s/%s/%s", s->endpoint, s->bucket, name);
    if (n > STORAGE_URL_MAX)
        return ERR_INTERNAL;
    return s3_request(s, "PUT", name, content_type, data, len);
}

int storage_delete(storage_t *s, const char *backend, const char *name)
{
    if (strcmp(backend, "s3") == 0) {
        if (!s->s3) {
            log_warn("storage: cannot delete S3 object %s: S3 is not configured", name);
            return ERR_UNAVAILABLE;
        }
        return s3_request(s, "DELETE", name, NULL, NULL, 0);
    }
    char path[4096];
    int rc = local_path(s, name, path, sizeof path);
    if (rc != 0)
        return rc == ERR_NOT_FOUND ? 0 : rc;
    if (unlink(path) != 0 && errno != ENOENT) {
        log_warn("storage: cannot delete %s: %s", path, strerror(errno));
        return ERR_INTERNAL;
    }
    return 0;
}
