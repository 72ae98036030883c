/* test_search.c - GET /products parameters, words, cursors and statements
 * (services/catalog/search.c). The property that matters most: nothing a client sends
 * ever becomes SQL text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search.h"

static bool parse(const search_params_t *in, search_query_t *q, cJSON **details)
{
    json_check_t chk;
    json_check_init(&chk);
    bool ok = search_parse(in, &chk, q);
    *details = json_check_take_details(&chk);
    json_check_free(&chk);
    if (ok) { /* only a failure's details are looked at */
        cJSON_Delete(*details);
        *details = NULL;
    }
    return ok;
}

static bool names(const cJSON *details, const char *field)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(details, "fields"),
                                            field) != NULL;
}

static void test_search_words_are_prefix_terms(void **state)
{
    (void)state;
    char tq[512], w[256];
    assert_int_equal(search_words("Red  SHOES, size-42", tq, sizeof tq, w, sizeof w), 4);
    /* Words of three letters or more are prefixes; shorter ones must match whole. */
    assert_string_equal(tq, "'red':* & 'shoes':* & 'size':* & '42'");
    assert_string_equal(w, "red shoes size 42");
}

static void test_search_words_drop_every_special_character(void **state)
{
    (void)state;
    char tq[512], w[256];
    const char *hostile[] = {
        "'; DROP TABLE products; --", "a\\'b",       "100% _cotton_",
        "\"quoted\" (x) | !y & z:*",  "<-> <1> a:b", "$1 $$ ::text",
    };
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        int n = search_words(hostile[i], tq, sizeof tq, w, sizeof w);
        assert_true(n > 0);
        /* Only quoted words, '&', spaces and the prefix marks remain. */
        for (const char *p = tq; *p != '\0'; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("' &:*", *p)))
                fail_msg("'%c' left in tsquery %s (from %s)", *p, tq, hostile[i]);
        for (const char *p = w; *p != '\0'; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == ' '))
                fail_msg("'%c' left in words %s", *p, w);
    }
    assert_int_equal(search_words("%_\\'\"", tq, sizeof tq, w, sizeof w), 0);
    assert_string_equal(tq, "");
}

static void test_search_words_keep_utf8_and_stop_at_eight(void **state)
{
    (void)state;
    char tq[512], w[256];
    assert_int_equal(search_words("जुत्ता café", tq, sizeof tq, w, sizeof w), 2);
    assert_string_equal(w, "जुत्ता café");
    assert_int_equal(search_words("a b c d e f g h i j", tq, sizeof tq, w, sizeof w), 8);
    assert_string_equal(w, "a b c d e f g h");
}

static void test_search_defaults(void **state)
{
    (void)state;
    search_params_t in = {0};
    search_query_t q;
    cJSON *d;
    assert_true(parse(&in, &q, &d));
    assert_false(q.has_q);
    assert_int_equal(q.sort, SORT_NEWEST);
    assert_int_equal(q.limit, 20);
    assert_int_equal(q.in_stock, -1);
    in.q = "shoe";
    assert_true(parse(&in, &q, &d));
    assert_int_equal(q.sort, SORT_RELEVANCE);
    in.q = NULL;
    in.sort = "relevance";
    assert_true(parse(&in, &q, &d));
    assert_int_equal(q.sort, SORT_NEWEST); /* nothing to rank by */
}

