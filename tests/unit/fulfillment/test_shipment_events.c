/* test_shipment_events.c - the payloads of ShipmentCreated, CourierAssigned and
 * ShipmentStatusChanged (services/fulfillment/shipment_events.c): proto3 JSON names only,
 * nothing the stored rows hold beyond the contract. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "shipment_events.h"

static void check_text(cJSON *data, const char *want)
{
    assert_non_null(data);
    char *text = cJSON_PrintUnformatted(data);
    if (strcmp(text, want) != 0)
        fail_msg("got  %s\nwant %s", text, want);
    cJSON_free(text);
    cJSON_Delete(data);
}

typedef struct fixture {
    cJSON *address, *lines;
    shipment_view_t v;
} fixture_t;

/* cmocka setup: a confirmed shipment with no courier yet, in *state. */
static int fixture_setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    f->address = cJSON_Parse("{\"name\":\"B\",\"phone\":\"1\",\"line1\":\"L1\",\"line2\":\"\","
                             "\"city\":\"Kathmandu\",\"district\":\"Kathmandu\",\"postal_code\":"
                             "\"44600\",\"country\":\"NP\",\"extra\":\"not in the contract\"}");
    f->lines = cJSON_Parse("[{\"product_id\":\"p1\",\"sku\":\"A-1\",\"title\":\"Cup\","
                           "\"quantity\":2,\"unit_price\":100}]");
    shipment_view_t v = {
        .id = "s1",
        .order_id = "o1",
        .order_number = "ORD-1",
        .customer_id = "c1",
        .seller_id = "x1",
        .status = SHIP_CONFIRMED,
        .address = f->address,
        .lines = f->lines,
        .created_at = "2024-01-02T03:04:05.678Z",
    };
    f->v = v;
    *state = f;
    return 0;
}

static int fixture_teardown(void **state)
{
    fixture_t *f = *state;
    cJSON_Delete(f->address);
    cJSON_Delete(f->lines);
    free(f);
    return 0;
}

/* The courier the assignment and status tests give the shipment. */
static void assign_courier(shipment_view_t *v)
{
    v->courier_id = "k1";
    v->courier_name = "Pathao";
    v->tracking_number = "PAT-0123456789";
}

static void test_shipment_event_created(void **state)
{
    fixture_t *f = *state;
    check_text(shipment_event_created(&f->v),
               "{\"shipmentId\":\"s1\",\"orderId\":\"o1\",\"orderNumber\":\"ORD-1\",\"customerId\":"
               "\"c1\",\"sellerId\":\"x1\",\"status\":\"CONFIRMED\",\"lines\":[{\"productId\":"
               "\"p1\",\"sku\":\"A-1\",\"title\":\"Cup\",\"quantity\":2}],\"address\":{\"name\":"
               "\"B\",\"phone\":\"1\",\"line1\":\"L1\",\"line2\":\"\",\"city\":\"Kathmandu\","
               "\"district\":\"Kathmandu\",\"postalCode\":\"44600\",\"country\":\"NP\"},"
               "\"createdAt\":\"2024-01-02T03:04:05.678Z\"}");
}

static void test_shipment_event_courier_assigned(void **state)
{
    fixture_t *f = *state;
    assign_courier(&f->v);
    check_text(shipment_event_courier_assigned(&f->v, "zone", "2024-01-02T03:04:06.000Z"),
               "{\"shipmentId\":\"s1\",\"orderId\":\"o1\",\"customerId\":\"c1\",\"courierId\":"
               "\"k1\",\"courierName\":\"Pathao\",\"trackingNumber\":\"PAT-0123456789\",\"rule\":"
               "\"zone\",\"assignedAt\":\"2024-01-02T03:04:06.000Z\"}");
}

static void test_shipment_event_status_changed(void **state)
{
    fixture_t *f = *state;
    assign_courier(&f->v);
    check_text(shipment_event_status_changed(&f->v, SHIP_PACKING, SHIP_SHIPPED, "seller:x1",
                                             "2024-01-02T03:04:07.000Z"),
               "{\"shipmentId\":\"s1\",\"orderId\":\"o1\",\"orderNumber\":\"ORD-1\",\"customerId\":"
               "\"c1\",\"sellerId\":\"x1\",\"from\":\"PACKING\",\"to\":\"SHIPPED\",\"actor\":"
               "\"seller:x1\",\"trackingNumber\":\"PAT-0123456789\",\"courierName\":\"Pathao\","
               "\"changedAt\":\"2024-01-02T03:04:07.000Z\"}");
    /* Without a courier (cancelled before one was assigned) the courier fields are unset. */
    f->v.courier_id = f->v.courier_name = f->v.tracking_number = "";
    check_text(shipment_event_status_changed(&f->v, SHIP_CONFIRMED, SHIP_CANCELLED, "system",
                                             "2024-01-02T03:04:08.000Z"),
               "{\"shipmentId\":\"s1\",\"orderId\":\"o1\",\"orderNumber\":\"ORD-1\",\"customerId\":"
               "\"c1\",\"sellerId\":\"x1\",\"from\":\"CONFIRMED\",\"to\":\"CANCELLED\",\"actor\":"
               "\"system\",\"changedAt\":\"2024-01-02T03:04:08.000Z\"}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_shipment_event_created, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_shipment_event_courier_assigned, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_shipment_event_status_changed, fixture_setup,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
