/* test_fulfillment_flow.c - the delivery journey through the gateway, with the order,
 * payment and inventory services of the stack: a paid order gets one shipment per seller;
 * an admin assigns a courier (or the zone rule does, with FULFILLMENT_AUTO_ASSIGN=zone as
 * scripts/stack.sh sets it); sellers move their own shipments one step at a time to
 * DELIVERED (a skip or a step back is 409, another seller's shipment 403, leaving without
 * a courier 409); a courier's signed callback moves one too; the customer's tracking shows
 * every step with its time; the order follows to DELIVERED; cancelling the order cancels
 * its shipments; and an address outside every zone is refused at checkout with no order
 * and no reservation.
 */
#include "fulfillment_support.h"

#include <pthread.h>
#include <time.h>

/* Checks a history entry. from NULL means the creation step (from is null). */
static void check_step(const cJSON *step, const char *from, const char *to, const char *actor)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(step, "from");
    if (from == NULL)
        assert_true(cJSON_IsNull(f));
    else
        assert_string_equal(f->valuestring, from);
    assert_string_equal(c_str(step, "to"), to);
    assert_string_equal(c_str(step, "actor"), actor);
    const char *at = c_str(step, "at");
    assert_non_null(at);
    assert_int_equal(strlen(at), 24); /* 2024-01-02T03:04:05.678Z */
}

