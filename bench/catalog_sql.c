/* catalog_sql.c - prints, as a psql script, the exact statement the catalog runs for
 * GET /products with the given parameters (services/catalog/search.c builds it), so
 * bench/catalog.sh can EXPLAIN ANALYZE the real query, not a copy of it.
 *
 *   bench_catalog_sql 'q=lamp&category=home&sort=price_asc'
 *
 * The script sets the same trigram threshold as the service, prepares each statement
 * (the page, then the facets of the first page), runs it six times (PostgreSQL picks between a
 * custom and a generic plan after five executions, as it does on the service's pooled connections),
 * then EXPLAINs it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search.h"
#include "store.h"

/* The value of name in a query string of plain (unencoded) pairs, or NULL. */
static const char *arg(char *query, const char *name)
{
    static char copies[16][256];
    static int used;
    size_t n = strlen(name);
    for (char *p = query; p != NULL && *p != '\0';) {
        if (strncmp(p, name, n) == 0 && p[n] == '=') {
            char *v = copies[used++ % 16];
            snprintf(v, 256, "%.*s", (int)strcspn(p + n + 1, "&"), p + n + 1);
            return v;
        }
        p = strchr(p, '&');
        if (p != NULL)
            p++;
    }
    return NULL;
}

static void quoted(const char *s)
{
    putchar('\'');
    for (; *s != '\0'; s++) {
        if (*s == '\'')
            putchar('\'');
        putchar(*s);
    }
    putchar('\'');
}

/* Prepares a statement, runs it six times, then EXPLAINs the seventh run. */
static void explain(const char *name, const search_sql_t *sql)
{
    printf("PREPARE %s AS %s;\n", name, sql->text);
    for (int run = 0; run < 7; run++) {
        if (run == 6)
            printf("\\o\n\\echo '-- %s'\nEXPLAIN (ANALYZE, BUFFERS) ", name);
        printf("EXECUTE %s(", name);
        for (int i = 0; i < sql->nparams; i++) {
            if (i > 0)
                printf(", ");
            quoted(sql->params[i]);
        }
        printf(");\n");
    }
    printf("\\o /dev/null\n");
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s QUERY SIMILARITY (e.g. 'q=lamp&sort=price_asc' 0.40)\n",
                argv[0]);
        return 2;
    }
    char *query = argv[1];
    search_params_t in = {.q = arg(query, "q"),
                          .category = arg(query, "category"),
                          .min_price = arg(query, "min_price"),
                          .max_price = arg(query, "max_price"),
                          .seller = arg(query, "seller"),
                          .in_stock = arg(query, "in_stock"),
                          .sort = arg(query, "sort"),
                          .limit = arg(query, "limit")};
    json_check_t chk;
    json_check_init(&chk);
    search_query_t q;
    static search_sql_t sql;
    if (!search_parse(&in, &chk, &q) || search_page_sql(&q, STORE_PRODUCT_COLUMNS_SQL, &sql) != 0) {
        json_check_free(&chk);
        fprintf(stderr, "bad parameters\n");
        return 1;
    }
    json_check_free(&chk);
    printf("SET search_path = catalog;\n");
    printf("\\o /dev/null\n");
    printf("SELECT set_config('pg_trgm.word_similarity_threshold', '%s', false);\n", argv[2]);
    explain("page", &sql);
    /* The first page also carries the category facets: with words, in the page statement
     * itself; without, a second statement. */
    if (sql.facets)
        return 0;
    if (search_facets_sql(&q, &sql) != 0)
        return 1;
    explain("facets", &sql);
    return 0;
}
