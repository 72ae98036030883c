/* search.h - GET /products: its query parameters, the text search terms, the opaque
 * cursor, and the SQL statements that answer it. Pure.
 *
 * The statements are assembled here from fixed fragments, one per filter present; every
 * value a client sent travels as a numbered parameter, never as SQL text. The search
 * words are cut out of q in C (runs of letters and digits, anything else is a
 * separator), so the tsquery text handed to to_tsquery() can only hold quoted words
 * joined by '&': quotes, backslashes, '%', '_' and SQL keywords in q are separators or
 * plain words, never syntax.
 *
 * Matching: every word in the full-text vector (title weight A, description B), as a
 * prefix when it has three letters or more, OR the whole phrase close enough to a part of
 * the title by trigrams (pg_trgm's word similarity, which forgives a typo). Relevance =
 * ts_rank + word similarity.
 */
#ifndef CATALOG_SEARCH_H
#define CATALOG_SEARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "common/json.h"
#include "product.h"

#define SEARCH_Q_MAX         200 /* bytes of q */
#define SEARCH_WORDS_MAX     8   /* words of q used; the rest is ignored */
#define SEARCH_LIMIT_MAX     100
#define SEARCH_LIMIT_DEFAULT 20
#define SEARCH_CURSOR_MAX    256 /* characters of an encoded cursor */
#define SEARCH_SQL_MAX       4096
#define SEARCH_PARAMS_MAX    12
/* With words, the typo (trigram) matches join the full-text ones only when those are
 * fewer than this, after every filter but the category: a word found often enough is
 * taken as spelt right. */
#define SEARCH_TYPO_FALLBACK 20

typedef enum search_sort {
    SORT_RELEVANCE,
    SORT_PRICE_ASC,
    SORT_PRICE_DESC,
    SORT_NEWEST,
    SORT_SUBMITTED, /* the admins' review queue, oldest submission first (not a public sort) */
} search_sort_t;

/* The raw query parameters (decoded), NULL when absent. */
typedef struct search_params {
    const char *q, *category, *min_price, *max_price, *seller, *currency, *in_stock, *sort, *limit,
        *cursor;
} search_params_t;

typedef struct search_query {
    bool has_q;
    char tsquery[2 * SEARCH_Q_MAX + 8 * SEARCH_WORDS_MAX + 8]; /* "'red':* & 'shoe':*" */
    char words[SEARCH_Q_MAX + 1];                              /* "red shoe" */
    char category[CATEGORY_SLUG_MAX + 1];                      /* "" = any */
    bool has_min, has_max;
    int64_t min_price, max_price;
    char seller[37];  /* "" = any */
    char currency[4]; /* "" = any */
    int in_stock;     /* -1 any, 0 only out of stock, 1 only in stock */
    search_sort_t sort;
    int limit;
    bool has_cursor;
    char cursor_key[64];
    char cursor_id[37];
} search_query_t;

/* Validates the parameters into *out, recording a message per bad parameter in chk
 * (named as the parameter). sort defaults to relevance with q and newest without;
 * relevance without q means newest. Returns true when all are valid. */
bool search_parse(const search_params_t *in, json_check_t *chk, search_query_t *out);

/* Cuts q into at most SEARCH_WORDS_MAX words (runs of ASCII letters and digits, or of
 * non-ASCII UTF-8 bytes; ASCII lowered) and writes the tsquery text ("'red':* & 'xl'":
 * words of 3 bytes or more as prefixes) and the words joined by one space. Returns the
 * number of words. */
int search_words(const char *q, char *tsquery, size_t tsquery_len, char *words, size_t words_len);

/* The opaque cursor for the page after a row: base64url of "1|<sort>|<key>|<id>".
 * Writes at most SEARCH_CURSOR_MAX + 1 bytes. */
void search_cursor_encode(search_sort_t sort, const char *key, const char *id,
                          char out[SEARCH_CURSOR_MAX + 1]);

/* Decodes a cursor made for sort; false when it is malformed or made for another sort. */
bool search_cursor_decode(const char *cursor, search_sort_t sort, char key[64], char id[37]);

/* Parses limit (1-100, default 20) and cursor of a listing in sort order sort, recording
 * failures in chk under "limit" and "cursor". *has_cursor tells whether one was given. */
bool search_page_parse(const char *limit, const char *cursor, search_sort_t sort, json_check_t *chk,
                       int *limit_out, bool *has_cursor, char key[64], char id[37]);

/* A statement with its parameters (which point into the query or into storage). */
typedef struct search_sql {
    char text[SEARCH_SQL_MAX];
    const char *params[SEARCH_PARAMS_MAX];
    int nparams;
    char storage[4][32]; /* numbers formatted for parameters */
    bool facets;         /* the page's last column is the facets (JSON), see search_page_sql */
} search_sql_t;

/* The page statement: SELECT <columns>, <sort key> FROM products p WHERE ... ORDER BY ...
 * LIMIT limit+1 (the extra row tells whether there is a next page). The sort key is the
 * column after columns, as text, for search_cursor_encode. columns are the caller's
 * (store.c's) column list over alias p. With words and no cursor, out->facets is set: the
 * statement also computes the facets from the same matches and returns them, as the JSON
 * array [{slug, name, count}], in one more last column of every row; when the page is
 * empty it is then one row whose other columns are all NULL. 0, or ERR_INTERNAL if the
 * text would not fit. */
int search_page_sql(const search_query_t *q, const char *columns, search_sql_t *out);

/* The facet statement: (category slug, category name, count) over every filter except
 * the category itself and the cursor, most products first, at most 100 rows. Only needed
 * without words (with words, the page statement carries them). */
int search_facets_sql(const search_query_t *q, search_sql_t *out);

#endif
