/* test_zone.c - zone validation and the address matcher (services/fulfillment/zone.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "zone.h"

static const char *const ktm_city[] = {"Kathmandu"};
static const char *const lalitpur_district[] = {"Lalitpur", "Bhaktapur"};

static zone_def_t zone(const char *name, const char *country, int64_t fee)
{
    zone_def_t z = {.id = name, .name = name, .country = country, .fee = fee, .currency = "NPR"};
    return z;
}

static ship_address_t addr(const char *country, const char *city, const char *district,
                           const char *postal)
{
    ship_address_t a = {
        .country = country, .city = city, .district = district, .postal_code = postal};
    return a;
}

static void test_zone_country_matches_any_city(void **state)
{
    (void)state;
    zone_def_t z = zone("np", "NP", 100);
    ship_address_t a = addr("NP", "Pokhara", "Kaski", "33700");
    assert_true(zone_matches(&z, &a));
    a.country = "np"; /* countries compare without case */
    assert_true(zone_matches(&z, &a));
    a.country = "IN";
    assert_false(zone_matches(&z, &a));
}

static void test_zone_city_and_district_lists(void **state)
{
    (void)state;
    zone_def_t z = zone("ktm", "NP", 50);
    z.cities = ktm_city;
    z.city_count = 1;
    ship_address_t a = addr("NP", "  kathmandu ", "Kathmandu", "44600");
    assert_true(zone_matches(&z, &a));
    a.city = "Pokhara";
    assert_false(zone_matches(&z, &a));
    a.city = NULL;
    assert_false(zone_matches(&z, &a));

    zone_def_t d = zone("valley", "NP", 60);
    d.districts = lalitpur_district;
    d.district_count = 2;
    a = addr("NP", "Patan", "bhaktapur", NULL);
    assert_true(zone_matches(&d, &a));
    a.district = "Kaski";
    assert_false(zone_matches(&d, &a));
}

static void test_zone_postal_pattern_is_anchored(void **state)
{
    (void)state;
    zone_def_t z = zone("446xx", "NP", 40);
    z.postal_pattern = "446[0-9]{2}";
    ship_address_t a = addr("NP", "Kathmandu", "Kathmandu", "44600");
    assert_true(zone_matches(&z, &a));
    a.postal_code = " 44617 ";
    assert_true(zone_matches(&z, &a));
    a.postal_code = "144600"; /* would match unanchored */
    assert_false(zone_matches(&z, &a));
    a.postal_code = "4460";
    assert_false(zone_matches(&z, &a));
    a.postal_code = NULL;
    assert_false(zone_matches(&z, &a));
    a.postal_code = "";
    assert_false(zone_matches(&z, &a));
    /* Alternation stays inside the anchors. */
    z.postal_pattern = "1|2";
    a.postal_code = "12";
    assert_false(zone_matches(&z, &a));
    a.postal_code = "2";
    assert_true(zone_matches(&z, &a));
}

static void test_zone_most_specific_wins(void **state)
{
    (void)state;
    zone_def_t zones[4];
    zones[0] = zone("country", "NP", 300);
    zones[1] = zone("city", "NP", 200);
    zones[1].cities = ktm_city;
    zones[1].city_count = 1;
    zones[2] = zone("district", "NP", 250);
    zones[2].districts = lalitpur_district;
    zones[2].district_count = 2;
    zones[3] = zone("postal", "NP", 900);
    zones[3].postal_pattern = "44[0-9]{3}";

    /* Only the country matches. */
    ship_address_t a = addr("NP", "Pokhara", "Kaski", "33700");
    assert_int_equal(zone_best(zones, 4, &a, NULL), 0);
    /* City beats country, though dearer zones exist elsewhere. */
    a = addr("NP", "Kathmandu", "Kathmandu", "33700");
    assert_int_equal(zone_best(zones, 4, &a, NULL), 1);
    /* District beats city. */
    a = addr("NP", "Kathmandu", "Lalitpur", "33700");
    assert_int_equal(zone_best(zones, 4, &a, NULL), 2);
    /* A postal pattern beats everything, even at a higher fee. */
    a = addr("NP", "Kathmandu", "Lalitpur", "44700");
    assert_int_equal(zone_best(zones, 4, &a, NULL), 3);
    /* Another country: nothing. */
    a = addr("IS", "Reykjavik", "", "101");
    assert_int_equal(zone_best(zones, 4, &a, NULL), -1);
}

static void test_zone_ties_go_to_lower_fee_then_first(void **state)
{
    (void)state;
    zone_def_t zones[3] = {zone("a", "NP", 500), zone("b", "NP", 100), zone("c", "NP", 100)};
    ship_address_t a = addr("NP", "Pokhara", NULL, NULL);
    assert_int_equal(zone_best(zones, 3, &a, NULL), 1);
    assert_int_equal(zone_specificity(&zones[0]), 0);
}