static void test_fulfillment_flow_admin_assigns_seller_delivers(void **state)
{
    (void)state;
    j_user_t seller = j_user("seller"), other_seller = j_user("seller");
    j_user_t customer = j_user("customer"), stranger = j_user("customer");
    j_product_t p = j_product(&seller, "Brass lamp", 250000, 5);
    char order_id[37];
    j_order(&customer, &p, 2, "fake", order_id);
    f_pay(&customer, order_id);

    /* One seller: one shipment, CONFIRMED, no courier yet (no courier lists the journey
     * zone, so the zone rule leaves it to the admin). */
    t_resp_t t = f_wait_tracking(customer.token, order_id, 1);
    const cJSON *s = f_shipment_of(&t, seller.id);
    char shipment_id[37];
    snprintf(shipment_id, sizeof shipment_id, "%s", c_str(s, "shipment_id"));
    assert_string_equal(c_str(s, "status"), "CONFIRMED");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(s, "courier")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(s, "tracking_number")));
    t_resp_free(&t);

    /* The seller sees it among their own; the other seller does not. */
    t_resp_t r = j_call("GET", "/seller/shipments", seller.token, NULL, 200);
    const cJSON *item = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "items"), 0);
    assert_string_equal(c_str(item, "id"), shipment_id);
    assert_string_equal(c_str(item, "next_status"), "PACKING");
    assert_int_equal(
        (long)c_num(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(item, "lines"), 0),
                    "quantity"),
        2);
    t_resp_free(&r);
    r = j_call("GET", "/seller/shipments", other_seller.token, NULL, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 0);
    t_resp_free(&r);

    /* Another seller may not move it; skipping a step is 409 with the allowed next step. */
    r = f_move(other_seller.token, "/seller", shipment_id, "PACKING", 403);
    t_resp_free(&r);
    r = f_move(seller.token, "/seller", shipment_id, "SHIPPED", 409);
    assert_string_equal(c_error_code(&r), "INVALID_TRANSITION");
    assert_string_equal(c_str(f_details(&r), "allowed_next"), "PACKING");
    assert_string_equal(c_str(f_details(&r), "status"), "CONFIRMED");
    t_resp_free(&r);
    r = f_move(seller.token, "/seller", shipment_id, "PACKING", 200);
    assert_string_equal(c_str(r.json, "status"), "PACKING");
    t_resp_free(&r);

    /* It cannot leave without a courier. */
    r = f_move(seller.token, "/seller", shipment_id, "SHIPPED", 409);
    assert_string_equal(c_error_code(&r), "COURIER_REQUIRED");
    t_resp_free(&r);

    /* The admin assigns a courier: a tracking number with the courier's prefix. */
    char courier_id[37], prefix[8], name[40], path[160], body[128];
    c_unique_word(name, sizeof name, "Manual");
    f_courier(name, NULL, 50, courier_id, prefix);
    snprintf(path, sizeof path, "/admin/shipments/%s/courier", shipment_id);
    snprintf(body, sizeof body, "{\"courier_id\":\"%s\"}", courier_id);
    r = j_call("PUT", path, j_admin(), body, 200);
    const char *tracking = c_str(r.json, "tracking_number");
    assert_non_null(tracking);
    assert_int_equal(strncmp(tracking, prefix, strlen(prefix)), 0);
    assert_string_equal(c_str(cJSON_GetObjectItemCaseSensitive(r.json, "courier"), "id"),
                        courier_id);
    t_resp_free(&r);

    /* Step by step to DELIVERED; going back or skipping is refused on the way. */
    r = f_move(seller.token, "/seller", shipment_id, "SHIPPED", 200);
    t_resp_free(&r);
    r = f_move(seller.token, "/seller", shipment_id, "PACKING", 409);
    assert_string_equal(c_str(f_details(&r), "allowed_next"), "OUT_FOR_DELIVERY");
    t_resp_free(&r);
    /* Once SHIPPED the courier is fixed. */
    r = j_call("PUT", path, j_admin(), body, 409);
    t_resp_free(&r);
    r = f_move(seller.token, "/seller", shipment_id, "OUT_FOR_DELIVERY", 200);
    t_resp_free(&r);
    r = f_move(seller.token, "/seller", shipment_id, "DELIVERED", 200);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r.json, "next_status")));
    t_resp_free(&r);
    r = f_move(seller.token, "/seller", shipment_id, "DELIVERED", 409);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(f_details(&r), "allowed_next")));
    t_resp_free(&r);

    /* The customer's tracking shows every step with its time; actors by kind only. */
    snprintf(path, sizeof path, "/orders/%s/tracking", order_id);
    t = j_call("GET", path, customer.token, NULL, 200);
    assert_string_equal(c_str(t.json, "order_id"), order_id);
    s = f_shipment_of(&t, seller.id);
    assert_string_equal(c_str(s, "status"), "DELIVERED");
    assert_string_equal(c_str(cJSON_GetObjectItemCaseSensitive(s, "courier"), "name"), name);
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(s, "history");
    assert_int_equal(cJSON_GetArraySize(h), 5);
    check_step(cJSON_GetArrayItem(h, 0), NULL, "CONFIRMED", "system");
    check_step(cJSON_GetArrayItem(h, 1), "CONFIRMED", "PACKING", "seller");
    check_step(cJSON_GetArrayItem(h, 2), "PACKING", "SHIPPED", "seller");
    check_step(cJSON_GetArrayItem(h, 3), "SHIPPED", "OUT_FOR_DELIVERY", "seller");
    check_step(cJSON_GetArrayItem(h, 4), "OUT_FOR_DELIVERY", "DELIVERED", "seller");
    for (int i = 1; i < 5; i++)
        assert_true(strcmp(c_str(cJSON_GetArrayItem(h, i - 1), "at"),
                           c_str(cJSON_GetArrayItem(h, i), "at")) <= 0);
    t_resp_free(&t);
    /* An admin sees who exactly; another customer sees nothing. */
    t = j_call("GET", path, j_admin(), NULL, 200);
    h = cJSON_GetObjectItemCaseSensitive(f_shipment_of(&t, seller.id), "history");
    char actor[64];
    snprintf(actor, sizeof actor, "seller:%s", seller.id);
    assert_string_equal(c_str(cJSON_GetArrayItem(h, 1), "actor"), actor);
    t_resp_free(&t);
    t = j_call("GET", path, stranger.token, NULL, 404);
    t_resp_free(&t);
    t = j_call("GET", path, seller.token, NULL, 404);
    t_resp_free(&t);

    /* The order followed its shipment. */
    j_wait_order(customer.token, order_id, "order_status", "DELIVERED", 20000);

    /* Events: one created, one courier, four status changes, all about the shipment. */
    j_wait_events("fulfillment.events", "ShipmentCreated", shipment_id, 1, 10000);
    j_wait_events("fulfillment.events", "CourierAssigned", shipment_id, 1, 10000);
    j_wait_events("fulfillment.events", "ShipmentStatusChanged", shipment_id, 4, 10000);

    j_user_free(&seller);
    j_user_free(&other_seller);
    j_user_free(&customer);
    j_user_free(&stranger);
}

