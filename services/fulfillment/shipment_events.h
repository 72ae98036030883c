/* shipment_events.h - the data of the events fulfillment publishes on fulfillment.events
 * (proto3 JSON of store.fulfillment.v1.*, see proto-schemas/store/fulfillment/v1), built
 * from a shipment as plain functions (no I/O). Subject and key: the shipment id; sequence:
 * the shipment's version after the change.
 */
#ifndef FULFILLMENT_SHIPMENT_EVENTS_H
#define FULFILLMENT_SHIPMENT_EVENTS_H

#include <cjson/cJSON.h>

#include "shipment.h"

#define FULFILLMENT_TOPIC          "fulfillment.events"
#define EV_SHIPMENT_CREATED        "ShipmentCreated"
#define EV_COURIER_ASSIGNED        "CourierAssigned"
#define EV_SHIPMENT_STATUS_CHANGED "ShipmentStatusChanged"

/* A shipment as the events describe it. Everything is borrowed; courier_id, courier_name
 * and tracking_number are NULL or "" before a courier is assigned. address and lines are
 * the shipment's stored (snake_case) JSON. */
typedef struct shipment_view {
    const char *id;
    const char *order_id;
    const char *order_number;
    const char *customer_id;
    const char *seller_id;
    shipment_status_t status;
    const char *courier_id;
    const char *courier_name;
    const char *tracking_number;
    const cJSON *address;
    const cJSON *lines;
    const char *created_at; /* RFC 3339 */
} shipment_view_t;

/* ShipmentCreated {shipmentId, orderId, orderNumber, customerId, sellerId, status, lines:
 * [{productId, sku, title, quantity}], address: {name, phone, line1, line2, city,
 * district, postalCode, country}, createdAt}. Caller frees; NULL when out of memory. */
cJSON *shipment_event_created(const shipment_view_t *s);

/* CourierAssigned {shipmentId, orderId, customerId, courierId, courierName,
 * trackingNumber, rule, assignedAt}. rule: "manual" or an auto-assignment rule. */
cJSON *shipment_event_courier_assigned(const shipment_view_t *s, const char *rule,
                                       const char *assigned_at);

/* ShipmentStatusChanged {shipmentId, orderId, orderNumber, customerId, sellerId, from, to,
 * actor, trackingNumber?, courierName?, changedAt}. */
cJSON *shipment_event_status_changed(const shipment_view_t *s, shipment_status_t from,
                                     shipment_status_t to, const char *actor,
                                     const char *changed_at);

#endif
