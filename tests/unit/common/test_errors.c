/* test_errors.c - every error code maps to its HTTP status and stable machine code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/errors.h"

static void expect_mapping(int err, int status, const char *code)
{
    assert_int_equal(err_http_status(err), status);
    assert_string_equal(err_code(err), code);
}

static void test_errors_invalid_is_400_validation_failed(void **state)
{
    (void)state;
    expect_mapping(ERR_INVALID, 400, "VALIDATION_FAILED");
}

static void test_errors_malformed_is_400_malformed_json(void **state)
{
    (void)state;
    expect_mapping(ERR_MALFORMED, 400, "MALFORMED_JSON");
}

static void test_errors_unauthorized_is_401(void **state)
{
    (void)state;
    expect_mapping(ERR_UNAUTHORIZED, 401, "UNAUTHORIZED");
}

static void test_errors_forbidden_is_403(void **state)
{
    (void)state;
    expect_mapping(ERR_FORBIDDEN, 403, "FORBIDDEN");
}

static void test_errors_not_found_is_404(void **state)
{
    (void)state;
    expect_mapping(ERR_NOT_FOUND, 404, "NOT_FOUND");
}

static void test_errors_conflict_is_409(void **state)
{
    (void)state;
    expect_mapping(ERR_CONFLICT, 409, "CONFLICT");
}

static void test_errors_too_large_is_413(void **state)
{
    (void)state;
    expect_mapping(ERR_TOO_LARGE, 413, "PAYLOAD_TOO_LARGE");
}

static void test_errors_media_type_is_415(void **state)
{
    (void)state;
    expect_mapping(ERR_MEDIA_TYPE, 415, "UNSUPPORTED_MEDIA_TYPE");
}

static void test_errors_idem_mismatch_is_422(void **state)
{
    (void)state;
    expect_mapping(ERR_IDEM_MISMATCH, 422, "IDEMPOTENCY_KEY_REUSED");
}

static void test_errors_rate_limited_is_429(void **state)
{
    (void)state;
    expect_mapping(ERR_RATE_LIMITED, 429, "RATE_LIMITED");
}

static void test_errors_unavailable_is_503(void **state)
{
    (void)state;
    expect_mapping(ERR_UNAVAILABLE, 503, "SERVICE_UNAVAILABLE");
}

static void test_errors_retry_is_500_internal(void **state)
{
    (void)state;
    expect_mapping(ERR_RETRY, 500, "INTERNAL");
}

static void test_errors_internal_is_500(void **state)
{
    (void)state;
    expect_mapping(ERR_INTERNAL, 500, "INTERNAL");
}

static void test_errors_unknown_code_is_500_internal(void **state)
{
    (void)state;
    expect_mapping(-999, 500, "INTERNAL");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors_invalid_is_400_validation_failed),
        cmocka_unit_test(test_errors_malformed_is_400_malformed_json),
        cmocka_unit_test(test_errors_unauthorized_is_401),
        cmocka_unit_test(test_errors_forbidden_is_403),
        cmocka_unit_test(test_errors_not_found_is_404),
        cmocka_unit_test(test_errors_conflict_is_409),
        cmocka_unit_test(test_errors_too_large_is_413),
        cmocka_unit_test(test_errors_media_type_is_415),
        cmocka_unit_test(test_errors_idem_mismatch_is_422),
        cmocka_unit_test(test_errors_rate_limited_is_429),
        cmocka_unit_test(test_errors_unavailable_is_503),
        cmocka_unit_test(test_errors_retry_is_500_internal),
        cmocka_unit_test(test_errors_internal_is_500),
        cmocka_unit_test(test_errors_unknown_code_is_500_internal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