static void test_fulfillment_flow_two_sellers_auto_assigned_by_zone(void **state)
{
    (void)state;
    j_user_t seller_a = j_user("seller"), seller_b = j_user("seller");
    j_user_t customer = j_user("customer");
    j_product_t pa = j_product(&seller_a, "Tea", 50000, 5);
    j_product_t pb = j_product(&seller_b, "Cup", 30000, 5);

    /* A zone of its own (a unique city) and a courier that lists it. */
    char city[40], zone_name[40], body[512], zone_id[37], courier_id[37], courier[40];
    c_unique_word(city, sizeof city, "Town");
    c_unique_word(zone_name, sizeof zone_name, "zone");
    snprintf(body, sizeof body,
             "{\"name\":\"%s\",\"country\":\"" J_COUNTRY "\",\"cities\":[\"%s\"],\"fee\":7500,"
             "\"currency\":\"NPR\"}",
             zone_name, city);
    f_zone(body, zone_id);
    c_unique_word(courier, sizeof courier, "Zonal");
    f_courier(courier, zone_id, 10, courier_id, NULL);

    char address[37], order_id[37];
    f_address(&customer, J_COUNTRY, city, "Kaski", "33700", address);
    j_cart_add(&customer, &pa, 1);
    j_cart_add(&customer, &pb, 2);
    f_checkout(&customer, address, order_id);
    /* The zone's fee is in the order's totals. */
    char path[160];
    snprintf(path, sizeof path, "/orders/%s", order_id);
    t_resp_t r = j_call("GET", path, customer.token, NULL, 200);
    assert_int_equal((long)c_num(r.json, "shipping_fee"), 7500);
    t_resp_free(&r);
    f_pay(&customer, order_id);

    /* Two sellers: two shipments, each given to the zone's courier automatically. */
    char ship_a[37], ship_b[37];
    f_two_shipments(&customer, order_id, &seller_a, &seller_b, ship_a, ship_b);
    j_wait_events("fulfillment.events", "CourierAssigned", ship_a, 1, 10000);
    j_wait_events("fulfillment.events", "CourierAssigned", ship_b, 1, 10000);
    snprintf(path, sizeof path, "/orders/%s/tracking", order_id);
    t_resp_t t = j_call("GET", path, customer.token, NULL, 200);
    const cJSON *sa = f_shipment_of(&t, seller_a.id);
    assert_string_equal(c_str(cJSON_GetObjectItemCaseSensitive(sa, "courier"), "id"), courier_id);
    assert_non_null(c_str(sa, "tracking_number"));
    assert_string_not_equal(c_str(sa, "tracking_number"),
                            c_str(f_shipment_of(&t, seller_b.id), "tracking_number"));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(sa, "lines")), 1);
    t_resp_free(&t);
    /* The rule is in the event. */
    char *rule = c_sql("SELECT payload::jsonb #>> '{data,rule}' FROM fulfillment.outbox "
                       "WHERE type = 'CourierAssigned' AND key = $1",
                       ship_a);
    assert_non_null(rule);
    assert_string_equal(rule, "zone");
    free(rule);

    /* Each seller moves only their own. */
    r = f_move(seller_a.token, "/seller", ship_b, "PACKING", 403);
    t_resp_free(&r);
    r = f_move(seller_a.token, "/seller", ship_a, "PACKING", 200);
    t_resp_free(&r);
    /* The order is as far as its least advanced shipment: still CONFIRMED. */
    r = j_call("GET", "/seller/shipments?status=PACKING", seller_b.token, NULL, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 0);
    t_resp_free(&r);
    r = f_move(seller_b.token, "/seller", ship_b, "PACKING", 200);
    t_resp_free(&r);
    j_wait_order(customer.token, order_id, "order_status", "PACKING", 20000);

    /* The admin may move any shipment; the admin list filters by status. */
    r = f_move(j_admin(), "/admin", ship_b, "SHIPPED", 200);
    t_resp_free(&r);
    r = j_call("GET", "/admin/shipments?status=SHIPPED&limit=100", j_admin(), NULL, 200);
    bool listed = false;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r.json, "items"))
    {
        assert_string_equal(c_str(it, "status"), "SHIPPED");
        listed = listed || strcmp(c_str(it, "id"), ship_b) == 0;
    }
    assert_true(listed);
    t_resp_free(&r);

    /* The courier's signed callback moves its parcel one step, as the courier. */
    t = j_call("GET", path, customer.token, NULL, 200);
    char tracking[40];
    snprintf(tracking, sizeof tracking, "%s",
             c_str(f_shipment_of(&t, seller_b.id), "tracking_number"));
    t_resp_free(&t);
    snprintf(body, sizeof body, "{\"tracking_number\":\"%s\",\"status\":\"OUT_FOR_DELIVERY\"}",
             tracking);
    r = f_callback(body, (long long)time(NULL), NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(c_str(r.json, "status"), "OUT_FOR_DELIVERY");
    t_resp_free(&r);
    /* Delivered twice (a retried callback): the same answer, nothing moves again. */
    r = f_callback(body, (long long)time(NULL), NULL);
    assert_int_equal(r.status, 200);
    t_resp_free(&r);
    snprintf(body, sizeof body, "{\"tracking_number\":\"%s\",\"status\":\"PACKING\"}", tracking);
    r = f_callback(body, (long long)time(NULL), NULL);
    assert_int_equal(r.status, 409);
    t_resp_free(&r);
    t = j_call("GET", path, j_admin(), NULL, 200);
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(f_shipment_of(&t, seller_b.id), "history");
    char actor[64];
    snprintf(actor, sizeof actor, "courier:%s", courier_id);
    assert_int_equal(cJSON_GetArraySize(h), 4);
    assert_string_equal(c_str(cJSON_GetArrayItem(h, 3), "actor"), actor);
    t_resp_free(&t);
    j_wait_events("fulfillment.events", "ShipmentStatusChanged", ship_b, 3, 10000);

    j_user_free(&seller_a);
    j_user_free(&seller_b);
    j_user_free(&customer);
}