static void test_search_bad_parameters_are_named(void **state)
{
    (void)state;
    search_query_t q;
    cJSON *d;
    struct {
        search_params_t in;
        const char *field;
    } cases[] = {
        {{.min_price = "-1"}, "min_price"},
        {{.min_price = "1.5"}, "min_price"},
        {{.max_price = "abc"}, "max_price"},
        {{.min_price = "9", .max_price = "3"}, "max_price"},
        {{.seller = "nope"}, "seller"},
        {{.in_stock = "yes"}, "in_stock"},
        {{.sort = "cheapest"}, "sort"},
        {{.limit = "0"}, "limit"},
        {{.limit = "101"}, "limit"},
        {{.category = "a b"}, "category"},
        {{.currency = "usd"}, "currency"},
        {{.cursor = "!!!"}, "cursor"},
        {{.q = "\xff\xfe"}, "q"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool ok = parse(&cases[i].in, &q, &d);
        if (ok || !names(d, cases[i].field))
            fail_msg("case %zu should name %s", i, cases[i].field);
        cJSON_Delete(d);
    }
    char long_q[300];
    memset(long_q, 'a', sizeof long_q - 1);
    long_q[sizeof long_q - 1] = '\0';
    search_params_t in = {.q = long_q};
    assert_false(parse(&in, &q, &d));
    assert_true(names(d, "q"));
    cJSON_Delete(d);
}

static void test_search_cursor_round_trip_and_tamper(void **state)
{
    (void)state;
    char cursor[SEARCH_CURSOR_MAX + 1], key[64], id[37];
    const char *pid = "0b72d66e-4c38-47b1-9092-adfc9809f822";
    search_cursor_encode(SORT_PRICE_ASC, "2500", pid, cursor);
    assert_true(strlen(cursor) > 0);
    assert_null(strpbrk(cursor, "+/=")); /* base64url, no padding */
    assert_true(search_cursor_decode(cursor, SORT_PRICE_ASC, key, id));
    assert_string_equal(key, "2500");
    assert_string_equal(id, pid);
    /* Another sort's cursor is refused. */
    assert_false(search_cursor_decode(cursor, SORT_PRICE_DESC, key, id));
    search_cursor_encode(SORT_NEWEST, "2026-11-25T07:56:49.003412Z", pid, cursor);
    assert_true(search_cursor_decode(cursor, SORT_NEWEST, key, id));
    search_cursor_encode(SORT_RELEVANCE, "0.3183098861837907", pid, cursor);
    assert_true(search_cursor_decode(cursor, SORT_RELEVANCE, key, id));
    /* Keys of the wrong shape are refused, whatever the encoding. */
    search_cursor_encode(SORT_PRICE_ASC, "1 OR 1=1", pid, cursor);
    assert_false(search_cursor_decode(cursor, SORT_PRICE_ASC, key, id));
    search_cursor_encode(SORT_NEWEST, "yesterday", pid, cursor);
    assert_false(search_cursor_decode(cursor, SORT_NEWEST, key, id));
    search_cursor_encode(SORT_RELEVANCE, "nan", pid, cursor);
    assert_false(search_cursor_decode(cursor, SORT_RELEVANCE, key, id));
    search_cursor_encode(SORT_PRICE_ASC, "1", "not-a-uuid", cursor);
    assert_false(search_cursor_decode(cursor, SORT_PRICE_ASC, key, id));
    assert_false(search_cursor_decode("", SORT_PRICE_ASC, key, id));
}

static int param_index(const search_sql_t *s, const char *value)
{
    for (int i = 0; i < s->nparams; i++)
        if (s->params[i] != NULL && strcmp(s->params[i], value) == 0)
            return i + 1;
    return 0;
}

static void test_search_sql_keeps_values_in_parameters(void **state)
{
    (void)state;
    search_params_t in = {.q = "o'brien; DROP TABLE x",
                          .category = "shoes",
                          .min_price = "100",
                          .max_price = "900",
                          .seller = "93A44F7C-4CCF-4FD3-9074-A3BBF453D0F9",
                          .currency = "NPR",
                          .in_stock = "true",
                          .sort = "price_asc",
                          .limit = "5"};
    search_query_t q;
    cJSON *d;
    assert_true(parse(&in, &q, &d));
    search_sql_t *s = malloc(sizeof *s);
    assert_int_equal(search_page_sql(&q, "p.id", s), 0);
    assert_null(strstr(s->text, "brien"));
    assert_null(strstr(s->text, "DROP"));
    assert_null(strstr(s->text, "shoes"));
    assert_null(strstr(s->text, "NPR"));
    assert_null(strstr(s->text, "93a44f7c"));
    assert_int_equal(param_index(s, "'o' & 'brien':* & 'drop':* & 'table':* & 'x'"), 1);
    assert_int_equal(param_index(s, "o brien drop table x"), 2);
    assert_true(param_index(s, "shoes") > 0);
    assert_true(param_index(s, "100") > 0);
    assert_true(param_index(s, "900") > 0);
    assert_true(param_index(s, "93a44f7c-4ccf-4fd3-9074-a3bbf453d0f9") > 0);
    assert_true(param_index(s, "6") > 0); /* limit + 1 */
    assert_non_null(strstr(s->text, "status = 'APPROVED'"));
    /* The words pick the candidates first, from the indexes, inside materialized CTEs;
     * the typo branch only when the full text finds too few. */
    assert_non_null(
        strstr(s->text, "WITH f AS MATERIALIZED (SELECT p.id, p.category_slug, p.price AS k"));
    assert_non_null(strstr(s->text, "p.search @@ to_tsquery('simple', $1)"));
    assert_non_null(strstr(s->text, "$2 <% p.title"));
    assert_non_null(strstr(s->text, "(SELECT count(*) FROM f) < 20"));
    assert_non_null(strstr(s->text, "AND p.in_stock"));
    assert_non_null(strstr(s->text, "ORDER BY m.k ASC, m.id ASC"));
    assert_non_null(strstr(s->text, "ORDER BY pg.k ASC, pg.id ASC"));
    /* The first page's facets come from the same matches, in the last column. */
    assert_true(s->facets);
    assert_non_null(strstr(s->text, "fc.facets FROM fc LEFT JOIN"));
    /* The ranking is only computed for sort=relevance. */
    assert_null(strstr(s->text, "ts_rank"));
    /* Every $n refers to a parameter that exists. */
    for (const char *p = strchr(s->text, '$'); p != NULL; p = strchr(p + 1, '$'))
        assert_true(atoi(p + 1) >= 1 && atoi(p + 1) <= s->nparams);

    /* The facets leave out the category and the cursor (the statement without words). */
    q.has_q = false;
    assert_int_equal(search_facets_sql(&q, s), 0);
    assert_int_equal(param_index(s, "shoes"), 0);
    assert_non_null(strstr(s->text, "GROUP BY p.category_slug"));
    free(s);
    cJSON_Delete(d);
}

static void test_search_sql_cursor_per_sort(void **state)
{
    (void)state;
    char cursor[SEARCH_CURSOR_MAX + 1];
    const char *pid = "0b72d66e-4c38-47b1-9092-adfc9809f822";
    search_sql_t *s = malloc(sizeof *s);
    search_query_t q;
    cJSON *d;

    search_cursor_encode(SORT_NEWEST, "2026-11-25T07:56:49.003412Z", pid, cursor);
    search_params_t in = {.cursor = cursor};
    assert_true(parse(&in, &q, &d));
    assert_int_equal(search_page_sql(&q, "p.id", s), 0);
    assert_non_null(strstr(s->text, "(p.created_at, p.id) < ($1::timestamptz, $2::uuid)"));
    assert_int_equal(param_index(s, pid), 2);

    search_cursor_encode(SORT_RELEVANCE, "0.5", pid, cursor);
    search_params_t in2 = {.q = "shoe", .cursor = cursor};
    assert_true(parse(&in2, &q, &d));
    assert_int_equal(search_page_sql(&q, "p.id", s), 0);
    assert_non_null(strstr(s->text, "m.k < $3::float8 OR"));
    assert_non_null(strstr(s->text, "m.id > $4::uuid"));
    assert_non_null(strstr(s->text, "ts_rank"));
    assert_false(s->facets); /* facets come with the first page only */

    /* A cursor of another sort is a bad cursor. */
    search_params_t in3 = {.q = "shoe", .sort = "price_desc", .cursor = cursor};
    assert_false(parse(&in3, &q, &d));
    assert_true(names(d, "cursor"));
    cJSON_Delete(d);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_words_are_prefix_terms),
        cmocka_unit_test(test_search_words_drop_every_special_character),
        cmocka_unit_test(test_search_words_keep_utf8_and_stop_at_eight),
        cmocka_unit_test(test_search_defaults),
        cmocka_unit_test(test_search_bad_parameters_are_named),
        cmocka_unit_test(test_search_cursor_round_trip_and_tamper),
        cmocka_unit_test(test_search_sql_keeps_values_in_parameters),
        cmocka_unit_test(test_search_sql_cursor_per_sort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
