/* test_http_match.c - path patterns with ":name" parameters.
 *
 * Decisions pinned here: segment counts must agree, so a trailing slash never matches a
 * pattern without one ("/products/" matches neither "/products" nor "/products/:id");
 * an empty segment never fills a parameter; literals are case-sensitive; and http_match
 * does not percent-decode (the server decodes parameter values after matching, so that an
 * encoded "/" stays inside its segment).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/http.h"

struct m {
    char scratch[256];
    const char *names[HTTP_MAX_PARAMS];
    const char *values[HTTP_MAX_PARAMS];
    int count;
};

static bool match(struct m *m, const char *pattern, const char *path)
{
    memset(m, 0, sizeof(*m));
    m->count = -1;
    return http_match(pattern, path, m->scratch, m->names, m->values, &m->count);
}

static void test_http_match_param_takes_segment(void **state)
{
    (void)state;
    struct m m;
    assert_true(match(&m, "/products/:id", "/products/abc"));
    assert_int_equal(m.count, 1);
    assert_string_equal(m.names[0], "id");
    assert_string_equal(m.values[0], "abc");
}

static void test_http_match_literal_path(void **state)
{
    (void)state;
    struct m m;
    assert_true(match(&m, "/auth/login", "/auth/login"));
    assert_int_equal(m.count, 0);
}

static void test_http_match_two_params(void **state)
{
    (void)state;
    struct m m;
    assert_true(match(&m, "/a/:x/b/:y", "/a/1/b/2"));
    assert_int_equal(m.count, 2);
    assert_string_equal(m.names[0], "x");
    assert_string_equal(m.values[0], "1");
    assert_string_equal(m.names[1], "y");
    assert_string_equal(m.values[1], "2");
}

static void test_http_match_param_in_the_middle(void **state)
{
    (void)state;
    struct m m;
    assert_true(match(&m, "/products/:id/images", "/products/p-9/images"));
    assert_string_equal(m.names[0], "id"); /* NUL-terminated although "/images" follows */
    assert_string_equal(m.values[0], "p-9");
}

static void test_http_match_trailing_slash_does_not_match_param(void **state)
{
    (void)state;
    struct m m;
    assert_false(match(&m, "/products/:id", "/products/"));
    assert_int_equal(m.count, 0);
}

static void test_http_match_trailing_slash_does_not_match_literal(void **state)
{
    (void)state;
    struct m m;
    assert_false(match(&m, "/products", "/products/"));
}

static void test_http_match_empty_segment_never_fills_param(void **state)
{
    (void)state;
    struct m m;
    assert_false(match(&m, "/a/:x/b", "/a//b"));
}

static void test_http_match_extra_segments_do_not_match(void **state)
{
    (void)state;
    struct m m;
    assert_false(match(&m, "/products/:id", "/products/abc/images"));
    assert_false(match(&m, "/products/:id/images", "/products/abc"));
}

static void test_http_match_literals_are_case_sensitive(void **state)
{
    (void)state;
    struct m m;
    assert_false(match(&m, "/products/:id", "/Products/abc"));
}

static void test_http_match_prefix_is_not_a_match(void **state)
{
    (void)state;
    struct m m;
    assert_false(match(&m, "/product", "/products"));
    assert_false(match(&m, "/products", "/product"));
}

static void test_http_match_percent_encoding_stays_raw(void **state)
{
    (void)state;
    struct m m;
    assert_true(match(&m, "/products/:id", "/products/a%2Fb"));
    assert_string_equal(m.values[0], "a%2Fb");
}

static void test_http_match_root(void **state)
{
    (void)state;
    struct m m;
    assert_true(match(&m, "/", "/"));
    assert_false(match(&m, "/", "/x"));
}

static void test_http_match_too_many_params_fails(void **state)
{
    (void)state;
    struct m m;
    assert_false(match(&m, "/:a/:b/:c/:d/:e", "/1/2/3/4/5"));
}

static void test_http_match_names_outlive_later_matches(void **state)
{
    (void)state;
    struct m m;
    assert_true(match(&m, "/users/:uid/addresses/:aid", "/users/u1/addresses/a1"));
    const char *first = m.names[1];
    struct m other;
    assert_true(match(&other, "/carts/:cid", "/carts/c1"));
    assert_string_equal(first, "aid");
}

static void test_http_match_does_not_touch_the_path(void **state)
{
    (void)state;
    struct m m;
    const char path[] = "/a/1/b/2";
    assert_true(match(&m, "/a/:x/b/:y", path));
    assert_string_equal(path, "/a/1/b/2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_match_param_takes_segment),
        cmocka_unit_test(test_http_match_literal_path),
        cmocka_unit_test(test_http_match_two_params),
        cmocka_unit_test(test_http_match_param_in_the_middle),
        cmocka_unit_test(test_http_match_trailing_slash_does_not_match_param),
        cmocka_unit_test(test_http_match_trailing_slash_does_not_match_literal),
        cmocka_unit_test(test_http_match_empty_segment_never_fills_param),
        cmocka_unit_test(test_http_match_extra_segments_do_not_match),
        cmocka_unit_test(test_http_match_literals_are_case_sensitive),
        cmocka_unit_test(test_http_match_prefix_is_not_a_match),
        cmocka_unit_test(test_http_match_percent_encoding_stays_raw),
        cmocka_unit_test(test_http_match_root),
        cmocka_unit_test(test_http_match_too_many_params_fails),
        cmocka_unit_test(test_http_match_names_outlive_later_matches),
        cmocka_unit_test(test_http_match_does_not_touch_the_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
