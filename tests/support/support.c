/* support.c - helpers for tests that run against the local stack: its
 * environment file, HTTP through the gateway, the database, and topics. */
#include "support.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jwt.h>
#include <librdkafka/rdkafka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "test support: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

void stack_load(void)
{
    const char *path = getenv("STACK_ENV");
    if (path == NULL)
        die("STACK_ENV is not set: run the test through ctest, which starts the stack");
    FILE *f = fopen(path, "r");
    if (f == NULL)
        die("cannot open %s", path);
    char line[4096];
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        char *eq = strchr(line, '=');
        if (line[0] == '#' || eq == NULL)
            continue;
        *eq = '\0';
        setenv(line, eq + 1, 1);
    }
    fclose(f);
    curl_global_init(CURL_GLOBAL_ALL);
}

const char *stack_get(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        die("%s is not in the stack environment", name);
    return v;
}

typedef struct buf {
    char *data;
    size_t len;
} buf_t;

static size_t buf_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
    buf_t *b = arg;
    size_t n = size * nmemb;
    char *grown = realloc(b->data, b->len + n + 1);
    if (grown == NULL)
        return 0;
    b->data = grown;
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

int t_http(const char *method, const char *url, const char *token, const char *body,
           const char *const *headers, t_resp_t *out)
{
    return t_http_bytes(method, url, token, body, body != NULL ? strlen(body) : 0, headers, out);
}

int t_http_bytes(const char *method, const char *url, const char *token, const void *body,
                 size_t body_len, const char *const *headers, t_resp_t *out)
{
    memset(out, 0, sizeof *out);
    CURL *curl = curl_easy_init();
    if (curl == NULL)
        return -1;
    buf_t resp = {0}, hdrs = {0};
    struct curl_slist *list = NULL;
    char auth[4096];
    if (token != NULL) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        list = curl_slist_append(list, auth);
    }
    bool typed = false;
    for (int i = 0; headers != NULL && headers[i] != NULL; i++) {
        list = curl_slist_append(list, headers[i]);
        typed = typed || strncasecmp(headers[i], "Content-Type:", 13) == 0;
    }
    if (body != NULL && !typed)
        list = curl_slist_append(list, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, buf_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, buf_write);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &hdrs);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    if (body != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) {
        free(resp.data);
        free(hdrs.data);
        return -1;
    }
    out->body = resp.data != NULL ? resp.data : strdup("");
    out->headers = hdrs.data != NULL ? hdrs.data : strdup("");
    out->json = cJSON_Parse(out->body);
    return 0;
}

int t_gw(const char *method, const char *path, const char *token, const char *body, t_resp_t *out)
{
    char url[2048];
    snprintf(url, sizeof url, "%s%s", stack_get("GATEWAY_URL"), path);
    return t_http(method, url, token, body, NULL, out);
}

bool t_resp_header(const t_resp_t *r, const char *name, char *buf, size_t len)
{
    size_t nlen = strlen(name);
    for (const char *line = r->headers; line != NULL && *line != '\0';) {
        const char *end = strstr(line, "\r\n");
        size_t llen = end != NULL ? (size_t)(end - line) : strlen(line);
        if (llen > nlen && strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            while (*v == ' ')
                v++;
            size_t vlen = llen - (size_t)(v - line);
            if (vlen >= len)
                vlen = len - 1;
            memcpy(buf, v, vlen);
            buf[vlen] = '\0';
            return true;
        }
        if (end == NULL)
            break;
        line = end + 2;
    }
    return false;
}

