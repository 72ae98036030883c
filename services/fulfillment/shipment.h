/* shipment.h - the shipment's status path, as plain functions (no I/O):
 *
 *     CONFIRMED -> PACKING -> SHIPPED -> OUT_FOR_DELIVERY -> DELIVERED
 *         \            \
 *          +------------+--> CANCELLED      (only before SHIPPED: the parcel is still here)
 *
 * A move goes forward exactly one step along the path; DELIVERED and CANCELLED are final.
 * Everything else (a skip, a step back, staying put, leaving a final status, cancelling a
 * parcel that already left) is refused with a verdict that says why.
 */
#ifndef FULFILLMENT_SHIPMENT_H
#define FULFILLMENT_SHIPMENT_H

#include <stdbool.h>

typedef enum shipment_status {
    SHIP_CONFIRMED,
    SHIP_PACKING,
    SHIP_SHIPPED,
    SHIP_OUT_FOR_DELIVERY,
    SHIP_DELIVERED,
    SHIP_CANCELLED,
    SHIP_STATUS_COUNT
} shipment_status_t;

typedef enum shipment_verdict {
    SHIP_MOVE_OK,       /* one step forward, or CANCELLED before SHIPPED */
    SHIP_MOVE_SAME,     /* already in that status */
    SHIP_MOVE_SKIP,     /* forward, but past the next step */
    SHIP_MOVE_BACK,     /* backward along the path */
    SHIP_MOVE_FINAL,    /* from DELIVERED or CANCELLED */
    SHIP_MOVE_TOO_LATE, /* CANCELLED after the parcel was SHIPPED */
} shipment_verdict_t;

/* The status's name as stored and rendered ("OUT_FOR_DELIVERY"); NULL when out of range. */
const char *shipment_status_name(shipment_status_t s);

/* Parses an exact, upper-case status name. False for anything else. */
bool shipment_status_parse(const char *name, shipment_status_t *out);

/* Whether from -> to is allowed, and why not. Pure. */
shipment_verdict_t shipment_transition(shipment_status_t from, shipment_status_t to);

/* The one status a shipment may move forward to from s; false when s is final. */
bool shipment_next(shipment_status_t s, shipment_status_t *next);

/* True while the parcel is in the courier's hands or about to be: it counts against the
 * courier's capacity (CONFIRMED through OUT_FOR_DELIVERY with a courier assigned). */
bool shipment_is_open(shipment_status_t s);

/* True while the courier may still be chosen or changed (the parcel has not left). */
bool shipment_courier_changeable(shipment_status_t s);

#endif
