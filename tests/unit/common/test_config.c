/* test_config.c - configuration from the environment: strings, numbers, secrets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/config.h"

static void test_config_str_returns_value(void **state)
{
    (void)state;
    setenv("TC_STR", "hello", 1);
    assert_string_equal(config_str("TC_STR", "fb"), "hello");
}

static void test_config_str_unset_returns_fallback(void **state)
{
    (void)state;
    unsetenv("TC_STR_UNSET");
    assert_string_equal(config_str("TC_STR_UNSET", "fb"), "fb");
}

static void test_config_str_empty_returns_fallback(void **state)
{
    (void)state;
    setenv("TC_STR_EMPTY", "", 1);
    assert_string_equal(config_str("TC_STR_EMPTY", "fb"), "fb");
}

static void test_config_long_parses_number(void **state)
{
    (void)state;
    setenv("TC_LONG", "-1234", 1);
    assert_int_equal(config_long("TC_LONG", 7), -1234);
}

static void test_config_long_unset_returns_fallback(void **state)
{
    (void)state;
    unsetenv("TC_LONG_UNSET");
    assert_int_equal(config_long("TC_LONG_UNSET", 16), 16);
}

static void test_config_long_garbage_exits_2(void **state)
{
    (void)state;
    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("TC_LONG_BAD", "12abc", 1);
        config_long("TC_LONG_BAD", 1);
        _exit(0); /* not reached when config_long does its job */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 2);
}

static void test_config_secret_from_variable(void **state)
{
    (void)state;
    setenv("TC_SECRET", "s3cret", 1);
    char *s = config_secret("TC_SECRET");
    assert_non_null(s);
    assert_string_equal(s, "s3cret");
    free(s);
    unsetenv("TC_SECRET");
}

static void test_config_secret_from_file_strips_newline(void **state)
{
    (void)state;
    char path[] = "/tmp/test_config_secret_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "line1\nline2\n", 12), 12);
    close(fd);
    unsetenv("TC_FSECRET");
    setenv("TC_FSECRET_FILE", path, 1);
    char *s = config_secret("TC_FSECRET");
    unlink(path);
    assert_non_null(s);
    assert_string_equal(s, "line1\nline2");
    free(s);
}

static void test_config_secret_missing_is_null(void **state)
{
    (void)state;
    unsetenv("TC_NOSECRET");
    unsetenv("TC_NOSECRET_FILE");
    assert_null(config_secret("TC_NOSECRET"));
}

static void test_config_secret_unreadable_file_is_null(void **state)
{
    (void)state;
    unsetenv("TC_BADFILE");
    setenv("TC_BADFILE_FILE", "/nonexistent/dir/secret", 1);
    assert_null(config_secret("TC_BADFILE"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_str_returns_value),
        cmocka_unit_test(test_config_str_unset_returns_fallback),
        cmocka_unit_test(test_config_str_empty_returns_fallback),
        cmocka_unit_test(test_config_long_parses_number),
        cmocka_unit_test(test_config_long_unset_returns_fallback),
        cmocka_unit_test(test_config_long_garbage_exits_2),
        cmocka_unit_test(test_config_secret_from_variable),
        cmocka_unit_test(test_config_secret_from_file_strips_newline),
        cmocka_unit_test(test_config_secret_missing_is_null),
        cmocka_unit_test(test_config_secret_unreadable_file_is_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
