/* search.c - GET /products parameters, words, cursor and statements (see search.h). */
#include "search.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/errors.h"
#include "common/ids.h"
#include "common/money.h"
#include "common/text.h"

static const char *const sort_names[] = {
    [SORT_RELEVANCE] = "relevance",
    [SORT_PRICE_ASC] = "price_asc",
    [SORT_PRICE_DESC] = "price_desc",
    [SORT_NEWEST] = "newest",
};

/* ---- parameters ----------------------------------------------------------------------- */

/* A whole decimal number in [min, max], digits only (no sign, no spaces). */
static bool parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (s == NULL || *s == '\0' || strlen(s) > 18)
        return false;
    int64_t v = 0;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    if (v < min || v > max)
        return false;
    *out = v;
    return true;
}

static bool is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

int search_words(const char *q, char *tsquery, size_t tsquery_len, char *words, size_t words_len)
{
    size_t tq = 0, wd = 0;
    int count = 0;
    tsquery[0] = '\0';
    words[0] = '\0';
    const unsigned char *p = (const unsigned char *)q;
    while (*p != '\0' && count < SEARCH_WORDS_MAX) {
        while (*p != '\0' && !is_word_byte(*p))
            p++;
        const unsigned char *start = p;
        while (*p != '\0' && is_word_byte(*p))
            p++;
        size_t n = (size_t)(p - start);
        if (n == 0)
            break;
        /* "' & '" + word + "':*" must fit, and the word plus a space. */
        if (tq + n + 10 >= tsquery_len || wd + n + 2 >= words_len)
            break;
        if (count > 0) {
            memcpy(tsquery + tq, " & ", 3);
            tq += 3;
            words[wd++] = ' ';
        }
        /* Quoted, so that the text search parser takes the word as one lexeme; a word
         * holds no quote or backslash, so nothing needs escaping. */
        tsquery[tq++] = '\'';
        for (size_t i = 0; i < n; i++) {
            char c = (char)start[i];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            tsquery[tq++] = c;
            words[wd++] = c;
        }
        /* A prefix of one or two letters would match nearly everything. */
        memcpy(tsquery + tq, n >= 3 ? "':*" : "'", n >= 3 ? 3 : 1);
        tq += n >= 3 ? 3 : 1;
        count++;
    }
    tsquery[tq] = '\0';
    words[wd] = '\0';
    return count;
}

