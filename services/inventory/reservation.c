/* reservation.c - reservation lines, states and the events that move them.
 *
 * The state machine (reservation_on_commit / reservation_on_release):
 *
 *     state       commit                         release(reason)
 *     RESERVED    -> COMMITTED (stock leaves)     -> RELEASED (stock available again)
 *     COMMITTED   no-op (already committed)      no-op (stock has already left)
 *     RELEASED    refused: 409 (stock was freed)  no-op (already released)
 *
 * A reservation whose expiry passed stays RESERVED until the sweep releases it; a
 * commit that comes first still wins, since the units were never handed to anyone
 * else. Every no-op answers with the current state, so callers and event handlers can
 * repeat themselves safely.
 */
#include "reservation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/ids.h"

static int line_cmp(const void *a, const void *b)
{
    return strcmp(((const res_line_t *)a)->sku, ((const res_line_t *)b)->sku);
}

void reservation_lines_sort(res_line_t *lines, int count)
{
    if (count > 1)
        qsort(lines, (size_t)count, sizeof *lines, line_cmp);
}

int reservation_lines_parse(json_check_t *chk, const cJSON *body, res_line_t **out, int *count)
{
    const cJSON *lines = cJSON_GetObjectItemCaseSensitive(body, "lines");
    *out = NULL;
    *count = 0;
    if (!cJSON_IsArray(lines)) {
        json_check_fail(chk, "lines", "must be an array of {sku, quantity}");
        return ERR_INVALID;
    }
    int n = cJSON_GetArraySize(lines);
    if (n < 1 || n > RESERVATION_LINES_MAX) {
        json_check_fail(chk, "lines", "must hold 1 to 100 lines");
        return ERR_INVALID;
    }
    res_line_t *v = calloc((size_t)n, sizeof *v);
    if (v == NULL) {
        json_check_fail(chk, "lines", "too many lines");
        return ERR_INVALID;
    }
    bool ok = true;
    int i = 0;
    const cJSON *line;
    cJSON_ArrayForEach(line, lines)
    {
        char field[32];
        if (!cJSON_IsObject(line)) {
            snprintf(field, sizeof field, "lines[%d]", i);
            json_check_fail(chk, field, "must be an object {sku, quantity}");
            ok = false;
            i++;
            continue;
        }
        const cJSON *sku = cJSON_GetObjectItemCaseSensitive(line, "sku");
        if (!cJSON_IsString(sku) || !sku_code_valid(sku->valuestring)) {
            snprintf(field, sizeof field, "lines[%d].sku", i);
            json_check_fail(chk, field, "must be a SKU code");
            ok = false;
        } else {
            snprintf(v[i].sku, sizeof v[i].sku, "%s", sku->valuestring);
        }
        /* The line is checked on its own so that the failure can be recorded under
         * the line's indexed name with json_req_int's own message. */
        json_check_t sub;
        json_check_init(&sub);
        if (json_req_int(&sub, line, "quantity", 1, RESERVATION_QTY_MAX, &v[i].quantity) != 0) {
            const cJSON *msg = cJSON_GetObjectItemCaseSensitive(sub.fields, "quantity");
            snprintf(field, sizeof field, "lines[%d].quantity", i);
            json_check_fail(chk, field,
                            cJSON_IsString(msg) ? msg->valuestring : "must be an integer");
            ok = false;
        }
        json_check_free(&sub);
        i++;
    }
    if (ok) {
        reservation_lines_sort(v, n);
        for (int k = 1; k < n; k++)
            if (strcmp(v[k - 1].sku, v[k].sku) == 0) {
                json_check_fail(chk, "lines", "a SKU may appear only once");
                ok = false;
                break;
            }
    }
    if (!ok) {
        free(v);
        return ERR_INVALID;
    }
    *out = v;
    *count = n;
    return 0;
}

bool reservation_lines_equal(const res_line_t *a, int na, const res_line_t *b, int nb)
{
    if (na != nb)
        return false;
    for (int i = 0; i < na; i++)
        if (strcmp(a[i].sku, b[i].sku) != 0 || a[i].quantity != b[i].quantity)
            return false;
    return true;
}

static const char *const status_names[] = {
    [RES_RESERVED] = "RESERVED",
    [RES_COMMITTED] = "COMMITTED",
    [RES_RELEASED] = "RELEASED",
};

const char *reservation_status_name(res_status_t status)
{
    return (unsigned)status < sizeof status_names / sizeof status_names[0] ? status_names[status]
                                                                           : "UNKNOWN";
}

bool reservation_status_parse(const char *name, res_status_t *out)
{
    for (size_t i = 0; name != NULL && i < sizeof status_names / sizeof status_names[0]; i++)
        if (strcmp(name, status_names[i]) == 0) {
            *out = (res_status_t)i;
            return true;
        }
    return false;
}

static const char *const reason_names[] = {
    [RES_REASON_NONE] = NULL,
    [RES_REASON_CANCELLED] = "cancelled",
    [RES_REASON_PAYMENT_FAILED] = "payment_failed",
    [RES_REASON_EXPIRED] = "expired",
};

const char *reservation_reason_name(res_reason_t reason)
{
    return (unsigned)reason < sizeof reason_names / sizeof reason_names[0] ? reason_names[reason]
                                                                           : NULL;
}

bool reservation_reason_parse(const char *name, res_reason_t *out)
{
    for (size_t i = 1; name != NULL && i < sizeof reason_names / sizeof reason_names[0]; i++)
        if (strcmp(name, reason_names[i]) == 0) {
            *out = (res_reason_t)i;
            return true;
        }
    return false;
}

res_verdict_t reservation_on_commit(res_status_t status)
{
    switch (status) {
    case RES_RESERVED:
        return RES_APPLY;
    case RES_COMMITTED:
        return RES_NOOP;
    case RES_RELEASED:
    default:
        return RES_REFUSE;
    }
}

res_verdict_t reservation_on_release(res_status_t status)
{
    return status == RES_RESERVED ? RES_APPLY : RES_NOOP;
}

/* The events inventory reacts to; the consumer's topic table lists the same pairs. */
static const struct {
    const char *topic, *type;
    res_event_action_t action;
    res_reason_t reason;
} event_actions[] = {
    {"payment.events", "PaymentSucceeded", RES_EVENT_COMMIT, RES_REASON_NONE},
    {"payment.events", "PaymentFailed", RES_EVENT_RELEASE, RES_REASON_PAYMENT_FAILED},
    {"order.events", "OrderCancelled", RES_EVENT_RELEASE, RES_REASON_CANCELLED},
};

res_event_action_t reservation_action_for_event(const char *topic, const char *type,
                                                res_reason_t *reason)
{
    for (size_t i = 0;
         topic != NULL && type != NULL && i < sizeof event_actions / sizeof event_actions[0]; i++)
        if (strcmp(topic, event_actions[i].topic) == 0 &&
            strcmp(type, event_actions[i].type) == 0) {
            if (reason != NULL)
                *reason = event_actions[i].reason;
            return event_actions[i].action;
        }
    return RES_EVENT_IGNORE;
}

const char *reservation_event_order_id(const cJSON *event)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(event, "data");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(data, "orderId");
    return cJSON_IsString(id) && id_is_uuid(id->valuestring) ? id->valuestring : NULL;
}
