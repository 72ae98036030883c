/* test_db_cells.c - the result cell accessors, over a result built by hand (no database). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/db.h"

/* One row: text "abc", bigint 42, boolean 't', and a NULL. */
static PGresult *one_row(void)
{
    PGresAttDesc cols[4] = {
        {.name = "s", .format = 0},
        {.name = "n", .format = 0},
        {.name = "b", .format = 0},
        {.name = "z", .format = 0},
    };
    PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    assert_non_null(res);
    assert_true(PQsetResultAttrs(res, 4, cols));
    assert_true(PQsetvalue(res, 0, 0, "abc", 3));
    assert_true(PQsetvalue(res, 0, 1, "42", 2));
    assert_true(PQsetvalue(res, 0, 2, "t", 1));
    assert_true(PQsetvalue(res, 0, 3, NULL, -1)); /* -1: SQL NULL */
    return res;
}

static void test_db_cells_read_values(void **state)
{
    (void)state;
    PGresult *res = one_row();
    assert_string_equal(db_text(res, 0, 0), "abc");
    assert_int_equal(db_int64(res, 0, 1), 42);
    assert_true(db_bool(res, 0, 2));
    assert_false(db_bool(res, 0, 0));
    PQclear(res);
}

static void test_db_cells_null_is_null_or_zero(void **state)
{
    (void)state;
    PGresult *res = one_row();
    assert_null(db_text(res, 0, 3));
    assert_int_equal(db_int64(res, 0, 3), 0);
    assert_false(db_bool(res, 0, 3));
    PQclear(res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_db_cells_read_values),
        cmocka_unit_test(test_db_cells_null_is_null_or_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
