/* test_broker_outage.c - with every Kafka broker down, registration still
 * succeeds; once the brokers are back its event arrives, exactly once. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>

#include "support.h"

static pid_t broker_pid(void)
{
    return (pid_t)atol(stack_get("DEVBROKER_PID"));
}

typedef struct outbox_wait {
    const char *user_id;
} outbox_wait_t;

static bool outbox_row_sent(void *arg)
{
    outbox_wait_t *w = arg;
    PGconn *db = t_db();
    const char *params[] = {w->user_id};
    char *sent = t_sql_value(db,
                             "SELECT count(*) FROM identity.outbox WHERE key = $1 AND "
                             "sent_at IS NOT NULL",
                             1, params);
    bool done = sent != NULL && strcmp(sent, "1") == 0;
    free(sent);
    PQfinish(db);
    return done;
}

static bool event_on_topic(void *arg)
{
    outbox_wait_t *w = arg;
    return t_topic_count("identity.events", "UserRegistered", w->user_id) > 0;
}

static void test_broker_outage_delays_but_never_loses_events(void **state)
{
    (void)state;
    assert_int_equal(kill(broker_pid(), SIGUSR1), 0);

    char email[256], body[1024];
    t_unique_email(email, sizeof email, "outage");
    snprintf(body, sizeof body,
             "{\"email\":\"%s\",\"password\":\"correct horse battery\",\"name\":\"Outage\","
             "\"role\":\"customer\"}",
             email);
    t_resp_t r;
    int rc = t_gw("POST", "/auth/register", NULL, body, &r);
    if (rc != 0 || r.status != 201)
        kill(broker_pid(), SIGUSR2);
    assert_int_equal(rc, 0);
    assert_int_equal(r.status, 201);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(r.json, "id");
    char user_id[37];
    snprintf(user_id, sizeof user_id, "%s", id->valuestring);
    t_resp_free(&r);

    /* While the brokers are down the event waits in the outbox, unsent. */
    outbox_wait_t w = {.user_id = user_id};
    bool sent_while_down = t_wait_until(outbox_row_sent, &w, 1500);
    assert_int_equal(kill(broker_pid(), SIGUSR2), 0);
    assert_false(sent_while_down);

    assert_true(t_wait_until(outbox_row_sent, &w, 30000));
    assert_true(t_wait_until(event_on_topic, &w, 15000));
    assert_int_equal(t_topic_count("identity.events", "UserRegistered", user_id), 1);
}

int main(void)
{
    stack_load();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broker_outage_delays_but_never_loses_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