static void test_fulfillment_flow_cancelled_order_cancels_shipments(void **state)
{
    (void)state;
    j_user_t seller = j_user("seller"), customer = j_user("customer");
    j_product_t p = j_product(&seller, "Rug", 900000, 3);
    char order_id[37], path[160];
    j_order(&customer, &p, 1, "fake", order_id);
    f_pay(&customer, order_id);
    t_resp_t t = f_wait_tracking(customer.token, order_id, 1);
    char shipment_id[37];
    f_shipment_id(&t, seller.id, shipment_id);
    t_resp_free(&t);
    t_resp_t r = f_move(seller.token, "/seller", shipment_id, "PACKING", 200);
    t_resp_free(&r);

    /* Staff cancel the paid order before it left: its shipment is cancelled with it. */
    snprintf(path, sizeof path, "/orders/%s/cancel", order_id);
    r = j_call("POST", path, j_admin(), "{}", 0);
    if (r.status != 200)
        fail_msg("cancel: %ld %s", r.status, r.body);
    t_resp_free(&r);
    j_wait_events("fulfillment.events", "ShipmentStatusChanged", shipment_id, 2, 15000);
    snprintf(path, sizeof path, "/orders/%s/tracking", order_id);
    t = j_call("GET", path, customer.token, NULL, 200);
    const cJSON *s = f_shipment_of(&t, seller.id);
    assert_string_equal(c_str(s, "status"), "CANCELLED");
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(s, "history");
    check_step(cJSON_GetArrayItem(h, 2), "PACKING", "CANCELLED", "system");
    t_resp_free(&t);
    /* A cancelled shipment moves no more. */
    r = f_move(seller.token, "/seller", shipment_id, "SHIPPED", 409);
    t_resp_free(&r);
    j_user_free(&seller);
    j_user_free(&customer);
}

