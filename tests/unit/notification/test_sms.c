/* test_sms.c - the SMS interface and its HTTP provider (sms.c): the request and answer
 * rules, then real sends against tests/stubs/sms_stub.py started on a free port. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/errors.h"
#include "common/httpclient.h"
#include "sms.h"

static pid_t stub_pid;
static char stub_dir[64];
static char base_url[64];

static void test_sms_body(void **state)
{
    (void)state;
    char *body = sms_http_body("+9779800000000", "Store", "Hi \"there\"", "ref-1");
    assert_string_equal(body, "{\"to\":\"+9779800000000\",\"from\":\"Store\",\"text\":\"Hi "
                              "\\\"there\\\"\",\"reference\":\"ref-1\"}");
    free(body);
}

static void test_sms_outcome(void **state)
{
    (void)state;
    sms_result_t r = {0};
    assert_int_equal(sms_http_outcome(201, "{\"id\":\"sms_1\"}", &r), 0);
    assert_string_equal(r.provider_id, "sms_1");
    memset(&r, 0, sizeof r);
    assert_int_equal(sms_http_outcome(422, "{}", &r), ERR_UNAVAILABLE);
    assert_true(r.permanent);
    memset(&r, 0, sizeof r);
    assert_int_equal(sms_http_outcome(429, NULL, &r), ERR_UNAVAILABLE);
    assert_false(r.permanent);
    memset(&r, 0, sizeof r);
    assert_int_equal(sms_http_outcome(503, NULL, &r), ERR_UNAVAILABLE);
    assert_false(r.permanent);
}

static void test_sms_rejects_bad_base(void **state)
{
    (void)state;
    sms_provider_t *p = NULL;
    assert_int_equal(sms_http_new("ftp://x", NULL, NULL, 1000, &p), ERR_INVALID);
    assert_null(p);
}

static int count_files(void)
{
    int n = 0;
    DIR *d = opendir(stub_dir);
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, "sms-", 4) == 0)
            n++;
    closedir(d);
    return n;
}

static void test_sms_against_stub(void **state)
{
    (void)state;
    sms_provider_t *p = NULL;
    sms_result_t r;
    assert_int_equal(sms_http_new(base_url, "test-key", "Store", 5000, &p), 0);
    /* The stub answers the first POST 503: a failure worth retrying. */
    assert_int_equal(sms_send(p, "+9779800000000", "Order placed", "n-1", &r), ERR_UNAVAILABLE);
    assert_false(r.permanent);
    assert_int_equal(count_files(), 0);
    assert_int_equal(sms_send(p, "+9779800000000", "Order placed", "n-1", &r), 0);
    char first[128];
    snprintf(first, sizeof first, "%s", r.provider_id);
    assert_true(first[0] != '\0');
    /* The same key again is a replay: the same id, no second SMS. */
    assert_int_equal(sms_send(p, "+9779800000000", "Order placed", "n-1", &r), 0);
    assert_string_equal(r.provider_id, first);
    assert_int_equal(count_files(), 1);
    /* Another notification is another SMS. */
    assert_int_equal(sms_send(p, "+9779800000000", "Order paid", "n-2", &r), 0);
    assert_string_not_equal(r.provider_id, first);
    assert_int_equal(count_files(), 2);
    /* A number the provider refuses is a permanent failure. */
    assert_int_equal(sms_send(p, "12", "x", "n-3", &r), ERR_UNAVAILABLE);
    assert_true(r.permanent);
    sms_free(p);
}

static void test_sms_wrong_key_is_permanent(void **state)
{
    (void)state;
    sms_provider_t *p = NULL;
    sms_result_t r;
    assert_int_equal(sms_http_new(base_url, "wrong", "Store", 5000, &p), 0);
    assert_int_equal(sms_send(p, "+9779800000000", "x", "n-9", &r), ERR_UNAVAILABLE);
    assert_true(r.permanent);
    sms_free(p);
}

/* Starts the stub on a free port, failing its first POST. */
static int start_stub(void **state)
{
    (void)state;
    char src[] = __FILE__;
    char stub[512], port_file[128];
    snprintf(stub, sizeof stub, "%s/../../stubs/sms_stub.py", dirname(src));
    snprintf(stub_dir, sizeof stub_dir, "/tmp/sms-stub-XXXXXX");
    if (mkdtemp(stub_dir) == NULL)
        return -1;
    snprintf(port_file, sizeof port_file, "%s.port", stub_dir);
    stub_pid = fork();
    if (stub_pid == 0) {
        freopen("/dev/null", "w", stdout);
        execl("/usr/bin/python3", "python3", stub, "--port-file", port_file, "--dir", stub_dir,
              "--api-key", "test-key", "--fail-first", "1", (char *)NULL);
        _exit(127);
    }
    /* Waits for the port file, up to 10 s. */
    for (int i = 0; i < 1000; i++) {
        FILE *f = fopen(port_file, "r");
        int port = 0;
        if (f != NULL) {
            if (fscanf(f, "%d", &port) != 1)
                port = 0;
            fclose(f);
        }
        if (port > 0) {
            snprintf(base_url, sizeof base_url, "http://127.0.0.1:%d", port);
            unlink(port_file);
            return hc_global_init();
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

static int stop_stub(void **state)
{
    (void)state;
    char cmd[128];
    if (stub_pid > 0) {
        kill(stub_pid, SIGTERM);
        waitpid(stub_pid, NULL, 0);
    }
    hc_thread_cleanup();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", stub_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sms_body),
        cmocka_unit_test(test_sms_outcome),
        cmocka_unit_test(test_sms_rejects_bad_base),
        cmocka_unit_test(test_sms_against_stub),
        cmocka_unit_test(test_sms_wrong_key_is_permanent),
    };
    return cmocka_run_group_tests(tests, start_stub, stop_stub);
}
