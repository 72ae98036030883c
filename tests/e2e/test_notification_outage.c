/* test_notification_outage.c - the SMTP server is down during the whole journey: the
 * three mails wait (retried with backoff) and arrive once it is back, none lost and none
 * doubled. The catcher is stopped by its pid and started again on the same port
 * (scripts/stack.sh stop-mailcatcher / start-mailcatcher). "outage" in the name makes
 * ctest run it alone with the other outage tests (RESOURCE_LOCK). */
#include "notification_support.h"

static bool catcher_down;

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
    n_mail_t *mails;
    int count = n_mails_to(email, &mails);
    n_mails_free(mails, count);
    assert_int_equal(count, 0);

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

static int group_setup(void **state)
{
    (void)state;
    stack_load();
    return 0;
}

/* A failed test must not leave the stack without its SMTP server. */
static int group_teardown(void **state)
{
    (void)state;
    if (catcher_down) {
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "RUN_DIR='%s' BUILD_DIR='%s' '%s/scripts/stack.sh' %s",
                 stack_get("RUN_DIR"), stack_get("BUILD_DIR"), getenv("SOURCE_DIR"),
                 "start-mailcatcher");
        if (system(cmd) != 0)
            return -1;
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notification_outage_mails_arrive_after_smtp_returns),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
