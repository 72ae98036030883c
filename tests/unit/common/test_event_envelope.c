/* test_event_envelope.c - the CloudEvents envelope: its attributes and validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <string.h>

#include "common/errors.h"
#include "common/events.h"
#include "common/ids.h"

static const char *str(const cJSON *ev, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static cJSON *sample(const event_ctx_t *ctx)
{
    cJSON *data = cJSON_CreateObject();
    cJSON_AddStringToObject(data, "email", "a@example.com");
    return event_envelope("UserRegistered", "7f1d3c2e-8a4b-4c1d-9e2f-0a1b2c3d4e5f",
                          "store.identity.v1.UserRegistered", 3, data, ctx);
}

static int setup(void **state)
{
    (void)state;
    events_init("identity");
    return 0;
}

static void test_event_envelope_has_required_attributes(void **state)
{
    (void)state;
    cJSON *ev = sample(NULL);
    assert_non_null(ev);
    assert_string_equal(str(ev, "specversion"), "1.0");
    assert_true(id_is_uuid(str(ev, "id")));
    assert_string_equal(str(ev, "source"), "/services/identity");
    assert_string_equal(str(ev, "type"), "UserRegistered");
    assert_string_equal(str(ev, "subject"), "7f1d3c2e-8a4b-4c1d-9e2f-0a1b2c3d4e5f");
    assert_string_equal(str(ev, "datacontenttype"), "application/json");
    assert_string_equal(str(ev, "dataschema"), "store.identity.v1.UserRegistered");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(ev, "data");
    assert_true(cJSON_IsObject(data));
    assert_string_equal(str(data, "email"), "a@example.com");
    cJSON_Delete(ev);
}

static void test_event_envelope_time_is_rfc3339_utc_millis(void **state)
{
    (void)state;
    cJSON *ev = sample(NULL);
    const char *t = str(ev, "time");
    /* 2024-05-01T12:34:56.789Z */
    assert_non_null(t);
    assert_int_equal(strlen(t), 24);
    const char *shape = "dddd-dd-ddTdd:dd:dd.dddZ";
    for (size_t i = 0; i < 24; i++) {
        if (shape[i] == 'd')
            assert_true(isdigit((unsigned char)t[i]));
        else
            assert_int_equal(t[i], shape[i]);
    }
    cJSON_Delete(ev);
}

static void test_event_envelope_sequence_is_integer_number(void **state)
{
    (void)state;
    cJSON *ev = sample(NULL);
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(ev, "sequence");
    assert_true(cJSON_IsNumber(seq));
    assert_int_equal((int64_t)seq->valuedouble, 3);
    cJSON_Delete(ev);
}

static void test_event_envelope_new_flow_gets_correlation_and_trace(void **state)
{
    (void)state;
    cJSON *ev = sample(NULL);
    assert_true(id_is_uuid(str(ev, "correlationid")));
    const char *tp = str(ev, "traceparent");
    assert_non_null(tp);
    assert_int_equal(strlen(tp), 55);
    assert_memory_equal(tp, "00-", 3);
    assert_null(cJSON_GetObjectItemCaseSensitive(ev, "causationid"));
    cJSON_Delete(ev);
}

static void test_event_envelope_carries_context(void **state)
{
    (void)state;
    event_ctx_t ctx = {
        .correlation_id = "req-123",
        .causation_id = "0b7c6f1e-2d3a-4b5c-8d9e-1f2a3b4c5d6e",
        .traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    };
    cJSON *ev = sample(&ctx);
    assert_string_equal(str(ev, "correlationid"), "req-123");
    assert_string_equal(str(ev, "causationid"), "0b7c6f1e-2d3a-4b5c-8d9e-1f2a3b4c5d6e");
    assert_string_equal(str(ev, "traceparent"),
                        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    cJSON_Delete(ev);
}

static void test_event_envelope_ids_differ(void **state)
{
    (void)state;
    cJSON *a = sample(NULL), *b = sample(NULL);
    assert_string_not_equal(str(a, "id"), str(b, "id"));
    cJSON_Delete(a);
    cJSON_Delete(b);
}

static void test_event_envelope_null_data_becomes_empty_object(void **state)
{
    (void)state;
    cJSON *ev = event_envelope("Ping", "s1", NULL, 0, NULL, NULL);
    assert_non_null(ev);
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(ev, "data");
    assert_true(cJSON_IsObject(data));
    assert_null(data->child);
    assert_null(cJSON_GetObjectItemCaseSensitive(ev, "dataschema"));
    assert_int_equal(event_validate(ev), 0);
    cJSON_Delete(ev);
}

static void test_event_envelope_without_type_frees_data(void **state)
{
    (void)state;
    /* Ownership of data passes even on failure; ASan reports a leak otherwise. */
    assert_null(event_envelope(NULL, "s1", NULL, 0, cJSON_CreateObject(), NULL));
}

static void test_event_validate_accepts_envelope(void **state)
{
    (void)state;
    cJSON *ev = sample(NULL);
    assert_int_equal(event_validate(ev), 0);
    cJSON_Delete(ev);
}

static void test_event_validate_rejects_missing_required(void **state)
{
    (void)state;
    const char *required[] = {"specversion", "id", "source", "type", "subject", "time", "data"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        cJSON *ev = sample(NULL);
        cJSON_DeleteItemFromObjectCaseSensitive(ev, required[i]);
        assert_int_equal(event_validate(ev), ERR_INVALID);
        cJSON_Delete(ev);
    }
}

static void test_event_validate_rejects_wrong_types(void **state)
{
    (void)state;
    const char *strings[] = {
        "specversion", "id",         "source",      "type",          "subject",
        "time",        "dataschema", "traceparent", "correlationid", "datacontenttype"};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        cJSON *ev = sample(NULL);
        cJSON_ReplaceItemInObjectCaseSensitive(ev, strings[i], cJSON_CreateNumber(1));
        assert_int_equal(event_validate(ev), ERR_INVALID);
        cJSON_Delete(ev);
    }
    cJSON *ev = sample(NULL);
    cJSON_ReplaceItemInObjectCaseSensitive(ev, "data", cJSON_CreateString("{}"));
    assert_int_equal(event_validate(ev), ERR_INVALID);
    cJSON_ReplaceItemInObjectCaseSensitive(ev, "data", cJSON_CreateArray());
    assert_int_equal(event_validate(ev), ERR_INVALID);
    cJSON_Delete(ev);
}

