/* test_fulfillment.c - fulfillment through the gateway without an order: delivery zones
 * (create, list, replace, delete, the 409 on a taken name, bad input), the internal
 * shipping quote (most specific zone, currency, inactive zones, an address outside every
 * zone, the service credential), couriers, roles on every route, and the courier
 * callback's signature checks. The journey with orders is in test_fulfillment_flow.c.
 *
 * Every test makes its own zones with a unique name and a unique city (or postal prefix),
 * so that zones other tests make in J_COUNTRY never decide a quote here.
 */
#include "fulfillment_support.h"

#include <time.h>

/* A unique word of letters for zone names, cities and postal prefixes. */
static void unique(char *out, size_t len, const char *prefix)
{
    c_unique_word(out, len, prefix);
}

/* Whether GET /admin/zones, followed page by page, lists the zone id. */
static bool zone_listed(const char *id)
{
    char path[128] = "/admin/zones?limit=100";
    for (int pages = 0; pages < 100; pages++) {
        t_resp_t r = j_call("GET", path, j_admin(), NULL, 200);
        const cJSON *z;
        bool found = false;
        cJSON_ArrayForEach(z, cJSON_GetObjectItemCaseSensitive(r.json, "items"))
        {
            const char *zid = c_str(z, "id");
            found = found || (zid != NULL && strcmp(zid, id) == 0);
        }
        const char *next = c_str(r.json, "next_cursor");
        if (!found && next != NULL)
            snprintf(path, sizeof path, "/admin/zones?limit=100&cursor=%s", next);
        t_resp_free(&r);
        if (found)
            return true;
        if (next == NULL)
            return false;
    }
    return false;
}

static void test_fulfillment_zone_create_list_replace_delete(void **state)
{
    (void)state;
    char name[40], city[40], body[512], id[37], path[128];
    unique(name, sizeof name, "zone");
    unique(city, sizeof city, "City");
    snprintf(body, sizeof body,
             "{\"name\":\"%s\",\"country\":\"NP\",\"cities\":[\"%s\"],\"postal_code_pattern\":"
             "\"33[0-9]{3}\",\"fee\":12500,\"currency\":\"NPR\"}",
             name, city);
    t_resp_t r = j_call("POST", "/admin/zones", j_admin(), body, 201);
    snprintf(id, sizeof id, "%s", c_str(r.json, "id"));
    assert_string_equal(c_str(r.json, "name"), name);
    assert_string_equal(c_str(r.json, "country"), "NP");
    assert_string_equal(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "cities"), 0)->valuestring,
        city);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "districts")), 0);
    assert_string_equal(c_str(r.json, "postal_code_pattern"), "33[0-9]{3}");
    assert_int_equal((long)c_num(r.json, "fee"), 12500);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "active")));
    t_resp_free(&r);

    /* The same name again: 409, and the tests that make zones rely on exactly that. */
    r = j_call("POST", "/admin/zones", j_admin(), body, 409);
    assert_string_equal(c_error_code(&r), "ZONE_EXISTS");
    t_resp_free(&r);
    assert_true(zone_listed(id));

    /* Replace: a new fee and no pattern. */
    snprintf(path, sizeof path, "/admin/zones/%s", id);
    snprintf(body, sizeof body,
             "{\"name\":\"%s\",\"country\":\"NP\",\"cities\":[\"%s\"],\"fee\":9900,"
             "\"currency\":\"NPR\",\"active\":false}",
             name, city);
    r = j_call("PUT", path, j_admin(), body, 200);
    assert_int_equal((long)c_num(r.json, "fee"), 9900);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r.json, "postal_code_pattern")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r.json, "active")));
    t_resp_free(&r);

    /* Renaming onto another zone's name is the same conflict. */
    char other[40], other_id[37];
    unique(other, sizeof other, "zone");
    snprintf(body, sizeof body,
             "{\"name\":\"%s\",\"country\":\"NP\",\"fee\":1,\"currency\":\"NPR\","
             "\"active\":false}",
             other);
    f_zone(body, other_id);
    r = j_call("PUT", path, j_admin(), body, 409);
    assert_string_equal(c_error_code(&r), "ZONE_EXISTS");
    t_resp_free(&r);

    r = j_call("DELETE", path, j_admin(), NULL, 204);
    t_resp_free(&r);
    r = j_call("DELETE", path, j_admin(), NULL, 404);
    t_resp_free(&r);
    r = j_call("PUT", path, j_admin(), body, 404);
    t_resp_free(&r);
    assert_false(zone_listed(id));
    snprintf(path, sizeof path, "/admin/zones/%s", other_id);
    r = j_call("DELETE", path, j_admin(), NULL, 204);
    t_resp_free(&r);
}