void t_resp_free(t_resp_t *r)
{
    free(r->body);
    free(r->headers);
    cJSON_Delete(r->json);
    memset(r, 0, sizeof *r);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool t_wait_until(bool (*cond)(void *arg), void *arg, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    do {
        if (cond(arg))
            return true;
        usleep(20 * 1000);
    } while (now_ms() < deadline);
    return cond(arg);
}

/* DROP ... CASCADE lists every dropped object as a notice; tests need not see them. */
static void quiet_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

PGconn *t_db(void)
{
    PGconn *conn = PQconnectdb(stack_get("DATABASE_URL"));
    if (PQstatus(conn) != CONNECTION_OK)
        die("cannot connect to the stack database: %s", PQerrorMessage(conn));
    return conn;
}

char *t_sql_value(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
        die("SQL failed: %s: %s", sql, PQresultErrorMessage(res));
    char *value = NULL;
    if (st == PGRES_TUPLES_OK && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
        value = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return value;
}

/* Reads a topic with a throwaway consumer that assigns every partition from the
 * beginning and stops once each partition has reported its end. */
static cJSON *topic_read(const char *topic, bool with_keys);

cJSON *t_topic_read_all(const char *topic)
{
    return topic_read(topic, false);
}

cJSON *t_topic_read_records(const char *topic)
{
    return topic_read(topic, true);
}

static cJSON *topic_read(const char *topic, bool with_keys)
{
    char errstr[512], group[64];
    snprintf(group, sizeof group, "test-reader-%d-%lld", (int)getpid(), (long long)now_ms());
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", stack_get("KAFKA_BROKERS"), errstr,
                          sizeof errstr) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof errstr) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "enable.partition.eof", "true", errstr, sizeof errstr) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof errstr) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", errstr, sizeof errstr) !=
            RD_KAFKA_CONF_OK)
        die("kafka config: %s", errstr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (rk == NULL)
        die("kafka consumer: %s", errstr);

    const rd_kafka_metadata_t *md = NULL;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR || md == NULL ||
        md->topic_cnt != 1)
        die("no metadata for topic %s", topic);
    int partitions = md->topics[0].partition_cnt;
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; p++)
        rd_kafka_topic_partition_list_add(parts, topic, md->topics[0].partitions[p].id)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    if (rd_kafka_assign(rk, parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
        die("cannot assign %s", topic);
    rd_kafka_topic_partition_list_destroy(parts);

    cJSON *out = cJSON_CreateArray();
    int at_end = 0;
    int64_t deadline = now_ms() + 20000;
    while (at_end < partitions && now_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (m == NULL)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            at_end++;
        } else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            cJSON *v = cJSON_ParseWithLength(m->payload, m->len);
            if (v == NULL)
                v = cJSON_CreateString("(unparseable)");
            if (with_keys) {
                cJSON *rec = cJSON_CreateObject();
                char *key = m->key != NULL ? strndup(m->key, m->key_len) : NULL;
                if (key != NULL)
                    cJSON_AddStringToObject(rec, "key", key);
                else
                    cJSON_AddNullToObject(rec, "key");
                free(key);
                cJSON_AddItemToObject(rec, "value", v);
                v = rec;
            }
            cJSON_AddItemToArray(out, v);
        }
        rd_kafka_message_destroy(m);
    }
    if (at_end < partitions)
        die("timed out reading %s (%d of %d partitions at end)", topic, at_end, partitions);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return out;
}

int t_topic_count(const char *topic, const char *type, const char *subject)
{
    cJSON *all = t_topic_read_all(topic);
    int count = 0;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, all)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(ev, "type");
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(ev, "subject");
        if (cJSON_IsString(t) && cJSON_IsString(s) && strcmp(t->valuestring, type) == 0 &&
            strcmp(s->valuestring, subject) == 0)
            count++;
    }
    cJSON_Delete(all);
    return count;
}

void t_schema_create(const char *prefix, char *schema, char *conninfo)
{
    char sql[256];
    unsigned char rnd[4];
    FILE *urandom = fopen("/dev/urandom", "rb");
    if (urandom == NULL || fread(rnd, 1, sizeof rnd, urandom) != sizeof rnd)
        die("cannot read /dev/urandom");
    fclose(urandom);
    snprintf(schema, 64, "%s_%02x%02x%02x%02x", prefix, rnd[0], rnd[1], rnd[2], rnd[3]);
    const char *url = stack_get("DATABASE_URL");
    snprintf(conninfo, 2048, "%s%coptions=-csearch_path%%3D%s&application_name=%s", url,
             strchr(url, '?') ? '&' : '?', schema, schema);
    PGconn *su = t_db();
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
    free(t_sql_value(su, sql, 0, NULL));
    PQfinish(su);
}

void t_schema_drop(const char *schema)
{
    char sql[128];
    PGconn *su = t_db();
    PQsetNoticeProcessor(su, quiet_notice, NULL);
    snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
    free(t_sql_value(su, sql, 0, NULL));
    PQfinish(su);
}