static void test_event_validate_rejects_other_specversion(void **state)
{
    (void)state;
    cJSON *ev = sample(NULL);
    cJSON_ReplaceItemInObjectCaseSensitive(ev, "specversion", cJSON_CreateString("0.3"));
    assert_int_equal(event_validate(ev), ERR_INVALID);
    cJSON_Delete(ev);
}

static void test_event_validate_rejects_non_uuid_id(void **state)
{
    (void)state;
    cJSON *ev = sample(NULL);
    cJSON_ReplaceItemInObjectCaseSensitive(ev, "id", cJSON_CreateString("not-a-uuid"));
    assert_int_equal(event_validate(ev), ERR_INVALID);
    cJSON_Delete(ev);
}

static void test_event_validate_checks_sequence(void **state)
{
    (void)state;
    cJSON *ev = sample(NULL);
    cJSON_ReplaceItemInObjectCaseSensitive(ev, "sequence", cJSON_CreateString("42"));
    assert_int_equal(event_validate(ev), 0);
    cJSON_ReplaceItemInObjectCaseSensitive(ev, "sequence", cJSON_CreateNumber(-1));
    assert_int_equal(event_validate(ev), ERR_INVALID);
    cJSON_ReplaceItemInObjectCaseSensitive(ev, "sequence", cJSON_CreateNumber(1.5));
    assert_int_equal(event_validate(ev), ERR_INVALID);
    cJSON_ReplaceItemInObjectCaseSensitive(ev, "sequence", cJSON_CreateString("4x"));
    assert_int_equal(event_validate(ev), ERR_INVALID);
    cJSON_ReplaceItemInObjectCaseSensitive(ev, "sequence", cJSON_CreateTrue());
    assert_int_equal(event_validate(ev), ERR_INVALID);
    cJSON_DeleteItemFromObjectCaseSensitive(ev, "sequence");
    assert_int_equal(event_validate(ev), 0);
    cJSON_Delete(ev);
}

static void test_event_validate_rejects_non_objects(void **state)
{
    (void)state;
    cJSON *arr = cJSON_CreateArray();
    assert_int_equal(event_validate(arr), ERR_INVALID);
    assert_int_equal(event_validate(NULL), ERR_INVALID);
    cJSON_Delete(arr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_envelope_has_required_attributes),
        cmocka_unit_test(test_event_envelope_time_is_rfc3339_utc_millis),
        cmocka_unit_test(test_event_envelope_sequence_is_integer_number),
        cmocka_unit_test(test_event_envelope_new_flow_gets_correlation_and_trace),
        cmocka_unit_test(test_event_envelope_carries_context),
        cmocka_unit_test(test_event_envelope_ids_differ),
        cmocka_unit_test(test_event_envelope_null_data_becomes_empty_object),
        cmocka_unit_test(test_event_envelope_without_type_frees_data),
        cmocka_unit_test(test_event_validate_accepts_envelope),
        cmocka_unit_test(test_event_validate_rejects_missing_required),
        cmocka_unit_test(test_event_validate_rejects_wrong_types),
        cmocka_unit_test(test_event_validate_rejects_other_specversion),
        cmocka_unit_test(test_event_validate_rejects_non_uuid_id),
        cmocka_unit_test(test_event_validate_checks_sequence),
        cmocka_unit_test(test_event_validate_rejects_non_objects),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
