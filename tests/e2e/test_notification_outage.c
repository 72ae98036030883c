/* test_notification_outage.c - faults around mail delivery:
 *
 *   - the SMTP server is down during the whole journey: the three mails wait (retried with
 *     backoff) and arrive once it is back, none lost and none doubled. The catcher is
 *     stopped by its pid and started again on the same port (scripts/stack.sh
 *     stop-mailcatcher / start-mailcatcher);
 *   - the notification daemon is killed (SIGKILL) after the SMTP server stored a mail but
 *     before the daemon heard the "250": after its lease the restarted daemon sends it
 *     again with the same Message-ID, and the catcher keeps one copy (the resend shows in
 *     its duplicates.log). The SMS of the same event, replayed with its Idempotency-Key,
 *     is one SMS at the provider.
 *
 * "outage" in the name makes ctest run it alone with the other outage tests
 * (RESOURCE_LOCK devbroker), since it stops shared parts of the stack. */
#include "notification_support.h"

static bool catcher_down, holding, daemon_killed;
static char hold_file[1024];

/* The messages waiting for delivery (pending + sending) on the notification service's
 * /metrics (its first replica); -1 when a line is missing. */
static long backlog_metric(void)
{
    char base[512], url[600];
    snprintf(base, sizeof base, "%s", stack_get("NOTIFICATION_URLS"));
    base[strcspn(base, ",")] = '\0';
    snprintf(url, sizeof url, "%s/metrics", base);
    t_resp_t r;
    assert_int_equal(t_http("GET", url, NULL, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    long n = 0;
    static const char *const lines[] = {"store_notification_messages{status=\"pending\"} ",
                                        "store_notification_messages{status=\"sending\"} "};
    for (int i = 0; i < 2 && n >= 0; i++) {
        const char *line = strstr(r.body, lines[i]);
        n = line != NULL ? n + atol(line + strlen(lines[i])) : -1;
    }
    t_resp_free(&r);
    return n;
}

static void test_notification_outage_mails_arrive_after_smtp_returns(void **state)
{
    (void)state;
    if (!n_journey_possible())
        skip();
    j_user_t seller = j_user("seller"), customer = j_user("customer");
    char email[256], order_id[37], number[64], currency[4], tracking[64];
    long total = 0;
    n_email_of(&customer, email, sizeof email);
    j_product_t p = j_product(&seller, "Outage Tea", 99900, 10);

    n_stack("stop-mailcatcher");
    catcher_down = true;
    j_order(&customer, &p, 1, "fake", order_id);
    f_pay(&customer, order_id);
    n_ship(&customer, order_id, tracking);
    n_order_facts(&customer, order_id, number, &total, currency);

    /* All three were tried and failed, and wait for their next attempt. */
    n_wait_count("SELECT count(*) FROM notifications.messages WHERE order_id = $1 AND "
                 "channel = 'email' AND status = 'PENDING' AND attempts >= 1 AND "
                 "last_error IS NOT NULL",
                 order_id, 3, 60000);
    /* And were retried: the outage lasts at least a second attempt of each. */
    n_wait_count("SELECT count(*) FROM notifications.messages WHERE order_id = $1 AND "
                 "channel = 'email' AND status = 'PENDING' AND attempts >= 2",
                 order_id, 3, 60000);
    n_mail_t *mails;
    int count = n_mails_to(email, &mails);
    n_mails_free(mails, count);
    assert_int_equal(count, 0);
    /* Operators see the backlog on the service's /metrics. */
    assert_true(backlog_metric() >= 3);

    n_stack("start-mailcatcher");
    catcher_down = false;
    n_wait_mails(email, 3, 60000);
    n_wait_count("SELECT count(*) FROM notifications.messages WHERE order_id = $1 AND "
                 "channel = 'email' AND status = 'SENT'",
                 order_id, 3, 60000);
    n_check_journey_mails(email, order_id, number, total, currency, tracking);
    j_user_free(&seller);
    j_user_free(&customer);
}

static void test_notification_killed_mid_send_is_not_sent_twice(void **state)
{
    (void)state;
    if (!n_journey_possible())
        skip();
    j_user_t seller = j_user("seller"), customer = j_user("customer");
    char email[256], order_id[37], ids[4][37];
    n_email_of(&customer, email, sizeof email);
    j_product_t p = j_product(&seller, "Crash Tea", 4200, 10);

    /* The catcher stores each mail but holds back its "250" while the file exists. */
    FILE *f = fopen(hold_file, "w");
    assert_non_null(f);
    fclose(f);
    holding = true;
    j_order(&customer, &p, 1, "fake", order_id);
    n_wait_mails(email, 1, 30000);
    assert_int_equal(n_message_ids(order_id, "email", ids, 4), 1);
    /* Stored by the server, still SENDING for the daemon: the worst moment to die. */
    c_sql_is("SELECT status FROM notifications.messages WHERE id = $1", ids[0], "SENDING");
    n_stack("kill notification");
    daemon_killed = true;
    unlink(hold_file);
    holding = false;
    n_stack("restart notification");
    daemon_killed = false;

    /* After the lease the new daemon takes the message over and sends it again. */
    n_wait_count("SELECT count(*) FROM notifications.messages WHERE id = $1 AND "
                 "status = 'SENT'",
                 ids[0], 1, 60000);
    c_sql_is("SELECT attempts::text FROM notifications.messages WHERE id = $1", ids[0], "2");
    n_mail_t *mails;
    int count = n_mails_to(email, &mails);
    assert_int_equal(count, 1);
    assert_string_equal(mails[0].notification_id, ids[0]);
    /* The resend reached the catcher, which recognised it and kept one copy. */
    assert_int_equal(n_duplicates_of(mails[0].message_id), 1);
    n_mails_free(mails, count);
    j_wait_events("notification.events", "NotificationSent", ids[0], 1, 20000);

    /* The SMS of the same event: one at the provider, however often it was tried. */
    n_wait_count("SELECT count(*) FROM notifications.messages WHERE order_id = $1 AND "
                 "channel = 'sms' AND status = 'SENT'",
                 order_id, 1, 60000);
    assert_int_equal(n_message_ids(order_id, "sms", ids, 4), 1);
    assert_int_equal(n_sms_with_reference(ids[0]), 1);
    j_user_free(&seller);
    j_user_free(&customer);
}

static int group_setup(void **state)
{
    (void)state;
    stack_load();
    snprintf(hold_file, sizeof hold_file, "%s/.hold", stack_get("MAIL_DIR"));
    return 0;
}

/* A failed test must not leave the stack without its SMTP server. */
static int stack_cmd(const char *subcommand)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "RUN_DIR='%s' BUILD_DIR='%s' '%s/scripts/stack.sh' %s",
             stack_get("RUN_DIR"), stack_get("BUILD_DIR"), getenv("SOURCE_DIR"), subcommand);
    return system(cmd) == 0 ? 0 : -1;
}

/* A failed test must not leave the stack without its SMTP server or its daemon. */
static int group_teardown(void **state)
{
    (void)state;
    int rc = 0;
    if (holding)
        unlink(hold_file);
    if (catcher_down && stack_cmd("start-mailcatcher") != 0)
        rc = -1;
    if (daemon_killed && stack_cmd("restart notification") != 0)
        rc = -1;
    return rc;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notification_outage_mails_arrive_after_smtp_returns),
        cmocka_unit_test(test_notification_killed_mid_send_is_not_sent_twice),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