static void test_zone_currency_filters(void **state)
{
    (void)state;
    zone_def_t zones[2] = {zone("npr", "NP", 100), zone("usd", "NP", 1)};
    zones[1].currency = "USD";
    ship_address_t a = addr("NP", "Pokhara", NULL, NULL);
    assert_int_equal(zone_best(zones, 2, &a, "NPR"), 0);
    assert_int_equal(zone_best(zones, 2, &a, "USD"), 1);
    assert_int_equal(zone_best(zones, 2, &a, "EUR"), -1);
    assert_int_equal(zone_best(zones, 2, &a, NULL), 1);
}

static void test_zone_specificity_order(void **state)
{
    (void)state;
    zone_def_t z = zone("z", "NP", 0);
    assert_int_equal(zone_specificity(&z), 0);
    z.city_count = 1;
    z.cities = ktm_city;
    assert_int_equal(zone_specificity(&z), 1);
    z.district_count = 1;
    z.districts = lalitpur_district;
    assert_int_equal(zone_specificity(&z), 3);
    zone_def_t p = zone("p", "NP", 0);
    p.postal_pattern = "1";
    /* A pattern alone outweighs districts and cities together. */
    assert_true(zone_specificity(&p) > zone_specificity(&z));
    p.postal_pattern = "";
    assert_int_equal(zone_specificity(&p), 0);
}

/* Parses body text as a zone; returns the code, leaving chk for inspection. */
static int parse(const char *text, json_check_t *chk, zone_input_t *z, cJSON **body)
{
    *body = cJSON_Parse(text);
    assert_non_null(*body);
    json_check_init(chk);
    return zone_input_parse(chk, *body, z);
}

static bool failed(const json_check_t *chk, const char *field)
{
    return cJSON_GetObjectItemCaseSensitive(chk->fields, field) != NULL;
}

static void test_zone_input_valid(void **state)
{
    (void)state;
    json_check_t chk;
    zone_input_t z;
    cJSON *body;
    assert_int_equal(parse("{\"name\":\"Valley\",\"country\":\"NP\",\"cities\":[\"Kathmandu\"],"
                           "\"districts\":[],\"postal_code_pattern\":\"44[0-9]{3}\",\"fee\":15000,"
                           "\"currency\":\"NPR\",\"active\":false}",
                           &chk, &z, &body),
                     0);
    assert_string_equal(z.name, "Valley");
    assert_string_equal(z.country, "NP");
    assert_non_null(z.cities);
    assert_null(z.districts); /* an empty list is no list */
    assert_string_equal(z.postal_code_pattern, "44[0-9]{3}");
    assert_int_equal(z.fee, 15000);
    assert_string_equal(z.currency, "NPR");
    assert_false(z.active);
    json_check_free(&chk);
    cJSON_Delete(body);

    assert_int_equal(parse("{\"name\":\"NP\",\"country\":\"NP\",\"fee\":0,\"currency\":\"NPR\"}",
                           &chk, &z, &body),
                     0);
    assert_true(z.active);
    assert_null(z.postal_code_pattern);
    json_check_free(&chk);
    cJSON_Delete(body);
}

static void test_zone_input_bad_fields_named(void **state)
{
    (void)state;
    json_check_t chk;
    zone_input_t z;
    cJSON *body;
    assert_int_equal(
        parse("{\"name\":\"\",\"country\":\"np\",\"cities\":[\"\"],\"districts\":\"x\","
              "\"postal_code_pattern\":\"44[0-9\",\"fee\":-1,\"currency\":\"XXX\","
              "\"active\":\"yes\"}",
              &chk, &z, &body),
        -1);
    const char *fields[] = {"name", "country",  "cities", "districts", "postal_code_pattern",
                            "fee",  "currency", "active"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (!failed(&chk, fields[i]))
            fail_msg("field %s was not named", fields[i]);
    json_check_free(&chk);
    cJSON_Delete(body);

    assert_int_equal(parse("{}", &chk, &z, &body), -1);
    assert_true(failed(&chk, "name") && failed(&chk, "country") && failed(&chk, "fee") &&
                failed(&chk, "currency"));
    json_check_free(&chk);
    cJSON_Delete(body);
}

static void test_zone_pattern_validation(void **state)
{
    (void)state;
    assert_true(zone_pattern_valid("446[0-9]{2}"));
    assert_true(zone_pattern_valid("SW1A ?[0-9][A-Z]{2}"));
    assert_false(zone_pattern_valid("(unclosed"));
    assert_false(zone_pattern_valid("[z-a]"));
    /* Groups that close outside the pattern would escape its anchors. */
    assert_false(zone_pattern_valid("a)|(b"));
    assert_true(zone_pattern_valid("[)(]x"));
    assert_true(zone_pattern_valid("\\(x\\)"));
    assert_false(zone_pattern_valid(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zone_country_matches_any_city),
        cmocka_unit_test(test_zone_city_and_district_lists),
        cmocka_unit_test(test_zone_postal_pattern_is_anchored),
        cmocka_unit_test(test_zone_most_specific_wins),
        cmocka_unit_test(test_zone_ties_go_to_lower_fee_then_first),
        cmocka_unit_test(test_zone_currency_filters),
        cmocka_unit_test(test_zone_specificity_order),
        cmocka_unit_test(test_zone_input_valid),
        cmocka_unit_test(test_zone_input_bad_fields_named),
        cmocka_unit_test(test_zone_pattern_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