static void test_fulfillment_zone_bad_input(void **state)
{
    (void)state;
    struct {
        const char *body, *field;
    } cases[] = {
        {"{\"name\":\"x\",\"country\":\"NP\",\"postal_code_pattern\":\"44[0-9\",\"fee\":1,"
         "\"currency\":\"NPR\"}",
         "postal_code_pattern"},
        {"{\"name\":\"x\",\"country\":\"NP\",\"postal_code_pattern\":\"a)|(b\",\"fee\":1,"
         "\"currency\":\"NPR\"}",
         "postal_code_pattern"},
        {"{\"name\":\"x\",\"country\":\"Nepal\",\"fee\":1,\"currency\":\"NPR\"}", "country"},
        {"{\"name\":\"x\",\"country\":\"NP\",\"fee\":-5,\"currency\":\"NPR\"}", "fee"},
        {"{\"name\":\"x\",\"country\":\"NP\",\"fee\":\"5\",\"currency\":\"NPR\"}", "fee"},
        {"{\"name\":\"x\",\"country\":\"NP\",\"fee\":5,\"currency\":\"rupees\"}", "currency"},
        {"{\"name\":\"x\",\"country\":\"NP\",\"cities\":\"Kathmandu\",\"fee\":5,"
         "\"currency\":\"NPR\"}",
         "cities"},
        {"{\"name\":\"x\",\"country\":\"NP\",\"districts\":[7],\"fee\":5,\"currency\":\"NPR\"}",
         "districts"},
        {"{\"country\":\"NP\",\"fee\":5,\"currency\":\"NPR\"}", "name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        t_resp_t r = j_call("POST", "/admin/zones", j_admin(), cases[i].body, 400);
        if (!c_names_field(&r, cases[i].field))
            fail_msg("%s: %s not named in %s", cases[i].body, cases[i].field, r.body);
        t_resp_free(&r);
    }
    t_resp_t r = j_call("POST", "/admin/zones", j_admin(), "{not json", 400);
    t_resp_free(&r);
    r = j_call("PUT", "/admin/zones/not-a-uuid", j_admin(),
               "{\"name\":\"x\",\"country\":\"NP\",\"fee\":1,\"currency\":\"NPR\"}", 404);
    t_resp_free(&r);
    r = j_call("DELETE", "/admin/zones/6f1c1f4e-1b7e-4d5b-9d8a-2f1d3c4b5a69", j_admin(), NULL, 404);
    t_resp_free(&r);
    r = j_call("GET", "/admin/zones?limit=0", j_admin(), NULL, 400);
    assert_true(c_names_field(&r, "limit"));
    t_resp_free(&r);
}

static void test_fulfillment_quote_most_specific_zone(void **state)
{
    (void)state;
    char city[40], district[40], postal[40], name[40], body[640], id_city[37], id_district[37],
        id_postal[37];
    unique(city, sizeof city, "City");
    unique(district, sizeof district, "District");
    /* A postal prefix of letters no other test uses: "Q<unique>" then digits. */
    unique(postal, sizeof postal, "Q");
    j_zone_ensure(0);

    unique(name, sizeof name, "zone");
    snprintf(body, sizeof body,
             "{\"name\":\"%s\",\"country\":\"NP\",\"cities\":[\"%s\"],\"fee\":300,"
             "\"currency\":\"NPR\"}",
             name, city);
    f_zone(body, id_city);
    unique(name, sizeof name, "zone");
    snprintf(body, sizeof body,
             "{\"name\":\"%s\",\"country\":\"NP\",\"districts\":[\"%s\"],\"fee\":400,"
             "\"currency\":\"NPR\"}",
             name, district);
    f_zone(body, id_district);
    unique(name, sizeof name, "zone");
    snprintf(body, sizeof body,
             "{\"name\":\"%s\",\"country\":\"NP\",\"postal_code_pattern\":\"%s[0-9]{2}\","
             "\"fee\":900,\"currency\":\"NPR\"}",
             name, postal);
    f_zone(body, id_postal);

    /* City alone; then district beats city; then the postal pattern beats both. */
    snprintf(body, sizeof body,
             "{\"address\":{\"country\":\"NP\",\"city\":\"%s\",\"district\":\"Elsewhere\","
             "\"postal_code\":\"00000\"},\"currency\":\"NPR\"}",
             city);
    t_resp_t r = f_quote(body, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(c_str(r.json, "zone_id"), id_city);
    assert_int_equal((long)c_num(r.json, "fee"), 300);
    assert_string_equal(c_str(r.json, "currency"), "NPR");
    assert_non_null(c_str(r.json, "zone_name"));
    t_resp_free(&r);

    snprintf(body, sizeof body,
             "{\"address\":{\"country\":\"NP\",\"city\":\"%s\",\"district\":\"%s\","
             "\"postal_code\":\"00000\"},\"currency\":\"NPR\"}",
             city, district);
    r = f_quote(body, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(c_str(r.json, "zone_id"), id_district);
    t_resp_free(&r);

    snprintf(body, sizeof body,
             "{\"address\":{\"country\":\"NP\",\"city\":\"%s\",\"district\":\"%s\","
             "\"postal_code\":\"%s42\"},\"currency\":\"NPR\"}",
             city, district, postal);
    r = f_quote(body, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(c_str(r.json, "zone_id"), id_postal);
    assert_int_equal((long)c_num(r.json, "fee"), 900);
    t_resp_free(&r);

    /* In another currency no zone serves it. */
    snprintf(body, sizeof body,
             "{\"address\":{\"country\":\"NP\",\"city\":\"%s\"},\"currency\":\"USD\"}", city);
    r = f_quote(body, NULL);
    assert_int_equal(r.status, 422);
    assert_string_equal(c_error_code(&r), "ADDRESS_NOT_SERVICEABLE");
    t_resp_free(&r);

    /* A deactivated zone no longer quotes: the city falls back to the whole country. */
    char path[128];
    snprintf(path, sizeof path, "/admin/zones/%s", id_city);
    unique(name, sizeof name, "zone");
    snprintf(body, sizeof body,
             "{\"name\":\"%s\",\"country\":\"NP\",\"cities\":[\"%s\"],\"fee\":300,"
             "\"currency\":\"NPR\",\"active\":false}",
             name, city);
    r = j_call("PUT", path, j_admin(), body, 200);
    t_resp_free(&r);
    snprintf(body, sizeof body,
             "{\"address\":{\"country\":\"NP\",\"city\":\"%s\",\"district\":\"\","
             "\"postal_code\":\"\"},\"currency\":\"NPR\"}",
             city);
    r = f_quote(body, NULL);
    assert_int_equal(r.status, 200);
    assert_string_not_equal(c_str(r.json, "zone_id"), id_city);
    t_resp_free(&r);
}

static void test_fulfillment_quote_outside_every_zone_and_bad_calls(void **state)
{
    (void)state;
    const char *outside =
        "{\"address\":{\"country\":\"" J_UNSERVED_COUNTRY "\",\"city\":\"Reykjavik\","
        "\"district\":\"\",\"postal_code\":\"101\"},\"currency\":\"NPR\"}";
    t_resp_t r = f_quote(outside, NULL);
    assert_int_equal(r.status, 422);
    assert_string_equal(c_error_code(&r), "ADDRESS_NOT_SERVICEABLE");
    t_resp_free(&r);

    /* The service credential is required: none, or a wrong one, is 401. */
    r = f_quote(outside, "");
    assert_int_equal(r.status, 401);
    t_resp_free(&r);
    r = f_quote(outside, "not-the-token");
    assert_int_equal(r.status, 401);
    t_resp_free(&r);

    const char *bad[] = {
        "{\"currency\":\"NPR\"}",
        "{\"address\":{\"city\":\"Kathmandu\"},\"currency\":\"NPR\"}",
        "{\"address\":{\"country\":\"NP\"},\"currency\":\"nope\"}",
        "{\"address\":\"NP\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = f_quote(bad[i], NULL);
        if (r.status != 400)
            fail_msg("%s: %ld %s", bad[i], r.status, r.body);
        t_resp_free(&r);
    }
    /* The internal route is never published by the gateway. */
    r = j_call("POST", "/internal/shipping/quote", j_admin(), outside, 0);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);
}

static void test_fulfillment_couriers(void **state)
{
    (void)state;
    char name[40], body[512], zone_name[40], zone_id[37];
    unique(zone_name, sizeof zone_name, "zone");
    snprintf(body, sizeof body,
             "{\"name\":\"%s\",\"country\":\"NP\",\"fee\":1,\"currency\":\"NPR\","
             "\"active\":false}",
             zone_name);
    f_zone(body, zone_id);

    unique(name, sizeof name, "Swift");
    snprintf(body, sizeof body,
             "{\"name\":\"%s\",\"phone\":\"+977 1 4000000\",\"zones\":[\"%s\"],\"capacity\":3,"
             "\"tracking_prefix\":\"SWF\"}",
             name, zone_id);
    t_resp_t r = j_call("POST", "/admin/couriers", j_admin(), body, 201);
    char id[37];
    snprintf(id, sizeof id, "%s", c_str(r.json, "id"));
    assert_string_equal(c_str(r.json, "name"), name);
    assert_string_equal(c_str(r.json, "tracking_prefix"), "SWF");
    assert_int_equal((long)c_num(r.json, "capacity"), 3);
    assert_int_equal((long)c_num(r.json, "open_shipments"), 0);
    assert_string_equal(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "zones"), 0)->valuestring,
        zone_id);
    t_resp_free(&r);

    /* Without a prefix one is made from the name; without zones it serves every zone. */
    r = j_call("POST", "/admin/couriers", j_admin(),
               "{\"name\":\"pathao express\",\"phone\":\"+977 1 4000001\",\"capacity\":10}", 201);
    assert_string_equal(c_str(r.json, "tracking_prefix"), "PAT");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r.json, "zones")));
    t_resp_free(&r);

    /* Listed, page by page. */
    bool found = false;
    char path[128] = "/admin/couriers?limit=100";
    while (!found) {
        r = j_call("GET", path, j_admin(), NULL, 200);
        const cJSON *c;
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(r.json, "items")) found =
            found || strcmp(c_str(c, "id"), id) == 0;
        const char *next = c_str(r.json, "next_cursor");
        bool more = next != NULL;
        if (more)
            snprintf(path, sizeof path, "/admin/couriers?limit=100&cursor=%s", next);
        t_resp_free(&r);
        if (!more)
            break;
    }
    assert_true(found);

    struct {
        const char *body, *field;
    } cases[] = {
        {"{\"name\":\"x\",\"phone\":\"+977 1\",\"capacity\":0}", "capacity"},
        {"{\"name\":\"x\",\"phone\":\"+977 1\",\"capacity\":1,\"zones\":[]}", "zones"},
        {"{\"name\":\"x\",\"phone\":\"+977 1\",\"capacity\":1,"
         "\"zones\":[\"6f1c1f4e-1b7e-4d5b-9d8a-2f1d3c4b5a69\"]}",
         "zones"},
        {"{\"name\":\"x\",\"phone\":\"+977 1\",\"capacity\":1,\"zones\":[\"nope\"]}", "zones"},
        {"{\"name\":\"x\",\"phone\":\"+977 1\",\"capacity\":1,\"tracking_prefix\":\"a-b\"}",
         "tracking_prefix"},
        {"{\"phone\":\"+977 1\",\"capacity\":1}", "name"},
        {"{\"name\":\"x\",\"capacity\":1}", "phone"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        r = j_call("POST", "/admin/couriers", j_admin(), cases[i].body, 400);
        if (!c_names_field(&r, cases[i].field))
            fail_msg("%s: %s not named in %s", cases[i].body, cases[i].field, r.body);
        t_resp_free(&r);
    }
}

