/* assign.c - the auto-assignment rules (see assign.h). */
#include "assign.h"

#include <stddef.h>
#include <string.h>

static const char *const names[] = {
    [ASSIGN_OFF] = "off",
    [ASSIGN_ROUND_ROBIN] = "round_robin",
    [ASSIGN_ZONE] = "zone",
    [ASSIGN_CAPACITY] = "capacity",
};

bool assign_rule_parse(const char *s, assign_rule_t *out)
{
    if (s == NULL)
        return false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (assign_rule_t)i;
            return true;
        }
    }
    return false;
}

const char *assign_rule_name(assign_rule_t rule)
{
    return (int)rule >= 0 && (size_t)rule < sizeof names / sizeof names[0] ? names[rule] : "off";
}

static bool eligible(const courier_load_t *c, bool zone_only)
{
    if (c->open >= c->capacity)
        return false;
    return zone_only ? c->lists_zone : (c->serves_all || c->lists_zone);
}

int assign_pick(assign_rule_t rule, const courier_load_t *c, int n, int64_t last_seq)
{
    int pick = -1;
    switch (rule) {
    case ASSIGN_OFF:
        return -1;
    case ASSIGN_ROUND_ROBIN:
        /* The first eligible courier added after the last one chosen, else the first. */
        for (int i = 0; i < n; i++) {
            if (!eligible(&c[i], false))
                continue;
            if (pick < 0)
                pick = i;
            if (c[i].seq > last_seq)
                return i;
        }
        return pick;
    case ASSIGN_ZONE:
        for (int i = 0; i < n; i++)
            if (eligible(&c[i], true) && (pick < 0 || c[i].open < c[pick].open))
                pick = i;
        return pick;
    case ASSIGN_CAPACITY:
        for (int i = 0; i < n; i++)
            if (eligible(&c[i], false) &&
                (pick < 0 || c[i].capacity - c[i].open > c[pick].capacity - c[pick].open))
                pick = i;
        return pick;
    }
    return -1;
}
