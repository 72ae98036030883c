/* test_replicas.c - two identity replicas behind the gateway both serve traffic,
 * and each event is published once although both run a relay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

#define USERS 16

/* The replica's count of served registrations, read from its own /metrics. */
static long registrations_served(const char *base)
{
    char url[512];
    snprintf(url, sizeof url, "%s/metrics", base);
    t_resp_t r;
    if (t_http("GET", url, NULL, NULL, NULL, &r) != 0)
        return -1;
    long total = 0;
    char *save = NULL;
    for (char *line = strtok_r(r.body, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "store_http_requests_total{", 26) != 0 ||
            strstr(line, "route=\"/auth/register\"") == NULL ||
            strstr(line, "status=\"201\"") == NULL)
            continue;
        const char *close = strrchr(line, '}');
        if (close != NULL)
            total += atol(close + 1);
    }
    t_resp_free(&r);
    return total;
}

typedef struct all_events {
    char ids[USERS][37];
    int counts[USERS];
} all_events_t;

static bool every_event_arrived(void *arg)
{
    all_events_t *a = arg;
    cJSON *all = t_topic_read_all("identity.events");
    memset(a->counts, 0, sizeof a->counts);
    const cJSON *ev;
    cJSON_ArrayForEach(ev, all)
    {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(ev, "subject");
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(ev, "type");
        if (!cJSON_IsString(s) || !cJSON_IsString(t) ||
            strcmp(t->valuestring, "UserRegistered") != 0)
            continue;
        for (int i = 0; i < USERS; i++)
            if (strcmp(s->valuestring, a->ids[i]) == 0)
                a->counts[i]++;
    }
    cJSON_Delete(all);
    for (int i = 0; i < USERS; i++)
        if (a->counts[i] == 0)
            return false;
    return true;
}

static void test_replicas_share_traffic_and_publish_once(void **state)
{
    (void)state;
    char replicas[1024];
    snprintf(replicas, sizeof replicas, "%s", stack_get("IDENTITY_URLS"));
    char *second = strchr(replicas, ',');
    assert_non_null(second);
    *second++ = '\0';
    long before_a = registrations_served(replicas);
    long before_b = registrations_served(second);

    all_events_t events;
    for (int i = 0; i < USERS; i++) {
        char email[256], body[512];
        t_unique_email(email, sizeof email, "replica");
        snprintf(body, sizeof body,
                 "{\"email\":\"%s\",\"password\":\"correct horse battery\",\"name\":\"R\","
                 "\"role\":\"customer\"}",
                 email);
        t_resp_t r;
        assert_int_equal(t_gw("POST", "/auth/register", NULL, body, &r), 0);
        assert_int_equal(r.status, 201);
        snprintf(events.ids[i], 37, "%s",
                 cJSON_GetObjectItemCaseSensitive(r.json, "id")->valuestring);
        t_resp_free(&r);
    }

    long served_a = registrations_served(replicas) - before_a;
    long served_b = registrations_served(second) - before_b;
    assert_int_equal(served_a + served_b, USERS);
    assert_true(served_a > 0);
    assert_true(served_b > 0);

    assert_true(t_wait_until(every_event_arrived, &events, 30000));
    for (int i = 0; i < USERS; i++)
        assert_int_equal(events.counts[i], 1);
}

int main(void)
{
    stack_load();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replicas_share_traffic_and_publish_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
