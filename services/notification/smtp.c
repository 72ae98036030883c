/* smtp.c - one mail over SMTP with libcurl (see smtp.h). */
#include "smtp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/service.h"
#include "mime.h"

static char *g_url;
static char *g_username, *g_password;
static const char *g_from_header;
static char g_from_addr[256];
static long g_timeout_ms;
static curl_usessl g_use_ssl;

int smtp_init(void)
{
    const char *host = config_str("SMTP_HOST", "127.0.0.1");
    long port = service_setting("SMTP_PORT", 25, 1, 65535);
    const char *tls = config_str("SMTP_TLS", "starttls");
    const char *starttls = config_str("SMTP_STARTTLS", "try");
    g_timeout_ms = service_setting("SMTP_TIMEOUT_MS", 10000, 100, 300000);
    g_from_header = config_str("SMTP_FROM", "Store <no-reply@store.local>");
    if (mime_address_of(g_from_header, g_from_addr, sizeof g_from_addr) != 0) {
        log_error("SMTP_FROM must be an address or \"Name <address>\"");
        return ERR_INVALID;
    }
    if (strpbrk(host, "/@ \r\n") != NULL || host[0] == '\0') {
        log_error("SMTP_HOST must be a host name or address");
        return ERR_INVALID;
    }
    bool implicit = strcmp(tls, "implicit") == 0;
    if (!implicit && strcmp(tls, "starttls") != 0) {
        log_error("SMTP_TLS must be starttls or implicit");
        return ERR_INVALID;
    }
    if (strcmp(starttls, "try") == 0)
        g_use_ssl = CURLUSESSL_TRY;
    else if (strcmp(starttls, "required") == 0)
        g_use_ssl = CURLUSESSL_ALL;
    else if (strcmp(starttls, "off") == 0)
        g_use_ssl = CURLUSESSL_NONE;
    else {
        log_error("SMTP_STARTTLS must be try, required or off");
        return ERR_INVALID;
    }
    size_t n = strlen(host) + 32;
    g_url = malloc(n);
    if (g_url == NULL)
        return ERR_INTERNAL;
    /* An IPv6 literal needs brackets in a URL. */
    bool v6 = strchr(host, ':') != NULL;
    snprintf(g_url, n, "%s://%s%s%s:%ld", implicit ? "smtps" : "smtp", v6 ? "[" : "", host,
             v6 ? "]" : "", port);
    g_username = config_secret("SMTP_USERNAME");
    g_password = config_secret("SMTP_PASSWORD");
    return 0;
}

void smtp_free(void)
{
    free(g_url);
    free(g_username);
    free(g_password);
    g_url = g_username = g_password = NULL;
}

const char *smtp_from_address(void)
{
    return g_from_addr;
}

const char *smtp_from_header(void)
{
    return g_from_header;
}

typedef struct upload {
    const char *data;
    size_t len, pos;
} upload_t;

static size_t read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
    upload_t *u = arg;
    size_t room = size * nitems;
    size_t n = u->len - u->pos < room ? u->len - u->pos : room;
    memcpy(buf, u->data + u->pos, n);
    u->pos += n;
    return n;
}

int smtp_send(const char *to, const char *message, size_t len, smtp_result_t *res)
{
    char from[300], rcpt_addr[300];
    upload_t up = {message, len, 0};
    struct curl_slist *rcpt = NULL;
    int rc = ERR_UNAVAILABLE;
    memset(res, 0, sizeof *res);
    CURL *c = curl_easy_init();
    snprintf(from, sizeof from, "<%s>", g_from_addr);
    snprintf(rcpt_addr, sizeof rcpt_addr, "<%s>", to);
    if (c == NULL || (rcpt = curl_slist_append(NULL, rcpt_addr)) == NULL) {
        snprintf(res->error, sizeof res->error, "out of memory");
        rc = ERR_INTERNAL;
        goto out;
    }
    CURLcode cc = CURLE_OK;
#define SET(opt, val)                                                                              \
    if (cc == CURLE_OK)                                                                            \
    cc = curl_easy_setopt(c, opt, val)
    SET(CURLOPT_URL, g_url);
    SET(CURLOPT_MAIL_FROM, from);
    SET(CURLOPT_MAIL_RCPT, rcpt);
    SET(CURLOPT_UPLOAD, 1L);
    SET(CURLOPT_READFUNCTION, read_cb);
    SET(CURLOPT_READDATA, &up);
    SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    SET(CURLOPT_USE_SSL, (long)g_use_ssl);
    SET(CURLOPT_TIMEOUT_MS, g_timeout_ms);
    SET(CURLOPT_CONNECTTIMEOUT_MS, g_timeout_ms < 5000 ? g_timeout_ms : 5000L);
    SET(CURLOPT_NOSIGNAL, 1L);
    if (g_username != NULL)
        SET(CURLOPT_USERNAME, g_username);
    if (g_password != NULL)
        SET(CURLOPT_PASSWORD, g_password);
#undef SET
    if (cc != CURLE_OK) {
        snprintf(res->error, sizeof res->error, "curl setup: %s", curl_easy_strerror(cc));
        rc = ERR_INTERNAL;
        goto out;
    }
    cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->reply_code);
    if (cc == CURLE_OK) {
        rc = 0;
        goto out;
    }
    /* A 5xx reply is the server's final word on this message (no such mailbox, refused);
     * a 4xx, a timeout or a lost connection may pass. */
    res->permanent = res->reply_code >= 500 && res->reply_code < 600;
    snprintf(res->error, sizeof res->error, "smtp: %s (reply %ld)", curl_easy_strerror(cc),
             res->reply_code);
out:
    curl_slist_free_all(rcpt);
    if (c != NULL)
        curl_easy_cleanup(c);
    return rc;
}