static void test_fulfillment_roles(void **state)
{
    (void)state;
    j_user_t customer = j_user("customer"), seller = j_user("seller");
    const char *zone = "{\"name\":\"never\",\"country\":\"NP\",\"fee\":1,\"currency\":\"NPR\"}";
    const char *some = "6f1c1f4e-1b7e-4d5b-9d8a-2f1d3c4b5a69";
    char path[160];
    struct {
        const char *method, *path, *body;
    } admin_only[] = {
        {"POST", "/admin/zones", zone},
        {"GET", "/admin/zones", NULL},
        {"PUT", "/admin/zones/6f1c1f4e-1b7e-4d5b-9d8a-2f1d3c4b5a69", zone},
        {"DELETE", "/admin/zones/6f1c1f4e-1b7e-4d5b-9d8a-2f1d3c4b5a69", NULL},
        {"POST", "/admin/couriers", "{\"name\":\"x\",\"phone\":\"123\",\"capacity\":1}"},
        {"GET", "/admin/couriers", NULL},
        {"GET", "/admin/shipments", NULL},
        {"PUT", "/admin/shipments/6f1c1f4e-1b7e-4d5b-9d8a-2f1d3c4b5a69/courier",
         "{\"courier_id\":\"6f1c1f4e-1b7e-4d5b-9d8a-2f1d3c4b5a69\"}"},
        {"PATCH", "/admin/shipments/6f1c1f4e-1b7e-4d5b-9d8a-2f1d3c4b5a69/status",
         "{\"status\":\"PACKING\"}"},
    };
    for (size_t i = 0; i < sizeof admin_only / sizeof admin_only[0]; i++) {
        t_resp_t r = j_call(admin_only[i].method, admin_only[i].path, customer.token,
                            admin_only[i].body, 403);
        t_resp_free(&r);
        r = j_call(admin_only[i].method, admin_only[i].path, seller.token, admin_only[i].body, 403);
        t_resp_free(&r);
        r = j_call(admin_only[i].method, admin_only[i].path, NULL, admin_only[i].body, 401);
        t_resp_free(&r);
    }
    /* Seller routes: not for customers or strangers. */
    t_resp_t r = j_call("GET", "/seller/shipments", customer.token, NULL, 403);
    t_resp_free(&r);
    r = j_call("GET", "/seller/shipments", NULL, NULL, 401);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/seller/shipments/%s/status", some);
    r = j_call("PATCH", path, customer.token, "{\"status\":\"PACKING\"}", 403);
    t_resp_free(&r);
    /* A seller with no shipments sees an empty list; an unknown shipment is 404. */
    r = j_call("GET", "/seller/shipments", seller.token, NULL, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 0);
    t_resp_free(&r);
    r = j_call("PATCH", path, seller.token, "{\"status\":\"PACKING\"}", 404);
    t_resp_free(&r);
    r = j_call("PATCH", path, seller.token, "{\"status\":\"CANCELLED\"}", 400);
    assert_true(c_names_field(&r, "status"));
    t_resp_free(&r);
    r = j_call("PATCH", path, seller.token, "{\"status\":\"LOST\"}", 400);
    t_resp_free(&r);
    r = j_call("GET", "/seller/shipments?status=LOST", seller.token, NULL, 400);
    assert_true(c_names_field(&r, "status"));
    t_resp_free(&r);
    /* Tracking: a signed-in user; an order without shipments (or not theirs) is 404. */
    snprintf(path, sizeof path, "/orders/%s/tracking", some);
    r = j_call("GET", path, NULL, NULL, 401);
    t_resp_free(&r);
    r = j_call("GET", path, customer.token, NULL, 404);
    t_resp_free(&r);
    r = j_call("GET", path, j_admin(), NULL, 404);
    t_resp_free(&r);
    /* Admin on unknown shipments and couriers. */
    snprintf(path, sizeof path, "/admin/shipments/%s/courier", some);
    r = j_call("PUT", path, j_admin(), "{\"courier_id\":\"6f1c1f4e-1b7e-4d5b-9d8a-2f1d3c4b5a69\"}",
               404);
    t_resp_free(&r);
    r = j_call("PUT", path, j_admin(), "{\"courier_id\":\"nope\"}", 400);
    assert_true(c_names_field(&r, "courier_id"));
    t_resp_free(&r);
    j_user_free(&customer);
    j_user_free(&seller);
}

