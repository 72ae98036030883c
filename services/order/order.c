/* order.c - the order's state machine and its small rules.
 *
 * Transition table (every pair not listed is refused):
 *
 *     from              to                 who moves it
 *     PENDING_PAYMENT   CONFIRMED          paid and stock committed (consumers)
 *     PENDING_PAYMENT   CANCELLED          customer, admin, payment failed, reservation expired
 *     CONFIRMED         PACKING            fulfillment (every shipment packing)
 *     CONFIRMED         CANCELLED          admin
 *     PACKING           SHIPPED            fulfillment
 *     SHIPPED           OUT_FOR_DELIVERY   fulfillment
 *     OUT_FOR_DELIVERY  DELIVERED          fulfillment
 *
 * DELIVERED and CANCELLED are final.
 */
#include "order.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/ids.h"

static const char *const status_names[ORDER_STATUS_COUNT] = {
    [ORDER_PENDING_PAYMENT] = "PENDING_PAYMENT",
    [ORDER_CONFIRMED] = "CONFIRMED",
    [ORDER_PACKING] = "PACKING",
    [ORDER_SHIPPED] = "SHIPPED",
    [ORDER_OUT_FOR_DELIVERY] = "OUT_FOR_DELIVERY",
    [ORDER_DELIVERED] = "DELIVERED",
    [ORDER_CANCELLED] = "CANCELLED",
};

static const char *const payment_names[PAYMENT_STATUS_COUNT] = {
    [PAYMENT_PENDING] = "PENDING",   [PAYMENT_PAID] = "PAID",
    [PAYMENT_FAILED] = "FAILED",     [PAYMENT_REFUND_PENDING] = "REFUND_PENDING",
    [PAYMENT_REFUNDED] = "REFUNDED",
};

/* legal[from][to]: the table above, and nothing else. */
static const bool legal[ORDER_STATUS_COUNT][ORDER_STATUS_COUNT] = {
    [ORDER_PENDING_PAYMENT] = {[ORDER_CONFIRMED] = true, [ORDER_CANCELLED] = true},
    [ORDER_CONFIRMED] = {[ORDER_PACKING] = true, [ORDER_CANCELLED] = true},
    [ORDER_PACKING] = {[ORDER_SHIPPED] = true},
    [ORDER_SHIPPED] = {[ORDER_OUT_FOR_DELIVERY] = true},
    [ORDER_OUT_FOR_DELIVERY] = {[ORDER_DELIVERED] = true},
};

static bool in_range(order_status_t s)
{
    return s >= 0 && s < ORDER_STATUS_COUNT;
}

const char *order_status_name(order_status_t s)
{
    return in_range(s) ? status_names[s] : NULL;
}

order_status_t order_status_parse(const char *s)
{
    for (int i = 0; s != NULL && i < ORDER_STATUS_COUNT; i++)
        if (strcmp(s, status_names[i]) == 0)
            return (order_status_t)i;
    return ORDER_STATUS_INVALID;
}

const char *payment_status_name(payment_status_t s)
{
    return s >= 0 && s < PAYMENT_STATUS_COUNT ? payment_names[s] : NULL;
}

payment_status_t payment_status_parse(const char *s)
{
    for (int i = 0; s != NULL && i < PAYMENT_STATUS_COUNT; i++)
        if (strcmp(s, payment_names[i]) == 0)
            return (payment_status_t)i;
    return PAYMENT_STATUS_INVALID;
}

int order_transition(order_status_t from, order_status_t to)
{
    if (!in_range(from) || !in_range(to))
        return ERR_CONFLICT;
    return legal[from][to] ? 0 : ERR_CONFLICT;
}

bool order_status_final(order_status_t s)
{
    for (int to = 0; to < ORDER_STATUS_COUNT; to++)
        if (order_transition(s, (order_status_t)to) == 0)
            return false;
    return true;
}

int order_cancel_allowed(order_status_t s, bool admin)
{
    if (order_transition(s, ORDER_CANCELLED) != 0)
        return ERR_CONFLICT;
    /* Once paid, cancelling means a refund and possibly a parcel on its way: staff only. */
    if (s != ORDER_PENDING_PAYMENT && !admin)
        return ERR_CONFLICT;
    return 0;
}

bool order_payment_method_valid(const char *method)
{
    static const char *const methods[] = {"fake", "stripe", "khalti", "esewa"};
    for (size_t i = 0; method != NULL && i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(method, methods[i]) == 0)
            return true;
    return false;
}

order_status_t order_status_of_shipment(const char *shipment_status)
{
    order_status_t s = order_status_parse(shipment_status);
    return s >= ORDER_CONFIRMED && s <= ORDER_DELIVERED ? s : ORDER_STATUS_INVALID;
}

order_status_t order_status_from_shipments(const char *const *statuses, int count)
{
    order_status_t least = ORDER_STATUS_INVALID;
    for (int i = 0; i < count; i++) {
        order_status_t s = order_status_of_shipment(statuses[i]);
        if (s != ORDER_STATUS_INVALID && (least == ORDER_STATUS_INVALID || s < least))
            least = s;
    }
    return least;
}

order_status_t order_next_toward(order_status_t from, order_status_t target)
{
    /* The fulfillment chain is the enum's order from CONFIRMED to DELIVERED. */
    if (from < ORDER_CONFIRMED || from >= ORDER_DELIVERED || target <= from ||
        target > ORDER_DELIVERED)
        return ORDER_STATUS_INVALID;
    order_status_t next = (order_status_t)(from + 1);
    return order_transition(from, next) == 0 ? next : ORDER_STATUS_INVALID;
}

void order_record_free(order_record_t *o)
{
    if (o == NULL)
        return;
    free(o->lines);
    free(o->history);
    o->lines = NULL;
    o->history = NULL;
    o->line_count = o->history_count = 0;
}

int order_cursor_parse(const char *s, int64_t *us, char id[37])
{
    size_t n = s != NULL ? strlen(s) : 0;
    size_t digits = 0;
    while (digits < n && isdigit((unsigned char)s[digits]))
        digits++;
    if (digits < 1 || digits > 18 || n != digits + 1 + 36 || s[digits] != '_' ||
        !id_is_uuid(s + digits + 1))
        return ERR_INVALID;
    *us = strtoll(s, NULL, 10);
    memcpy(id, s + digits + 1, 37);
    return 0;
}

/* n digits at s. */
static bool digits_at(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

bool order_time_filter_valid(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n < 10 || !digits_at(s, 4) || s[4] != '-' || !digits_at(s + 5, 2) || s[7] != '-' ||
        !digits_at(s + 8, 2))
        return false;
    if (n == 10)
        return true;
    if (n < 20 || s[10] != 'T' || !digits_at(s + 11, 2) || s[13] != ':' || !digits_at(s + 14, 2) ||
        s[16] != ':' || !digits_at(s + 17, 2))
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        int frac = 0;
        while (isdigit((unsigned char)*p) && frac < 9) {
            p++;
            frac++;
        }
        if (frac == 0)
            return false;
    }
    if (strcmp(p, "Z") == 0)
        return true;
    return (p[0] == '+' || p[0] == '-') && digits_at(p + 1, 2) && p[3] == ':' &&
           digits_at(p + 4, 2) && p[6] == '\0';
}