bool search_parse(const search_params_t *in, json_check_t *chk, search_query_t *out)
{
    memset(out, 0, sizeof *out);
    out->in_stock = -1;
    out->limit = SEARCH_LIMIT_DEFAULT;

    if (in->q != NULL) {
        size_t n = strlen(in->q);
        if (n > SEARCH_Q_MAX)
            json_check_fail(chk, "q", "must be at most 200 bytes");
        else if (!utf8_valid((const unsigned char *)in->q, n))
            json_check_fail(chk, "q", "must be valid UTF-8");
        else
            out->has_q = search_words(in->q, out->tsquery, sizeof out->tsquery, out->words,
                                      sizeof out->words) > 0;
    }
    if (in->category != NULL && *in->category != '\0') {
        if (!category_slug_valid(in->category))
            json_check_fail(chk, "category", "must be a category slug");
        else
            snprintf(out->category, sizeof out->category, "%s", in->category);
    }
    if (in->min_price != NULL) {
        out->has_min = parse_int(in->min_price, 0, MONEY_MAX_MINOR, &out->min_price);
        if (!out->has_min)
            json_check_fail(chk, "min_price", "must be a whole number of minor units, >= 0");
    }
    if (in->max_price != NULL) {
        out->has_max = parse_int(in->max_price, 0, MONEY_MAX_MINOR, &out->max_price);
        if (!out->has_max)
            json_check_fail(chk, "max_price", "must be a whole number of minor units, >= 0");
    }
    if (out->has_min && out->has_max && out->min_price > out->max_price)
        json_check_fail(chk, "max_price", "must not be below min_price");
    if (in->seller != NULL) {
        if (!id_is_uuid(in->seller))
            json_check_fail(chk, "seller", "must be a seller id (UUID)");
        else
            for (int i = 0; i < 37; i++)
                out->seller[i] =
                    (char)(in->seller[i] >= 'A' && in->seller[i] <= 'F' ? in->seller[i] - 'A' + 'a'
                                                                        : in->seller[i]);
    }
    if (in->currency != NULL) {
        if (!money_currency_valid(in->currency))
            json_check_fail(chk, "currency", "must be an ISO 4217 currency code");
        else
            snprintf(out->currency, sizeof out->currency, "%s", in->currency);
    }
    if (in->in_stock != NULL) {
        if (strcmp(in->in_stock, "true") == 0)
            out->in_stock = 1;
        else if (strcmp(in->in_stock, "false") == 0)
            out->in_stock = 0;
        else
            json_check_fail(chk, "in_stock", "must be true or false");
    }
    out->sort = out->has_q ? SORT_RELEVANCE : SORT_NEWEST;
    if (in->sort != NULL) {
        bool found = false;
        for (size_t i = 0; i < sizeof sort_names / sizeof sort_names[0] && !found; i++)
            if (strcmp(in->sort, sort_names[i]) == 0) {
                out->sort = (search_sort_t)i;
                found = true;
            }
        if (!found)
            json_check_fail(chk, "sort", "must be relevance, price_asc, price_desc or newest");
    }
    /* Relevance needs words to rank by. */
    if (out->sort == SORT_RELEVANCE && !out->has_q)
        out->sort = SORT_NEWEST;
    if (in->limit != NULL) {
        int64_t limit;
        if (!parse_int(in->limit, 1, SEARCH_LIMIT_MAX, &limit))
            json_check_fail(chk, "limit", "must be a whole number from 1 to 100");
        else
            out->limit = (int)limit;
    }
    if (in->cursor != NULL && json_check_ok(chk)) {
        out->has_cursor =
            search_cursor_decode(in->cursor, out->sort, out->cursor_key, out->cursor_id);
        if (!out->has_cursor)
            json_check_fail(chk, "cursor", "is not a cursor of this listing");
    }
    return json_check_ok(chk);
}

/* ---- cursor --------------------------------------------------------------------------- */

