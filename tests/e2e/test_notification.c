/* test_notification.c - the notification service on its own, through the gateway: the
 * contact read model fed by identity's UserRegistered, the user's and the admin's
 * message lists (roles, bad input, only one's own), and the channel preferences. The
 * journey's mails are in test_notification_journey.c and test_notification_outage.c. */
#include "notification_support.h"

static bool contact_stored(void *arg)
{
    const char *user_id = arg;
    return c_sql_long("SELECT count(*) FROM notifications.contacts WHERE user_id = $1", user_id) ==
           1;
}

static void test_notification_contact_from_user_registered(void **state)
{
    (void)state;
    j_user_t u = j_user("customer");
    char email[256];
    n_email_of(&u, email, sizeof email);
    if (!t_wait_until(contact_stored, u.id, 20000))
        fail_msg("no contact for %s after 20 s", u.id);
    c_sql_is("SELECT email FROM notifications.contacts WHERE user_id = $1", u.id, email);
    c_sql_is("SELECT name FROM notifications.contacts WHERE user_id = $1", u.id, "Test customer");
    c_sql_is("SELECT role FROM notifications.contacts WHERE user_id = $1", u.id, "customer");
    /* Sellers are contacts too (they may buy). */
    j_user_t s = j_user("seller");
    if (!t_wait_until(contact_stored, s.id, 20000))
        fail_msg("no contact for seller %s after 20 s", s.id);
    j_user_free(&u);
    j_user_free(&s);
}

static void test_notification_user_list(void **state)
{
    (void)state;
    j_user_t u = j_user("customer");
    t_resp_t r = j_call("GET", "/user/notifications", u.token, NULL, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r.json, "next_cursor")));
    t_resp_free(&r);
    r = j_call("GET", "/user/notifications?limit=5&status=SENT&channel=email", u.token, NULL, 200);
    t_resp_free(&r);
    /* No token, a bad token. */
    r = j_call("GET", "/user/notifications", NULL, NULL, 401);
    t_resp_free(&r);
    r = j_call("GET", "/user/notifications", "not-a-token", NULL, 401);
    t_resp_free(&r);
    /* Bad query parameters name the field. */
    static const struct {
        const char *query, *field;
    } bad[] = {
        {"limit=0", "limit"},          {"limit=101", "limit"},        {"limit=ten", "limit"},
        {"cursor=abc", "cursor"},      {"cursor=-1", "cursor"},       {"status=LOST", "status"},
        {"channel=pigeon", "channel"}, {"order_id=nope", "order_id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "/user/notifications?%s", bad[i].query);
        r = j_call("GET", path, u.token, NULL, 400);
        if (!c_names_field(&r, bad[i].field))
            fail_msg("%s: %s not named in %s", path, bad[i].field, r.body);
        t_resp_free(&r);
    }
    j_user_free(&u);
}

static void test_notification_admin_list(void **state)
{
    (void)state;
    j_user_t customer = j_user("customer"), seller = j_user("seller");
    t_resp_t r = j_call("GET", "/admin/notifications", customer.token, NULL, 403);
    t_resp_free(&r);
    r = j_call("GET", "/admin/notifications", seller.token, NULL, 403);
    t_resp_free(&r);
    r = j_call("GET", "/admin/notifications", NULL, NULL, 401);
    t_resp_free(&r);
    r = j_call("GET", "/admin/notifications?limit=3", j_admin(), NULL, 200);
    assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r.json, "items")));
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")) <= 3);
    t_resp_free(&r);
    r = j_call("GET", "/admin/notifications?user_id=x", j_admin(), NULL, 400);
    assert_true(c_names_field(&r, "user_id"));
    t_resp_free(&r);
    char path[128];
    snprintf(path, sizeof path, "/admin/notifications?user_id=%s", customer.id);
    r = j_call("GET", path, j_admin(), NULL, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 0);
    t_resp_free(&r);
    j_user_free(&customer);
    j_user_free(&seller);
}

static void expect_prefs(const j_user_t *u, bool email, bool sms)
{
    t_resp_t r = j_call("GET", "/user/notification-preferences", u->token, NULL, 200);
    assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "email")), email);
    assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "sms")), sms);
    t_resp_free(&r);
}

static void test_notification_preferences(void **state)
{
    (void)state;
    j_user_t a = j_user("customer"), b = j_user("customer");
    expect_prefs(&a, true, true);
    t_resp_t r = j_call("PUT", "/user/notification-preferences", a.token, "{\"sms\":false}", 200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "email")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r.json, "sms")));
    t_resp_free(&r);
    expect_prefs(&a, true, false);
    r = j_call("PUT", "/user/notification-preferences", a.token, "{\"email\":false,\"sms\":true}",
               200);
    t_resp_free(&r);
    expect_prefs(&a, false, true);
    /* Only the caller's own preferences change. */
    expect_prefs(&b, true, true);
    c_sql_is("SELECT opted_out::text FROM notifications.preferences WHERE user_id = $1 AND "
             "channel = 'email'",
             a.id, "true");

    static const struct {
        const char *body, *field;
    } bad[] = {
        {"{}", "email"},
        {"{\"email\":\"no\"}", "email"},
        {"{\"sms\":0}", "sms"},
        {"{\"push\":true}", "push"},
        {"{\"email\":null}", "email"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = j_call("PUT", "/user/notification-preferences", a.token, bad[i].body, 400);
        if (!c_names_field(&r, bad[i].field))
            fail_msg("%s: %s not named in %s", bad[i].body, bad[i].field, r.body);
        t_resp_free(&r);
    }
    r = j_call("PUT", "/user/notification-preferences", a.token, "{not json", 400);
    t_resp_free(&r);
    r = j_call("PUT", "/user/notification-preferences", a.token, "[true]", 400);
    t_resp_free(&r);
    r = j_call("PUT", "/user/notification-preferences", NULL, "{\"sms\":false}", 401);
    t_resp_free(&r);
    r = j_call("GET", "/user/notification-preferences", NULL, NULL, 401);
    t_resp_free(&r);
    /* The failed attempts changed nothing. */
    expect_prefs(&a, false, true);
    j_user_free(&a);
    j_user_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notification_contact_from_user_registered),
        cmocka_unit_test(test_notification_user_list),
        cmocka_unit_test(test_notification_admin_list),
        cmocka_unit_test(test_notification_preferences),
    };
    return cmocka_run_group_tests(tests, j_group_setup, NULL);
}
