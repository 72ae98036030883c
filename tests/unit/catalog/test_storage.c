/* test_storage.c - image storage (services/catalog/storage.c): local disk, and an
 * S3-compatible bucket through libcurl's SigV4 signing, against tests/stubs/s3_stub.py,
 * which verifies every signature the way S3 does. The stub is started here on a free
 * port and stopped by its pid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common/errors.h"
#include "storage.h"

extern char **environ;

static const char *NAME = "0b72d66e-4c38-47b1-9092-adfc9809f822.png";
static const unsigned char BYTES[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                      'I',  'H', 'D', 'R', 0,    0,    0,    1,    0, 0, 0, 1};

static char tmpdir[64];
static pid_t stub_pid;
static int stub_port;

static void stub_start(void)
{
    char port_file[128], stub[512];
    snprintf(port_file, sizeof port_file, "%s/s3.port", tmpdir);
    /* The stub sits beside the tests: tests/stubs/ from this file's directory. */
    snprintf(stub, sizeof stub, "%s", __FILE__);
    char *slash = strrchr(stub, '/');
    assert_non_null(slash);
    snprintf(slash, sizeof stub - (size_t)(slash - stub), "/../../stubs/s3_stub.py");
    char *argv[] = {"/usr/bin/python3",
                    stub,
                    "--port-file",
                    port_file,
                    "--access-key",
                    "AKIDTEST",
                    "--secret",
                    "s3cr3t/key+value",
                    "--region",
                    "np-east-1",
                    "--bucket",
                    "images",
                    NULL};
    assert_int_equal(posix_spawn(&stub_pid, argv[0], NULL, NULL, argv, environ), 0);
    for (int i = 0; i < 200; i++) {
        FILE *f = fopen(port_file, "r");
        if (f != NULL) {
            int ok = fscanf(f, "%d", &stub_port);
            fclose(f);
            if (ok == 1)
                return;
        }
        struct timespec ts = {0, 25 * 1000000};
        nanosleep(&ts, NULL);
    }
    fail_msg("the S3 stub did not start");
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/catalog-storage-XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (stub_pid > 0) {
        kill(stub_pid, SIGTERM);
        waitpid(stub_pid, NULL, 0);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        return -1;
    curl_global_cleanup();
    return 0;
}

static void test_storage_local_put_read_delete(void **state)
{
    (void)state;
    char dir[128], url[STORAGE_URL_MAX + 1];
    snprintf(dir, sizeof dir, "%s/images/nested", tmpdir);
    storage_config_t cfg = {.image_dir = dir, .public_base_url = "http://gw.example:8080/"};
    storage_t *s;
    assert_int_equal(storage_open(&cfg, &s), 0);
    assert_string_equal(storage_backend(s), "local");
    assert_int_equal(storage_put(s, NAME, "image/png", BYTES, sizeof BYTES, url), 0);
    assert_string_equal(url,
                        "http://gw.example:8080/images/0b72d66e-4c38-47b1-9092-adfc9809f822.png");
    char *data;
    size_t len;
    assert_int_equal(storage_read(s, NAME, &data, &len), 0);
    assert_int_equal(len, sizeof BYTES);
    assert_memory_equal(data, BYTES, len);
    free(data);
    assert_int_equal(storage_delete(s, "local", NAME), 0);
    assert_int_equal(storage_read(s, NAME, &data, &len), ERR_NOT_FOUND);
    assert_int_equal(storage_delete(s, "local", NAME), 0); /* already gone is fine */
    storage_close(s);
}

static void test_storage_config_errors(void **state)
{
    (void)state;
    storage_t *s;
    storage_config_t none = {0};
    assert_int_equal(storage_open(&none, &s), ERR_INVALID);
    storage_config_t partial = {.image_dir = tmpdir, .s3_endpoint = "http://x", .s3_bucket = "b"};
    assert_int_equal(storage_open(&partial, &s), ERR_INVALID);
}

typedef struct got {
    char data[256];
    size_t len;
} got_t;

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
    got_t *g = arg;
    size_t k = size * n;
    if (g->len + k > sizeof g->data)
        return 0;
    memcpy(g->data + g->len, p, k);
    g->len += k;
    return k;
}

/* An unsigned GET of a public object URL; returns the status. */
static long fetch(const char *url, got_t *g)
{
    memset(g, 0, sizeof *g);
    CURL *c = curl_easy_init();
    long status = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, g);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    return status;
}

static void test_storage_s3_signed_put_and_delete(void **state)
{
    (void)state;
    char endpoint[64], public_base[96], url[STORAGE_URL_MAX + 1];
    stub_start();
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", stub_port);
    snprintf(public_base, sizeof public_base, "%s/images", endpoint);
    storage_config_t cfg = {.s3_endpoint = endpoint,
                            .s3_bucket = "images",
                            .s3_region = "np-east-1",
                            .s3_access_key_id = "AKIDTEST",
                            .s3_secret_access_key = "s3cr3t/key+value",
                            .s3_public_base_url = public_base,
                            .timeout_ms = 5000};
    storage_t *s;
    assert_int_equal(storage_open(&cfg, &s), 0);
    assert_string_equal(storage_backend(s), "s3");
    /* The stub refuses anything not signed exactly right with 403. */
    assert_int_equal(storage_put(s, NAME, "image/png", BYTES, sizeof BYTES, url), 0);
    char want[256];
    snprintf(want, sizeof want, "%s/%s", public_base, NAME);
    assert_string_equal(url, want);
    got_t g;
    assert_int_equal(fetch(url, &g), 200);
    assert_int_equal(g.len, sizeof BYTES);
    assert_memory_equal(g.data, BYTES, sizeof BYTES);
    /* Local reads do not serve S3 objects. */
    char *data;
    size_t len;
    assert_int_equal(storage_read(s, NAME, &data, &len), ERR_NOT_FOUND);
    assert_int_equal(storage_delete(s, "s3", NAME), 0);
    assert_int_equal(fetch(url, &g), 404);
    storage_close(s);

    /* A wrong secret: S3 says 403, the upload fails as unavailable. */
    cfg.s3_secret_access_key = "wrong";
    cfg.s3_public_base_url = NULL;
    assert_int_equal(storage_open(&cfg, &s), 0);
    assert_int_equal(storage_put(s, NAME, "image/png", BYTES, sizeof BYTES, url), ERR_UNAVAILABLE);
    /* Without a public base the URL is path-style on the endpoint. */
    snprintf(want, sizeof want, "%s/images/%s", endpoint, NAME);
    assert_string_equal(url, want);
    assert_int_equal(fetch(url, &g), 404);
    storage_close(s);
}

static void test_storage_s3_unreachable_is_unavailable(void **state)
{
    (void)state;
    char url[STORAGE_URL_MAX + 1];
    /* Port 1 on loopback: nothing listens, the connection is refused at once. */
    storage_config_t cfg = {.s3_endpoint = "http://127.0.0.1:1",
                            .s3_bucket = "images",
                            .s3_region = "np-east-1",
                            .s3_access_key_id = "AKIDTEST",
                            .s3_secret_access_key = "x",
                            .timeout_ms = 2000};
    storage_t *s;
    assert_int_equal(storage_open(&cfg, &s), 0);
    assert_int_equal(storage_put(s, NAME, "image/png", BYTES, sizeof BYTES, url), ERR_UNAVAILABLE);
    storage_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_storage_local_put_read_delete),
        cmocka_unit_test(test_storage_config_errors),
        cmocka_unit_test(test_storage_s3_signed_put_and_delete),
        cmocka_unit_test(test_storage_s3_unreachable_is_unavailable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
