/* test_reservation.c - reservation lines, the state machine and the event mapping
 * (services/inventory/reservation.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reservation.h"

/* Parses body text's lines; returns the parse code and leaves chk for inspection. */
static int parse(const char *text, json_check_t *chk, res_line_t **lines, int *count)
{
    cJSON *body = cJSON_Parse(text);
    assert_non_null(body);
    json_check_init(chk);
    int rc = reservation_lines_parse(chk, body, lines, count);
    cJSON_Delete(body);
    return rc;
}

static const char *failure(const json_check_t *chk, const char *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(chk->fields, field);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_reservation_lines_parsed_and_sorted(void **state)
{
    (void)state;
    json_check_t chk;
    res_line_t *lines = NULL;
    int n = 0;
    assert_int_equal(parse("{\"lines\":[{\"sku\":\"B-2\",\"quantity\":2},"
                           "{\"sku\":\"A-1\",\"quantity\":1},{\"sku\":\"a-0\",\"quantity\":3}]}",
                           &chk, &lines, &n),
                     0);
    assert_true(json_check_ok(&chk));
    assert_int_equal(n, 3);
    /* Bytewise order, the order rows are locked in: upper case before lower case. */
    assert_string_equal(lines[0].sku, "A-1");
    assert_int_equal(lines[0].quantity, 1);
    assert_string_equal(lines[1].sku, "B-2");
    assert_string_equal(lines[2].sku, "a-0");
    free(lines);
    json_check_free(&chk);
}

static void test_reservation_lines_bad_input_named(void **state)
{
    (void)state;
    json_check_t chk;
    res_line_t *lines = (res_line_t *)1;
    int n = 7;
    assert_int_equal(parse("{\"lines\":[{\"sku\":\"A\",\"quantity\":0},"
                           "{\"sku\":\"bad code\",\"quantity\":1},"
                           "{\"sku\":\"C\",\"quantity\":\"2\"},{\"sku\":\"D\",\"quantity\":1.5},"
                           "{\"sku\":\"E\",\"quantity\":10001}, 5]}",
                           &chk, &lines, &n),
                     -1);
    assert_null(lines);
    assert_int_equal(n, 0);
    assert_non_null(failure(&chk, "lines[0].quantity"));
    assert_non_null(failure(&chk, "lines[1].sku"));
    assert_non_null(failure(&chk, "lines[2].quantity"));
    assert_non_null(failure(&chk, "lines[3].quantity"));
    assert_non_null(failure(&chk, "lines[4].quantity"));
    assert_non_null(failure(&chk, "lines[5]"));
    json_check_free(&chk);
}

static void test_reservation_lines_shape_rules(void **state)
{
    (void)state;
    const char *bad[] = {
        "{}",
        "{\"lines\":{}}",
        "{\"lines\":[]}",
        "{\"lines\":[{\"sku\":\"A\",\"quantity\":1},{\"sku\":\"A\",\"quantity\":2}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_check_t chk;
        res_line_t *lines = NULL;
        int n = 0;
        if (parse(bad[i], &chk, &lines, &n) == 0)
            fail_msg("accepted %s", bad[i]);
        assert_non_null(failure(&chk, "lines"));
        assert_null(lines);
        json_check_free(&chk);
    }
    /* 101 lines is one too many. */
    char *big = malloc(101 * 32 + 32);
    size_t len = (size_t)sprintf(big, "{\"lines\":[");
    for (int i = 0; i < 101; i++)
        len += (size_t)sprintf(big + len, "%s{\"sku\":\"S%d\",\"quantity\":1}", i ? "," : "", i);
    sprintf(big + len, "]}");
    json_check_t chk;
    res_line_t *lines = NULL;
    int n = 0;
    assert_int_not_equal(parse(big, &chk, &lines, &n), 0);
    json_check_free(&chk);
    free(big);
}

static void test_reservation_lines_equal_compares_sets(void **state)
{
    (void)state;
    res_line_t a[] = {{"A", 1}, {"B", 2}};
    res_line_t b[] = {{"A", 1}, {"B", 2}};
    res_line_t c[] = {{"A", 1}, {"B", 3}};
    res_line_t d[] = {{"A", 1}};
    assert_true(reservation_lines_equal(a, 2, b, 2));
    assert_false(reservation_lines_equal(a, 2, c, 2));
    assert_false(reservation_lines_equal(a, 2, d, 1));
}

static void test_reservation_state_machine(void **state)
{
    (void)state;
    assert_int_equal(reservation_on_commit(RES_RESERVED), RES_APPLY);
    assert_int_equal(reservation_on_commit(RES_COMMITTED), RES_NOOP);
    assert_int_equal(reservation_on_commit(RES_RELEASED), RES_REFUSE);
    assert_int_equal(reservation_on_release(RES_RESERVED), RES_APPLY);
    assert_int_equal(reservation_on_release(RES_COMMITTED), RES_NOOP);
    assert_int_equal(reservation_on_release(RES_RELEASED), RES_NOOP);
}

static void test_reservation_names_round_trip(void **state)
{
    (void)state;
    res_status_t s;
    res_reason_t r;
    for (int i = RES_RESERVED; i <= RES_RELEASED; i++) {
        assert_true(reservation_status_parse(reservation_status_name((res_status_t)i), &s));
        assert_int_equal(s, i);
    }
    for (int i = RES_REASON_CANCELLED; i <= RES_REASON_EXPIRED; i++) {
        assert_true(reservation_reason_parse(reservation_reason_name((res_reason_t)i), &r));
        assert_int_equal(r, i);
    }
    assert_string_equal(reservation_reason_name(RES_REASON_PAYMENT_FAILED), "payment_failed");
    assert_null(reservation_reason_name(RES_REASON_NONE));
    assert_false(reservation_reason_parse("lost", &r));
    assert_false(reservation_reason_parse(NULL, &r));
    assert_false(reservation_status_parse("reserved", &s));
}

static void test_reservation_events_map_to_commit_and_release(void **state)
{
    (void)state;
    res_reason_t reason = RES_REASON_NONE;
    assert_int_equal(reservation_action_for_event("payment.events", "PaymentSucceeded", &reason),
                     RES_EVENT_COMMIT);
    assert_int_equal(reservation_action_for_event("payment.events", "PaymentFailed", &reason),
                     RES_EVENT_RELEASE);
    assert_int_equal(reason, RES_REASON_PAYMENT_FAILED);
    assert_int_equal(reservation_action_for_event("order.events", "OrderCancelled", &reason),
                     RES_EVENT_RELEASE);
    assert_int_equal(reason, RES_REASON_CANCELLED);
    /* The same type on another topic, other types, and nothing at all are ignored. */
    assert_int_equal(reservation_action_for_event("order.events", "PaymentSucceeded", &reason),
                     RES_EVENT_IGNORE);
    assert_int_equal(reservation_action_for_event("payment.events", "PaymentRefunded", &reason),
                     RES_EVENT_IGNORE);
    assert_int_equal(reservation_action_for_event("order.events", "OrderCreated", &reason),
                     RES_EVENT_IGNORE);
    assert_int_equal(reservation_action_for_event(NULL, NULL, &reason), RES_EVENT_IGNORE);
}

static void test_reservation_event_order_id_must_be_uuid(void **state)
{
    (void)state;
    cJSON *ok = cJSON_Parse("{\"type\":\"PaymentSucceeded\",\"data\":{\"orderId\":"
                            "\"3f2504e0-4f89-41d3-9a0c-0305e82c3301\",\"paymentId\":\"x\"}}");
    assert_string_equal(reservation_event_order_id(ok), "3f2504e0-4f89-41d3-9a0c-0305e82c3301");
    cJSON_Delete(ok);
    const char *bad[] = {"{}", "{\"data\":{}}", "{\"data\":{\"orderId\":7}}",
                         "{\"data\":{\"orderId\":\"not-a-uuid\"}}",
                         "{\"data\":{\"order_id\":\"3f2504e0-4f89-41d3-9a0c-0305e82c3301\"}}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *e = cJSON_Parse(bad[i]);
        assert_null(reservation_event_order_id(e));
        cJSON_Delete(e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reservation_lines_parsed_and_sorted),
        cmocka_unit_test(test_reservation_lines_bad_input_named),
        cmocka_unit_test(test_reservation_lines_shape_rules),
        cmocka_unit_test(test_reservation_lines_equal_compares_sets),
        cmocka_unit_test(test_reservation_state_machine),
        cmocka_unit_test(test_reservation_names_round_trip),
        cmocka_unit_test(test_reservation_events_map_to_commit_and_release),
        cmocka_unit_test(test_reservation_event_order_id_must_be_uuid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
