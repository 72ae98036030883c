/* test_notification_journey.c - the whole buying journey through the gateway (checkout,
 * pay with the fake provider, ship) sends the customer exactly three mails, read back
 * from the SMTP catcher: created, paid, shipped, each with the right order number and
 * total; and the SMS channel alongside, through the SMS provider stub. Opting out of a
 * channel stops its messages. */
#include "notification_support.h"

#define EMAIL_SENT_SQL                                                                             \
    "SELECT count(*) FROM notifications.messages WHERE order_id = $1 AND channel = 'email' "       \
    "AND status = 'SENT'"
#define SMS_SENT_SQL                                                                               \
    "SELECT count(*) FROM notifications.messages WHERE order_id = $1 AND channel = 'sms' "         \
    "AND status = 'SENT'"

static void test_notification_journey_sends_three_mails(void **state)
{
    (void)state;
    if (!n_journey_possible())
        skip();
    j_user_t seller = j_user("seller"), customer = j_user("customer"), other = j_user("customer");
    char email[256], order_id[37], number[64], currency[4], tracking[64];
    long total = 0;
    n_email_of(&customer, email, sizeof email);
    j_product_t p = j_product(&seller, "Notify Tea", 125050, 10);
    j_order(&customer, &p, 2, "fake", order_id);
    f_pay(&customer, order_id);
    n_ship(&customer, order_id, tracking);
    n_order_facts(&customer, order_id, number, &total, currency);
    assert_true(total >= 250100);

    n_wait_mails(email, 3, 60000);
    n_wait_count(EMAIL_SENT_SQL, order_id, 3, 60000);
    n_check_journey_mails(email, order_id, number, total, currency, tracking);

    /* The same three went out as SMS to the address's phone, once each. */
    char ids[8][37];
    n_wait_count(SMS_SENT_SQL, order_id, 3, 60000);
    int n = n_message_ids(order_id, "sms", ids, 8);
    assert_int_equal(n, 3);
    for (int i = 0; i < n; i++)
        assert_int_equal(n_sms_with_reference(ids[i]), 1);

    /* The customer sees their six messages; another customer sees none of them. */
    char path[160];
    snprintf(path, sizeof path, "/user/notifications?order_id=%s", order_id);
    t_resp_t r = j_call("GET", path, customer.token, NULL, 200);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 6);
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        assert_string_equal(c_str(it, "status"), "SENT");
        assert_string_equal(c_str(it, "order_id"), order_id);
        assert_null(cJSON_GetObjectItemCaseSensitive(it, "cause_event_id"));
    }
    t_resp_free(&r);
    r = j_call("GET", "/user/notifications?limit=2", customer.token, NULL, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 2);
    const char *cursor = c_str(r.json, "next_cursor");
    assert_non_null(cursor);
    snprintf(path, sizeof path, "/user/notifications?limit=10&cursor=%s", cursor);
    t_resp_free(&r);
    r = j_call("GET", path, customer.token, NULL, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 4);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/user/notifications?order_id=%s", order_id);
    r = j_call("GET", path, other.token, NULL, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 0);
    t_resp_free(&r);
    /* The admin sees them with their causes. */
    snprintf(path, sizeof path, "/admin/notifications?order_id=%s&channel=email", order_id);
    r = j_call("GET", path, j_admin(), NULL, 200);
    items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 3);
    cJSON_ArrayForEach(it, items)
    {
        assert_string_equal(c_str(it, "user_id"), customer.id);
        assert_non_null(c_str(it, "cause_event_id"));
    }
    t_resp_free(&r);

    /* One event makes one message per channel: the key refuses a second. */
    PGconn *db = t_db();
    const char *params[] = {order_id};
    PGresult *res = PQexecParams(
        db,
        "INSERT INTO notifications.messages (id, channel, template, order_id, cause_event_id, "
        "cause_type) SELECT gen_random_uuid(), channel, template, order_id, cause_event_id, "
        "cause_type FROM notifications.messages WHERE order_id = $1 LIMIT 1",
        1, NULL, params, NULL, NULL, 0);
    assert_string_equal(PQresultErrorField(res, PG_DIAG_SQLSTATE), "23505");
    PQclear(res);
    PQfinish(db);

    j_user_free(&seller);
    j_user_free(&customer);
    j_user_free(&other);
}

static void test_notification_opt_out_skips_the_channel(void **state)
{
    (void)state;
    if (!n_journey_possible())
        skip();
    j_user_t seller = j_user("seller"), customer = j_user("customer");
    char email[256], order_id[37];
    n_email_of(&customer, email, sizeof email);
    t_resp_t r =
        j_call("PUT", "/user/notification-preferences", customer.token, "{\"email\":false}", 200);
    t_resp_free(&r);
    j_product_t p = j_product(&seller, "Quiet Tea", 5000, 5);
    j_order(&customer, &p, 1, "fake", order_id);
    /* The e-mail is recorded and skipped; the SMS still goes. */
    n_wait_count("SELECT count(*) FROM notifications.messages WHERE order_id = $1 AND "
                 "channel = 'email' AND status = 'SKIPPED'",
                 order_id, 1, 30000);
    n_wait_count(SMS_SENT_SQL, order_id, 1, 30000);
    n_mail_t *mails;
    int count = n_mails_to(email, &mails);
    n_mails_free(mails, count);
    assert_int_equal(count, 0);
    j_user_free(&seller);
    j_user_free(&customer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notification_journey_sends_three_mails),
        cmocka_unit_test(test_notification_opt_out_skips_the_channel),
    };
    return cmocka_run_group_tests(tests, j_group_setup, NULL);
}