long t_schema_count(const char *sql_fmt, const char *schema, const char *param)
{
    char sql[1024];
    snprintf(sql, sizeof sql, sql_fmt, schema);
    const char *params[1] = {param};
    PGconn *su = t_db();
    char *v = t_sql_value(su, sql, param != NULL ? 1 : 0, params);
    PQfinish(su);
    long n = v != NULL ? atol(v) : -1;
    free(v);
    return n;
}

void t_unique_email(char *buf, size_t len, const char *prefix)
{
    static int counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(buf, len, "%s-%d-%ld%09ld-%d@example.com", prefix, (int)getpid(), (long)ts.tv_sec,
             ts.tv_nsec, ++counter);
}

/* An anonymous call as a well-behaved client makes it: every test comes from 127.0.0.1,
 * so the gateway's per-address bucket is shared by the whole suite, and a 429 is
 * answered by waiting what Retry-After says (at most 2 s, 10 times) and sending again. */
static int gw_polite(const char *method, const char *path, const char *body, t_resp_t *r)
{
    for (int attempt = 0;; attempt++) {
        int rc = t_gw(method, path, NULL, body, r);
        if (rc != 0 || r->status != 429 || attempt == 10)
            return rc;
        char retry[16] = "1";
        t_resp_header(r, "Retry-After", retry, sizeof retry);
        long wait_s = atol(retry);
        t_resp_free(r);
        struct timespec ts = {wait_s < 1 ? 1 : wait_s > 2 ? 2 : wait_s, 0};
        nanosleep(&ts, NULL);
    }
}

char *t_login(const char *email, const char *password)
{
    char body[1024];
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
    t_resp_t r;
    if (gw_polite("POST", "/auth/login", body, &r) != 0)
        return NULL;
    char *token = NULL;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(r.json, "access_token");
    if (r.status == 200 && cJSON_IsString(t))
        token = strdup(t->valuestring);
    t_resp_free(&r);
    return token;
}

char *t_register_login(const char *role, char *user_id)
{
    char email[256], body[1024];
    t_unique_email(email, sizeof email, role);
    snprintf(body, sizeof body,
             "{\"email\":\"%s\",\"password\":\"correct horse battery\",\"name\":\"Test %s\","
             "\"role\":\"%s\"}",
             email, role, role);
    t_resp_t r;
    if (gw_polite("POST", "/auth/register", body, &r) != 0 || r.status != 201)
        die("register %s failed: %ld %s", role, r.status, r.body ? r.body : "");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(r.json, "id");
    if (user_id != NULL && cJSON_IsString(id))
        snprintf(user_id, 37, "%s", id->valuestring);
    t_resp_free(&r);
    return t_login(email, "correct horse battery");
}

char *t_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die("cannot read %s", path);
    buf_t b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_write(chunk, 1, n, &b);
    fclose(f);
    return b.data != NULL ? b.data : strdup("");
}

char *t_mint_token(const char *private_pem, const char *sub, const char *role, long exp_offset)
{
    jwt_t *jwt = NULL;
    if (jwt_new(&jwt) != 0)
        die("jwt_new");
    time_t now = time(NULL);
    jwt_add_grant(jwt, "sub", sub);
    jwt_add_grant(jwt, "role", role);
    jwt_add_grant(jwt, "email", "minted@example.com");
    jwt_add_grant(jwt, "iss", "store-identity");
    jwt_add_grant(jwt, "aud", "store");
    jwt_add_grant_int(jwt, "iat", now - 60 + (exp_offset < 0 ? exp_offset : 0));
    jwt_add_grant_int(jwt, "exp", now + exp_offset);
    if (jwt_set_alg(jwt, JWT_ALG_RS256, (const unsigned char *)private_pem,
                    (int)strlen(private_pem)) != 0)
        die("jwt_set_alg");
    char *token = jwt_encode_str(jwt);
    jwt_free(jwt);
    if (token == NULL)
        die("jwt_encode_str");
    return token;
}

char *t_new_rsa_pem(void)
{
    EVP_PKEY *key = EVP_RSA_gen(2048);
    if (key == NULL)
        die("EVP_RSA_gen");
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL || !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL))
        die("PEM_write_bio_PrivateKey");
    char *data;
    long len = BIO_get_mem_data(bio, &data);
    char *pem = strndup(data, (size_t)len);
    BIO_free(bio);
    EVP_PKEY_free(key);
    return pem;
}
