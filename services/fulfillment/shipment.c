/* shipment.c - the status path (see the table in shipment.h). */
#include "shipment.h"

#include <stddef.h>
#include <string.h>

static const char *const names[SHIP_STATUS_COUNT] = {
    [SHIP_CONFIRMED] = "CONFIRMED", [SHIP_PACKING] = "PACKING",
    [SHIP_SHIPPED] = "SHIPPED",     [SHIP_OUT_FOR_DELIVERY] = "OUT_FOR_DELIVERY",
    [SHIP_DELIVERED] = "DELIVERED", [SHIP_CANCELLED] = "CANCELLED",
};

const char *shipment_status_name(shipment_status_t s)
{
    return (int)s >= 0 && s < SHIP_STATUS_COUNT ? names[s] : NULL;
}

bool shipment_status_parse(const char *name, shipment_status_t *out)
{
    if (name == NULL)
        return false;
    for (int i = 0; i < SHIP_STATUS_COUNT; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (shipment_status_t)i;
            return true;
        }
    }
    return false;
}

static bool final_status(shipment_status_t s)
{
    return s == SHIP_DELIVERED || s == SHIP_CANCELLED;
}

shipment_verdict_t shipment_transition(shipment_status_t from, shipment_status_t to)
{
    if (from == to)
        return SHIP_MOVE_SAME;
    if (final_status(from))
        return SHIP_MOVE_FINAL;
    if (to == SHIP_CANCELLED)
        return shipment_courier_changeable(from) ? SHIP_MOVE_OK : SHIP_MOVE_TOO_LATE;
    /* Both are on the path CONFIRMED..DELIVERED, whose enum values are in path order. */
    if (to < from)
        return SHIP_MOVE_BACK;
    return to == from + 1 ? SHIP_MOVE_OK : SHIP_MOVE_SKIP;
}

bool shipment_next(shipment_status_t s, shipment_status_t *next)
{
    if ((int)s < 0 || s >= SHIP_STATUS_COUNT || final_status(s))
        return false;
    *next = (shipment_status_t)(s + 1);
    return true;
}

bool shipment_is_open(shipment_status_t s)
{
    return s >= SHIP_CONFIRMED && s <= SHIP_OUT_FOR_DELIVERY;
}

bool shipment_courier_changeable(shipment_status_t s)
{
    return s == SHIP_CONFIRMED || s == SHIP_PACKING;
}
