/* test_log.c - log lines are single JSON objects carrying the service, level and the
 * thread's request id, whatever the message contains. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "common/log.h"

/* Runs emit() with stdout redirected to a temporary file and returns what it wrote. */
static char *capture(void (*emit)(void))
{
    char path[] = "/tmp/test_log_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    assert_true(dup2(fd, STDOUT_FILENO) >= 0);
    emit();
    fflush(stdout);
    assert_true(dup2(saved, STDOUT_FILENO) >= 0);
    close(saved);
    off_t size = lseek(fd, 0, SEEK_END);
    char *text = calloc(1, (size_t)size + 1);
    assert_true(pread(fd, text, (size_t)size, 0) == size);
    close(fd);
    unlink(path);
    return text;
}

static void emit_with_request_id(void)
{
    log_set_request_id("req-42");
    log_info("registered %s with \"quotes\", a tab\t and a newline\n", "user");
    log_set_request_id(NULL);
}

static void test_log_line_is_one_json_object_with_context(void **state)
{
    (void)state;
    char *text = capture(emit_with_request_id);
    /* One line: the newline in the message is escaped, not written. */
    assert_non_null(strchr(text, '\n'));
    assert_null(strchr(strchr(text, '\n') + 1, '\n'));
    cJSON *line = cJSON_Parse(text);
    assert_non_null(line);
    assert_string_equal(cJSON_GetObjectItem(line, "service")->valuestring, "unit-test");
    assert_string_equal(cJSON_GetObjectItem(line, "level")->valuestring, "info");
    assert_string_equal(cJSON_GetObjectItem(line, "request_id")->valuestring, "req-42");
    assert_string_equal(cJSON_GetObjectItem(line, "msg")->valuestring,
                        "registered user with \"quotes\", a tab\t and a newline\n");
    assert_true(cJSON_IsString(cJSON_GetObjectItem(line, "ts")));
    cJSON_Delete(line);
    free(text);
}

static void emit_invalid_utf8(void)
{
    log_warn("path %s", "/products/\xff\xfe");
}

static void test_log_invalid_utf8_still_parses(void **state)
{
    (void)state;
    char *text = capture(emit_invalid_utf8);
    cJSON *line = cJSON_Parse(text);
    assert_non_null(line);
    assert_string_equal(cJSON_GetObjectItem(line, "level")->valuestring, "warn");
    assert_null(cJSON_GetObjectItem(line, "request_id"));
    cJSON_Delete(line);
    free(text);
}

static void emit_debug(void)
{
    log_debug("not shown at the default level");
}

static void test_log_debug_is_filtered_by_default(void **state)
{
    (void)state;
    char *text = capture(emit_debug);
    assert_string_equal(text, "");
    free(text);
}

static void emit_access(void)
{
    log_access("GET", "/products/abc", "/products/:id", 404, 0.0123);
}

static void test_log_access_line_has_route_status_and_latency(void **state)
{
    (void)state;
    char *text = capture(emit_access);
    cJSON *line = cJSON_Parse(text);
    assert_non_null(line);
    assert_non_null(strstr(text, "/products/:id"));
    assert_non_null(strstr(text, "404"));
    assert_non_null(strstr(text, "GET"));
    cJSON_Delete(line);
    free(text);
}

int main(void)
{
    unsetenv("LOG_LEVEL");
    log_init("unit-test");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_line_is_one_json_object_with_context),
        cmocka_unit_test(test_log_invalid_utf8_still_parses),
        cmocka_unit_test(test_log_debug_is_filtered_by_default),
        cmocka_unit_test(test_log_access_line_has_route_status_and_latency),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