static void test_fulfillment_flow_unserviceable_address_refused_at_checkout(void **state)
{
    (void)state;
    j_user_t seller = j_user("seller"), customer = j_user("customer");
    j_product_t p = j_product(&seller, "Kettle", 120000, 4);
    char address[37];
    j_address(&customer, J_UNSERVED_COUNTRY, address);
    j_cart_add(&customer, &p, 1);
    t_resp_t r = j_checkout_raw(&customer, address, "fake", NULL);
    assert_int_equal(r.status, 422);
    assert_string_equal(c_error_code(&r), "ADDRESS_NOT_SERVICEABLE");
    t_resp_free(&r);
    /* No order, no reservation. */
    r = j_call("GET", "/user/orders", customer.token, NULL, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 0);
    t_resp_free(&r);
    long on_hand, reserved, available;
    j_stock(p.sku, &on_hand, &reserved, &available);
    assert_int_equal(on_hand, 4);
    assert_int_equal(reserved, 0);
    j_user_free(&seller);
    j_user_free(&customer);
}

typedef struct assign_race {
    const char *shipment_id, *courier_id;
    pthread_barrier_t *start;
    long status;
} assign_race_t;

static void *assign_racer(void *arg)
{
    assign_race_t *a = arg;
    char path[160], body[128];
    snprintf(path, sizeof path, "/admin/shipments/%s/courier", a->shipment_id);
    snprintf(body, sizeof body, "{\"courier_id\":\"%s\"}", a->courier_id);
    pthread_barrier_wait(a->start);
    t_resp_t r;
    a->status = t_gw("PUT", path, j_admin(), body, &r) == 0 ? r.status : -1;
    t_resp_free(&r);
    return NULL;
}

/* Two shipments raced onto a courier with room for one: exactly one gets it. */
static void test_fulfillment_flow_courier_capacity_raced(void **state)
{
    (void)state;
    j_user_t seller_a = j_user("seller"), seller_b = j_user("seller");
    j_user_t customer = j_user("customer");
    j_product_t pa = j_product(&seller_a, "Shawl", 400000, 2);
    j_product_t pb = j_product(&seller_b, "Mask", 200000, 2);
    char address[37], order_id[37], courier_id[37], name[40];
    j_zone_ensure(0);
    j_address(&customer, J_COUNTRY, address);
    j_cart_add(&customer, &pa, 1);
    j_cart_add(&customer, &pb, 1);
    f_checkout(&customer, address, order_id);
    f_pay(&customer, order_id);
    char ship_a[37], ship_b[37];
    f_two_shipments(&customer, order_id, &seller_a, &seller_b, ship_a, ship_b);

    (void)j_admin(); /* logged in before the threads start */
    c_unique_word(name, sizeof name, "Single");
    f_courier(name, NULL, 1, courier_id, NULL);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, 2);
    assign_race_t a = {.shipment_id = ship_a, .courier_id = courier_id, .start = &start};
    assign_race_t b = {.shipment_id = ship_b, .courier_id = courier_id, .start = &start};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, assign_racer, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, assign_racer, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&start);
    if (!((a.status == 200 && b.status == 409) || (a.status == 409 && b.status == 200)))
        fail_msg("want one 200 and one 409, got %ld and %ld", a.status, b.status);
    char *open =
        c_sql("SELECT count(*) FROM fulfillment.shipments WHERE courier_id = $1", courier_id);
    assert_string_equal(open, "1");
    free(open);
    j_user_free(&seller_a);
    j_user_free(&seller_b);
    j_user_free(&customer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fulfillment_flow_admin_assigns_seller_delivers),
        cmocka_unit_test(test_fulfillment_flow_two_sellers_auto_assigned_by_zone),
        cmocka_unit_test(test_fulfillment_flow_cancelled_order_cancels_shipments),
        cmocka_unit_test(test_fulfillment_flow_unserviceable_address_refused_at_checkout),
        cmocka_unit_test(test_fulfillment_flow_courier_capacity_raced),
    };
    return cmocka_run_group_tests(tests, j_group_setup, NULL);
}
