/* assign.h - which courier a new shipment goes to when auto-assignment is on, as a plain
 * function over the active couriers (no I/O).
 *
 * FULFILLMENT_AUTO_ASSIGN chooses the rule:
 *
 *     off          nobody: an admin assigns every shipment
 *     round_robin  the next eligible courier after the one chosen last, in the order
 *                  couriers were added, wrapping around
 *     zone         only couriers that list the shipment's zone; of those the least busy
 *     capacity     the courier with the most free capacity
 *
 * A courier is eligible when it has free capacity (open shipments < capacity) and serves
 * the shipment's zone: a courier without a zone list serves every zone, one with a list
 * only those. Ties go to the courier added first. No eligible courier: nobody (the
 * shipment waits for an admin).
 */
#ifndef FULFILLMENT_ASSIGN_H
#define FULFILLMENT_ASSIGN_H

#include <stdbool.h>
#include <stdint.h>

typedef enum assign_rule {
    ASSIGN_OFF,
    ASSIGN_ROUND_ROBIN,
    ASSIGN_ZONE,
    ASSIGN_CAPACITY,
} assign_rule_t;

/* One active courier as the rule sees it. */
typedef struct courier_load {
    int64_t seq;      /* the order couriers were added in (strictly increasing) */
    int64_t capacity; /* open shipments it can hold */
    int64_t open;     /* open shipments it holds */
    bool serves_all;  /* has no zone list */
    bool lists_zone;  /* its zone list holds the shipment's zone */
} courier_load_t;

/* Parses "off", "round_robin", "zone" or "capacity". False for anything else. */
bool assign_rule_parse(const char *s, assign_rule_t *out);

/* The rule's name as configured and as CourierAssigned's rule ("round_robin"). */
const char *assign_rule_name(assign_rule_t rule);

/* The index into couriers[0..n) (sorted by seq) of the courier the rule picks, or -1.
 * last_seq is the seq of the courier round_robin chose last (0: none yet). Pure. */
int assign_pick(assign_rule_t rule, const courier_load_t *couriers, int n, int64_t last_seq);

#endif
