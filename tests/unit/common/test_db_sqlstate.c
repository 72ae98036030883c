/* test_db_sqlstate.c - SQLSTATE to error code mapping (pure, no database). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/db.h"
#include "common/errors.h"

static void test_db_sqlstate_unique_violation_is_conflict(void **state)
{
    (void)state;
    assert_int_equal(db_error_from_sqlstate("23505"), ERR_CONFLICT);
}

static void test_db_sqlstate_serialization_failure_is_retry(void **state)
{
    (void)state;
    assert_int_equal(db_error_from_sqlstate("40001"), ERR_RETRY);
}

static void test_db_sqlstate_deadlock_is_retry(void **state)
{
    (void)state;
    assert_int_equal(db_error_from_sqlstate("40P01"), ERR_RETRY);
}

static void test_db_sqlstate_other_integrity_violations_are_invalid(void **state)
{
    (void)state;
    assert_int_equal(db_error_from_sqlstate("23503"), ERR_INVALID); /* foreign key */
    assert_int_equal(db_error_from_sqlstate("23502"), ERR_INVALID); /* not null */
    assert_int_equal(db_error_from_sqlstate("23514"), ERR_INVALID); /* check */
}

static void test_db_sqlstate_data_exceptions_are_invalid(void **state)
{
    (void)state;
    assert_int_equal(db_error_from_sqlstate("22P02"), ERR_INVALID); /* bad text repr */
    assert_int_equal(db_error_from_sqlstate("22001"), ERR_INVALID); /* string too long */
    assert_int_equal(db_error_from_sqlstate("22003"), ERR_INVALID); /* out of range */
}

static void test_db_sqlstate_connection_problems_are_unavailable(void **state)
{
    (void)state;
    assert_int_equal(db_error_from_sqlstate("08006"), ERR_UNAVAILABLE);
    assert_int_equal(db_error_from_sqlstate("08001"), ERR_UNAVAILABLE);
    assert_int_equal(db_error_from_sqlstate("57P01"), ERR_UNAVAILABLE); /* admin shutdown */
    assert_int_equal(db_error_from_sqlstate("57P03"), ERR_UNAVAILABLE); /* starting up */
    assert_int_equal(db_error_from_sqlstate("53300"), ERR_UNAVAILABLE); /* too many conns */
}

static void test_db_sqlstate_missing_state_is_unavailable(void **state)
{
    (void)state;
    assert_int_equal(db_error_from_sqlstate(NULL), ERR_UNAVAILABLE);
    assert_int_equal(db_error_from_sqlstate(""), ERR_UNAVAILABLE);
}

static void test_db_sqlstate_anything_else_is_internal(void **state)
{
    (void)state;
    assert_int_equal(db_error_from_sqlstate("42601"), ERR_INTERNAL); /* syntax error */
    assert_int_equal(db_error_from_sqlstate("42P01"), ERR_INTERNAL); /* undefined table */
    assert_int_equal(db_error_from_sqlstate("XX000"), ERR_INTERNAL);
    assert_int_equal(db_error_from_sqlstate("57014"), ERR_INTERNAL); /* query canceled */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_db_sqlstate_unique_violation_is_conflict),
        cmocka_unit_test(test_db_sqlstate_serialization_failure_is_retry),
        cmocka_unit_test(test_db_sqlstate_deadlock_is_retry),
        cmocka_unit_test(test_db_sqlstate_other_integrity_violations_are_invalid),
        cmocka_unit_test(test_db_sqlstate_data_exceptions_are_invalid),
        cmocka_unit_test(test_db_sqlstate_connection_problems_are_unavailable),
        cmocka_unit_test(test_db_sqlstate_missing_state_is_unavailable),
        cmocka_unit_test(test_db_sqlstate_anything_else_is_internal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