static void test_fulfillment_courier_callback_signature(void **state)
{
    (void)state;
    const char *body = "{\"tracking_number\":\"NONE-0000000000\",\"status\":\"SHIPPED\"}";
    long long now = (long long)time(NULL);
    /* Signed right, but no such parcel: 404. */
    t_resp_t r = f_callback(body, now, NULL);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);
    /* Signed with another secret, or too long ago: 401. */
    r = f_callback(body, now, "not-the-secret");
    assert_int_equal(r.status, 401);
    t_resp_free(&r);
    r = f_callback(body, now - 3600, NULL);
    assert_int_equal(r.status, 401);
    t_resp_free(&r);
    /* Not signed at all. */
    r = j_call("POST", "/couriers/callback", NULL, body, 401);
    t_resp_free(&r);
    /* Signed, but not a status a courier reports. */
    r = f_callback("{\"tracking_number\":\"NONE-0000000000\",\"status\":\"CANCELLED\"}", now, NULL);
    assert_int_equal(r.status, 400);
    t_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fulfillment_zone_create_list_replace_delete),
        cmocka_unit_test(test_fulfillment_zone_bad_input),
        cmocka_unit_test(test_fulfillment_quote_most_specific_zone),
        cmocka_unit_test(test_fulfillment_quote_outside_every_zone_and_bad_calls),
        cmocka_unit_test(test_fulfillment_couriers),
        cmocka_unit_test(test_fulfillment_roles),
        cmocka_unit_test(test_fulfillment_courier_callback_signature),
    };
    return cmocka_run_group_tests(tests, j_group_setup, NULL);
}