void search_cursor_encode(search_sort_t sort, const char *key, const char *id,
                          char out[SEARCH_CURSOR_MAX + 1])
{
    char plain[160];
    int n = snprintf(plain, sizeof plain, "1|%d|%s|%s", (int)sort, key, id);
    if (n < 0 || (size_t)n >= sizeof plain ||
        sodium_base64_ENCODED_LEN((size_t)n, sodium_base64_VARIANT_URLSAFE_NO_PADDING) >
            SEARCH_CURSOR_MAX + 1) {
        out[0] = '\0';
        return;
    }
    sodium_bin2base64(out, SEARCH_CURSOR_MAX + 1, (const unsigned char *)plain, (size_t)n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* "2026-11-25T07:56:49.003412Z": what the newest sort's key looks like. */
static bool time_key_ok(const char *k)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";
    if (strlen(k) != sizeof shape - 1)
        return false;
    for (size_t i = 0; shape[i] != '\0'; i++)
        if (shape[i] == 'd' ? !(k[i] >= '0' && k[i] <= '9') : k[i] != shape[i])
            return false;
    return true;
}

static bool float_key_ok(const char *k)
{
    if (*k == '\0' || strlen(k) > 40 || strspn(k, "0123456789.eE+-") != strlen(k))
        return false;
    char *end;
    errno = 0;
    double v = strtod(k, &end);
    return *end == '\0' && errno == 0 && isfinite(v);
}

bool search_cursor_decode(const char *cursor, search_sort_t sort, char key[64], char id[37])
{
    unsigned char plain[200];
    size_t n = 0;
    if (cursor == NULL || strlen(cursor) > SEARCH_CURSOR_MAX ||
        sodium_base642bin(plain, sizeof plain - 1, cursor, strlen(cursor), NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return false;
    plain[n] = '\0';
    if (memchr(plain, '\0', n) != NULL)
        return false;
    char *s = (char *)plain;
    char *version = strsep(&s, "|"), *sort_s = strsep(&s, "|"), *k = strsep(&s, "|"), *i = s;
    if (version == NULL || strcmp(version, "1") != 0 || sort_s == NULL || k == NULL || i == NULL ||
        strlen(sort_s) != 1 || sort_s[0] != '0' + (int)sort || strlen(k) >= 64 || !id_is_uuid(i))
        return false;
    int64_t price;
    bool ok = sort == SORT_RELEVANCE ? float_key_ok(k)
              : sort == SORT_NEWEST || sort == SORT_SUBMITTED
                  ? time_key_ok(k)
                  : parse_int(k, 0, MONEY_MAX_MINOR, &price);
    if (!ok)
        return false;
    snprintf(key, 64, "%s", k);
    snprintf(id, 37, "%s", i);
    return true;
}

bool search_page_parse(const char *limit, const char *cursor, search_sort_t sort, json_check_t *chk,
                       int *limit_out, bool *has_cursor, char key[64], char id[37])
{
    *limit_out = SEARCH_LIMIT_DEFAULT;
    *has_cursor = false;
    if (limit != NULL) {
        int64_t v;
        if (!parse_int(limit, 1, SEARCH_LIMIT_MAX, &v))
            json_check_fail(chk, "limit", "must be a whole number from 1 to 100");
        else
            *limit_out = (int)v;
    }
    if (cursor != NULL) {
        *has_cursor = search_cursor_decode(cursor, sort, key, id);
        if (!*has_cursor)
            json_check_fail(chk, "cursor", "is not a cursor of this listing");
    }
    return json_check_ok(chk);
}

/* ---- statements ----------------------------------------------------------------------- */

typedef struct builder {
    search_sql_t *out;
    size_t len;
    int numbers;
    bool overflow;
} builder_t;

static void add(builder_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(builder_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = sizeof b->out->text - b->len;
    int n = vsnprintf(b->out->text + b->len, room, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= room)
        b->overflow = true;
    else
        b->len += (size_t)n;
}

/* Adds a parameter and returns its number ($n). */
static int param(builder_t *b, const char *value)
{
    if (b->out->nparams >= SEARCH_PARAMS_MAX) {
        b->overflow = true;
        return 1;
    }
    b->out->params[b->out->nparams++] = value;
    return b->out->nparams;
}

static int param_int(builder_t *b, int64_t v)
{
    if (b->numbers >= 4) {
        b->overflow = true;
        return 1;
    }
    char *slot = b->out->storage[b->numbers++];
    snprintf(slot, sizeof b->out->storage[0], "%lld", (long long)v);
    return param(b, slot);
}

static void builder_init(builder_t *b, search_sql_t *out)
{
    memset(out, 0, sizeof *out);
    b->out = out;
    b->len = 0;
    b->numbers = 0;
    b->overflow = false;
}

/* The rank of a row; $tq and $w are the tsquery text and the words. */
static void add_rank(builder_t *b, int tq, int w)
{
    add(b, "(ts_rank(p.search, to_tsquery('simple', $%d)) + word_similarity($%d, p.title))::float8",
        tq, w);
}

/* Every filter; the category and the cursor only when asked. Only public products. */
/* The products searched, as alias p. With words, the matches come first, from the
 * indexes: either the GIN full-text index answers, or the trigram index on title through
 * the word-similarity operator (threshold pg_trgm.word_similarity_threshold). The
 * subquery is a fence (OFFSET 0 keeps the planner from merging it): left to itself,
 * PostgreSQL may walk a large category instead and test every title by trigram
 * similarity, which is costly per row and badly estimated, so a search costs in
 * proportion to its matches rather than to the size of a category. */
static void add_from(builder_t *b, const search_query_t *q, int tq, int w)
{
    if (q->has_q)
        add(b,
            " FROM (SELECT * FROM products WHERE status = 'APPROVED' AND"
            " (search @@ to_tsquery('simple', $%d) OR $%d <%% title) OFFSET 0) p",
            tq, w);
    else
        add(b, " FROM products p");
}

static void add_where(builder_t *b, const search_query_t *q, bool category, bool cursor, int tq,
                      int w)
{
    /* Only approved products are public; with words, the subquery of add_from says so. */
    add(b, q->has_q ? " WHERE true" : " WHERE p.status = 'APPROVED'");
    if (category && q->category[0] != '\0')
        /* The category and everything below it: paths are slugs joined by '/', and a slug
         * holds no LIKE wildcard. */
        add(b,
            " AND p.category_slug IN (SELECT d.slug FROM categories c JOIN categories d"
            " ON d.path = c.path OR d.path LIKE c.path || '/%%' WHERE c.slug = $%d)",
            param(b, q->category));
    if (q->has_min)
        add(b, " AND p.price >= $%d::bigint", param_int(b, q->min_price));
    if (q->has_max)
        add(b, " AND p.price <= $%d::bigint", param_int(b, q->max_price));
    if (q->seller[0] != '\0')
        add(b, " AND p.seller_id = $%d::uuid", param(b, q->seller));
    if (q->currency[0] != '\0')
        add(b, " AND p.currency = $%d", param(b, q->currency));
    if (q->in_stock == 1)
        add(b, " AND p.in_stock");
    else if (q->in_stock == 0)
        add(b, " AND NOT p.in_stock");
    if (!cursor || !q->has_cursor)
        return;
    int k = param(b, q->cursor_key), id = param(b, q->cursor_id);
    switch (q->sort) {
    case SORT_RELEVANCE:
        add(b, " AND (");
        add_rank(b, tq, w);
        add(b, " < $%d::float8 OR (", k);
        add_rank(b, tq, w);
        add(b, " = $%d::float8 AND p.id > $%d::uuid))", k, id);
        break;
    case SORT_PRICE_ASC:
        add(b, " AND (p.price, p.id) > ($%d::bigint, $%d::uuid)", k, id);
        break;
    case SORT_PRICE_DESC:
        add(b, " AND (p.price, p.id) < ($%d::bigint, $%d::uuid)", k, id);
        break;
    case SORT_NEWEST:
    case SORT_SUBMITTED: /* not a search order: search_parse never sets it */
        add(b, " AND (p.created_at, p.id) < ($%d::timestamptz, $%d::uuid)", k, id);
        break;
    }
}

/* ---- the statement of a search with words ---------------------------------------------- */

/* The parameter numbers of a search with words, each value passed once and referred to
 * wherever the statement needs it. 0 = absent. */
typedef struct numbers {
    int tq, w, category, min, max, seller, currency, key, id, limit;
} numbers_t;

/* The filters that apply to the page and to the facets alike, over alias a. */
static void add_filters(builder_t *b, const search_query_t *q, const numbers_t *n, const char *a)
{
    if (n->min)
        add(b, " AND %s.price >= $%d::bigint", a, n->min);
    if (n->max)
        add(b, " AND %s.price <= $%d::bigint", a, n->max);
    if (n->seller)
        add(b, " AND %s.seller_id = $%d::uuid", a, n->seller);
    if (n->currency)
        add(b, " AND %s.currency = $%d", a, n->currency);
    if (q->in_stock == 1)
        add(b, " AND %s.in_stock", a);
    else if (q->in_stock == 0)
        add(b, " AND NOT %s.in_stock", a);
}

/* The matches are read once, narrow (id, category, sort key k), into the materialized CTEs
 * f and t, and both the page and the facets come from it: one pass over the matches' heap rows
 * instead of one per statement, one statement instead of two. f holds the full-text
 * matches (GIN index on the tsvector; the prefix tsquery uses it). t adds the typo matches
 * (trigram GIN index on title, word-similarity operator <% whose commuted form %> the
 * gin_trgm_ops opclass serves) only when the full-text matches are fewer than
 * SEARCH_TYPO_FALLBACK: the count is a one-time filter, so a word that the full text
 * finds often enough never pays for the trigram index and the per-row similarity recheck.
 * Relevance (ts_rank + word similarity) is only computed for sort=relevance. The CTEs are
 * fences of their own: the planner cannot walk a whole category testing every title. The
 * page's full rows are read by primary key for at most limit+1 ids. */
#define MATCHES "(SELECT * FROM f UNION ALL SELECT * FROM t) m"

static int words_page_sql(const search_query_t *q, const char *columns, search_sql_t *out)
{
    builder_t b;
    builder_init(&b, out);
    numbers_t n = {0};
    n.tq = param(&b, q->tsquery);
    n.w = param(&b, q->words);
    if (q->category[0] != '\0')
        n.category = param(&b, q->category);
    if (q->has_min)
        n.min = param_int(&b, q->min_price);
    if (q->has_max)
        n.max = param_int(&b, q->max_price);
    if (q->seller[0] != '\0')
        n.seller = param(&b, q->seller);
    if (q->currency[0] != '\0')
        n.currency = param(&b, q->currency);
    if (q->has_cursor) {
        n.key = param(&b, q->cursor_key);
        n.id = param(&b, q->cursor_id);
    }
    n.limit = param_int(&b, (int64_t)q->limit + 1);
    bool facets = !q->has_cursor;
    const char *dir = q->sort == SORT_PRICE_ASC ? "ASC" : "DESC";
    const char *id_dir = q->sort == SORT_PRICE_ASC || q->sort == SORT_RELEVANCE ? "ASC" : "DESC";

    for (int branch = 0; branch < 2; branch++) {
        add(&b, branch == 0 ? "WITH f AS MATERIALIZED (" : ", t AS MATERIALIZED (");
        add(&b, "SELECT p.id, p.category_slug, ");
        if (q->sort == SORT_RELEVANCE)
            add_rank(&b, n.tq, n.w);
        else
            add(&b, q->sort == SORT_NEWEST ? "p.created_at" : "p.price");
        add(&b, " AS k FROM products p WHERE p.status = 'APPROVED'");
        if (branch == 0)
            add(&b, " AND p.search @@ to_tsquery('simple', $%d)", n.tq);
        else
            add(&b,
                " AND $%d <%% p.title AND NOT p.search @@ to_tsquery('simple', $%d)"
                " AND (SELECT count(*) FROM f) < %d",
                n.w, n.tq, SEARCH_TYPO_FALLBACK);
        add_filters(&b, q, &n, "p");
        add(&b, ")");
    }
    /* m, the matches, is f and t read again (not copied into a third CTE). */
    add(&b, ", pg AS (SELECT m.id, m.k FROM " MATCHES " WHERE true");
    if (n.category)
        /* The category and everything below it: paths are slugs joined by '/', and a slug
         * holds no LIKE wildcard. */
        add(&b,
            " AND m.category_slug IN (SELECT d.slug FROM categories c JOIN categories d"
            " ON d.path = c.path OR d.path LIKE c.path || '/%%' WHERE c.slug = $%d)",
            n.category);
    if (q->has_cursor) {
        const char *type = q->sort == SORT_RELEVANCE ? "float8"
                           : q->sort == SORT_NEWEST  ? "timestamptz"
                                                     : "bigint";
        if (q->sort == SORT_RELEVANCE)
            add(&b, " AND (m.k < $%d::float8 OR (m.k = $%d::float8 AND m.id > $%d::uuid))", n.key,
                n.key, n.id);
        else
            add(&b, " AND (m.k, m.id) %s ($%d::%s, $%d::uuid)",
                q->sort == SORT_PRICE_ASC ? ">" : "<", n.key, type, n.id);
    }
    add(&b, " ORDER BY m.k %s, m.id %s LIMIT $%d)", dir, id_dir, n.limit);
    if (facets)
        /* Per product category, without the category filter and the cursor; the JSON
         * array is one value, so an empty page still carries them. */
        add(&b,
            ", fc AS (SELECT coalesce(json_agg(json_build_object('slug', x.category_slug,"
            " 'name', c.name, 'count', x.n) ORDER BY x.n DESC, x.category_slug), '[]') AS facets"
            " FROM (SELECT m.category_slug, count(*) AS n FROM " MATCHES " GROUP BY m.category_slug"
            " ORDER BY n DESC, m.category_slug LIMIT 100) x"
            " JOIN categories c ON c.slug = x.category_slug)");
    add(&b, " SELECT %s, ", columns);
    if (q->sort == SORT_NEWEST)
        add(&b, "to_char(pg.k AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
    else
        add(&b, "pg.k::text");
    if (facets)
        add(&b, ", fc.facets FROM fc LEFT JOIN (pg JOIN products p ON p.id = pg.id) ON true");
    else
        add(&b, " FROM pg JOIN products p ON p.id = pg.id");
    add(&b, " ORDER BY pg.k %s, pg.id %s", dir, id_dir);
    out->facets = facets;
    return b.overflow ? ERR_INTERNAL : 0;
}

int search_page_sql(const search_query_t *q, const char *columns, search_sql_t *out)
{
    if (q->has_q)
        return words_page_sql(q, columns, out);
    builder_t b;
    builder_init(&b, out);
    int tq = 0, w = 0;
    if (q->has_q) {
        tq = param(&b, q->tsquery);
        w = param(&b, q->words);
    }
    add(&b, "SELECT %s, ", columns);
    switch (q->sort) {
    case SORT_RELEVANCE:
        add_rank(&b, tq, w);
        add(&b, "::text");
        break;
    case SORT_PRICE_ASC:
    case SORT_PRICE_DESC:
        add(&b, "p.price::text");
        break;
    case SORT_NEWEST:
    case SORT_SUBMITTED:
        add(&b, "to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
        break;
    }
    add_from(&b, q, tq, w);
    add_where(&b, q, true, true, tq, w);
    switch (q->sort) {
    case SORT_RELEVANCE:
        add(&b, " ORDER BY ");
        add_rank(&b, tq, w);
        add(&b, " DESC, p.id ASC");
        break;
    case SORT_PRICE_ASC:
        add(&b, " ORDER BY p.price ASC, p.id ASC");
        break;
    case SORT_PRICE_DESC:
        add(&b, " ORDER BY p.price DESC, p.id DESC");
        break;
    case SORT_NEWEST:
    case SORT_SUBMITTED:
        add(&b, " ORDER BY p.created_at DESC, p.id DESC");
        break;
    }
    add(&b, " LIMIT $%d", param_int(&b, (int64_t)q->limit + 1));
    return b.overflow ? ERR_INTERNAL : 0;
}

int search_facets_sql(const search_query_t *q, search_sql_t *out)
{
    builder_t b;
    builder_init(&b, out);
    int tq = 0, w = 0;
    if (q->has_q) {
        tq = param(&b, q->tsquery);
        w = param(&b, q->words);
    }
    add(&b, "SELECT p.category_slug, c.name, count(*)");
    add_from(&b, q, tq, w);
    add(&b, " JOIN categories c ON c.slug = p.category_slug");
    add_where(&b, q, false, false, tq, w);
    add(&b, " GROUP BY p.category_slug, c.name ORDER BY count(*) DESC, p.category_slug LIMIT 100");
    return b.overflow ? ERR_INTERNAL : 0;
}
