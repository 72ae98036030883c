/* notification_support.h - what the notification end-to-end tests share: the mails the
 * stack's SMTP catcher saved (the .eml files in MAIL_DIR) read back and decoded, the SMS the SMS
 * stub accepted (SMS_DIR), the catcher's duplicates log, stopping and starting the
 * catcher (scripts/stack.sh stop-mailcatcher / start-mailcatcher), and the buying journey
 * up to a shipped parcel. Header-only (static inline), like journey_support.h.
 */
#ifndef TEST_NOTIFICATION_SUPPORT_H
#define TEST_NOTIFICATION_SUPPORT_H

#include "fulfillment_support.h"

#include <ctype.h>
#include <dirent.h>
#include <strings.h>

/* One saved mail, decoded enough to check what it says. */
typedef struct n_mail {
    char file[256];
    char subject[512];
    char message_id[256];
    char notification_id[64];
    char *text; /* the text/plain part, quoted-printable decoded */
} n_mail_t;

/* The value of a header in a raw message (first occurrence, not unfolded), into buf. */
static inline bool n_header(const char *raw, const char *name, char *buf, size_t len)
{
    size_t n = strlen(name);
    const char *end = strstr(raw, "\r\n\r\n");
    for (const char *p = raw; p != NULL && (end == NULL || p < end);) {
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            p += n + 1;
            while (*p == ' ')
                p++;
            size_t l = strcspn(p, "\r\n");
            snprintf(buf, len, "%.*s", (int)l, p);
            return true;
        }
        p = strstr(p, "\r\n");
        if (p != NULL)
            p += 2;
    }
    buf[0] = '\0';
    return false;
}

/* Decodes quoted-printable text (soft breaks, =XX) into a new string. */
static inline char *n_qp_decode(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    size_t o = 0;
    assert_non_null(out);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '=' && i + 2 < len && s[i + 1] == '\r' && s[i + 2] == '\n') {
            i += 2;
        } else if (s[i] == '=' && i + 2 < len && isxdigit((unsigned char)s[i + 1]) &&
                   isxdigit((unsigned char)s[i + 2])) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            out[o++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else if (s[i] != '\r') {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

/* The decoded text/plain part of a raw message ("" when it has none); caller frees. */
static inline char *n_text_part(const char *raw)
{
    const char *p = strstr(raw, "Content-Type: text/plain");
    const char *body = p != NULL ? strstr(p, "\r\n\r\n") : NULL;
    if (body == NULL)
        return strdup("");
    body += 4;
    const char *end = strstr(body, "\r\n--=_");
    return n_qp_decode(body, end != NULL ? (size_t)(end - body) : strlen(body));
}

static inline void n_mails_free(n_mail_t *mails, int count)
{
    for (int i = 0; i < count; i++)
        free(mails[i].text);
    free(mails);
}

/* Every mail in MAIL_DIR whose envelope recipient is email; *out (free with
 * n_mails_free) sorted by file name, which is the order they arrived in. */
static inline int n_mails_to(const char *email, n_mail_t **out)
{
    const char *dir = stack_get("MAIL_DIR");
    char want[300];
    int count = 0, cap = 8;
    n_mail_t *mails = calloc((size_t)cap, sizeof *mails);
    struct dirent **names = NULL;
    snprintf(want, sizeof want, "<%s>", email);
    int n = scandir(dir, &names, NULL, alphasort);
    assert_true(n >= 0);
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        size_t nl = strlen(name);
        if (name[0] != '.' && nl > 4 && strcmp(name + nl - 4, ".eml") == 0) {
            char path[1024], to[512];
            snprintf(path, sizeof path, "%s/%s", dir, name);
            char *raw = t_read_file(path);
            if (n_header(raw, "X-Envelope-To", to, sizeof to) && strcmp(to, want) == 0) {
                if (count == cap) {
                    cap *= 2;
                    mails = realloc(mails, (size_t)cap * sizeof *mails);
                    assert_non_null(mails);
                }
                n_mail_t *m = &mails[count++];
                memset(m, 0, sizeof *m);
                snprintf(m->file, sizeof m->file, "%s", name);
                n_header(raw, "Subject", m->subject, sizeof m->subject);
                n_header(raw, "Message-ID", m->message_id, sizeof m->message_id);
                n_header(raw, "X-Notification-Id", m->notification_id, sizeof m->notification_id);
                m->text = n_text_part(raw);
            }
            free(raw);
        }
        free(names[i]);
    }
    free(names);
    *out = mails;
    return count;
}

typedef struct n_mail_wait {
    const char *email;
    int want, last;
} n_mail_wait_t;

static inline bool n_mail_count_reached(void *arg)
{
    n_mail_wait_t *w = arg;
    n_mail_t *mails;
    w->last = n_mails_to(w->email, &mails);
    n_mails_free(mails, w->last);
    return w->last >= w->want;
}

/* Waits until at least want mails to email were saved; fails the test otherwise. */
static inline void n_wait_mails(const char *email, int want, int timeout_ms)
{
    n_mail_wait_t w = {.email = email, .want = want};
    if (!t_wait_until(n_mail_count_reached, &w, timeout_ms))
        fail_msg("%d mails to %s after %d ms, want %d", w.last, email, timeout_ms, want);
}

/* Lines of MAIL_DIR/duplicates.log naming message_id: resends the catcher dropped. */
static inline int n_duplicates_of(const char *message_id)
{
    char path[1024], line[1024];
    int n = 0;
    snprintf(path, sizeof path, "%s/duplicates.log", stack_get("MAIL_DIR"));
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL)
        if (strstr(line, message_id) != NULL)
            n++;
    fclose(f);
    return n;
}

/* How many SMS the stub accepted with this reference (a notification id). */
static inline int n_sms_with_reference(const char *reference)
{
    const char *dir = stack_get("SMS_DIR");
    char want[512];
    int count = 0;
    if (snprintf(want, sizeof want, "\"reference\": \"%s\"", reference) >= (int)sizeof want)
        return 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "sms-", 4) != 0)
            continue;
        char path[1024];
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
            continue;
        char *raw = t_read_file(path);
        if (strstr(raw, want) != NULL)
            count++;
        free(raw);
    }
    closedir(d);
    return count;
}

/* Runs scripts/stack.sh with a subcommand against the test stack; fails unless it exits 0. */
static inline void n_stack(const char *subcommand)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "RUN_DIR='%s' BUILD_DIR='%s' '%s/scripts/stack.sh' %s",
             stack_get("RUN_DIR"), stack_get("BUILD_DIR"), getenv("SOURCE_DIR"), subcommand);
    if (system(cmd) != 0)
        fail_msg("%s failed", cmd);
}

/* The signed-in user's e-mail address (GET /user/me) into buf. */
static inline void n_email_of(const j_user_t *u, char *buf, size_t len)
{
    t_resp_t r = j_call("GET", "/user/me", u->token, NULL, 200);
    snprintf(buf, len, "%s", c_str(r.json, "email"));
    t_resp_free(&r);
}

/* Formats minor units of a two-decimal currency as the templates do ("NPR 1,234.50"). */
static inline void n_money(long minor, const char *currency, char *buf, size_t len)
{
    char digits[32], grouped[48];
    size_t g = 0;
    snprintf(digits, sizeof digits, "%ld", minor / 100);
    size_t dl = strlen(digits);
    for (size_t i = 0; i < dl; i++) {
        if (i > 0 && (dl - i) % 3 == 0)
            grouped[g++] = ',';
        grouped[g++] = digits[i];
    }
    grouped[g] = '\0';
    snprintf(buf, len, "%s %s.%02ld", currency, grouped, minor % 100);
}

/* Whether the stack runs the services the journey needs. */
static inline bool n_journey_possible(void)
{
    return getenv("ORDER_URLS") != NULL && getenv("PAYMENT_URLS") != NULL &&
           getenv("FULFILLMENT_URLS") != NULL;
}

/* Ships the order's one shipment: a courier for every zone is assigned, then the admin
 * moves it PACKING and SHIPPED. The tracking number into tracking[64]. */
static inline void n_ship(const j_user_t *customer, const char *order_id, char tracking[64])
{
    char courier[37], name[40], hex[9], path[160], body[96];
    j_hex8(hex);
    snprintf(name, sizeof name, "Notify Courier %s", hex);
    f_courier(name, NULL, 1000, courier, NULL);
    t_resp_t tr = f_wait_tracking(customer->token, order_id, 1);
    const cJSON *s = f_shipment_of(&tr, NULL);
    char shipment[37];
    snprintf(shipment, sizeof shipment, "%s", c_str(s, "shipment_id"));
    t_resp_free(&tr);
    snprintf(path, sizeof path, "/admin/shipments/%s/courier", shipment);
    snprintf(body, sizeof body, "{\"courier_id\":\"%s\"}", courier);
    t_resp_t r = j_call("PUT", path, j_admin(), body, 200);
    t_resp_free(&r);
    r = f_move(j_admin(), "/admin", shipment, "PACKING", 200);
    t_resp_free(&r);
    r = f_move(j_admin(), "/admin", shipment, "SHIPPED", 200);
    const char *t = c_str(r.json, "tracking_number");
    snprintf(tracking, 64, "%s", t != NULL ? t : "");
    t_resp_free(&r);
    j_wait_order(customer->token, order_id, "order_status", "SHIPPED", 30000);
}

/* The order as its customer reads it: number, total and currency. */
static inline void n_order_facts(const j_user_t *customer, const char *order_id, char number[64],
                                 long *total, char currency[4])
{
    char path[128];
    snprintf(path, sizeof path, "/orders/%s", order_id);
    t_resp_t r = j_call("GET", path, customer->token, NULL, 200);
    snprintf(number, 64, "%s", c_str(r.json, "order_number"));
    *total = (long)c_num(r.json, "final_price");
    snprintf(currency, 4, "%s", c_str(r.json, "currency"));
    t_resp_free(&r);
}

typedef struct n_count_wait {
    const char *sql, *param;
    long want, last;
} n_count_wait_t;

static inline bool n_count_reached(void *arg)
{
    n_count_wait_t *w = arg;
    w->last = c_sql_long(w->sql, w->param);
    return w->last == w->want;
}

/* Waits until sql (one parameter, one count) yields want; fails the test otherwise. */
static inline void n_wait_count(const char *sql, const char *param, long want, int timeout_ms)
{
    n_count_wait_t w = {.sql = sql, .param = param, .want = want};
    if (!t_wait_until(n_count_reached, &w, timeout_ms))
        fail_msg("%s [%s]: %ld after %d ms, want %ld", sql, param, w.last, timeout_ms, want);
}

/* The ids of the order's messages on channel, oldest first (up to max), into ids. */
static inline int n_message_ids(const char *order_id, const char *channel, char ids[][37], int max)
{
    PGconn *db = t_db();
    const char *p[] = {order_id, channel};
    PGresult *res = PQexecParams(db,
                                 "SELECT id FROM notifications.messages WHERE order_id = $1 "
                                 "AND channel = $2 ORDER BY seq",
                                 2, NULL, p, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    int n = PQntuples(res) < max ? PQntuples(res) : max;
    for (int i = 0; i < n; i++)
        snprintf(ids[i], 37, "%s", PQgetvalue(res, i, 0));
    PQclear(res);
    PQfinish(db);
    return n;
}

/* The mail among mails whose subject is want; fails the test when there is none. */
static inline const n_mail_t *n_mail_with_subject(const n_mail_t *mails, int count,
                                                  const char *want)
{
    for (int i = 0; i < count; i++)
        if (strcmp(mails[i].subject, want) == 0)
            return &mails[i];
    fail_msg("no mail with subject \"%s\" among %d", want, count);
    return NULL;
}

/* Checks the three mails of a journey that reached SHIPPED (created, paid, shipped) to
 * email: exactly three, each naming the order and its total, each sent once (its
 * Message-ID is its notification's, the catcher dropped no resend of it, and one
 * NotificationSent went out for it). */
static inline void n_check_journey_mails(const char *email, const char *order_id,
                                         const char *number, long total, const char *currency,
                                         const char *tracking)
{
    char subject[256], want[128], money[64], mid[128];
    n_mail_t *mails;
    int count = n_mails_to(email, &mails);
    if (count != 3) {
        for (int i = 0; i < count; i++)
            print_message("mail %d: %s\n", i, mails[i].subject);
        fail_msg("%d mails to %s, want exactly 3", count, email);
    }
    n_money(total, currency, money, sizeof money);

    snprintf(subject, sizeof subject, "Your order %s is placed", number);
    const n_mail_t *created = n_mail_with_subject(mails, count, subject);
    snprintf(want, sizeof want, "Total:     %s", money);
    if (strstr(created->text, want) == NULL)
        fail_msg("order_created mail lacks \"%s\":\n%s", want, created->text);

    snprintf(subject, sizeof subject, "Payment received for order %s", number);
    const n_mail_t *paid = n_mail_with_subject(mails, count, subject);
    snprintf(want, sizeof want, "Total paid:  %s", money);
    if (strstr(paid->text, want) == NULL)
        fail_msg("payment_succeeded mail lacks \"%s\":\n%s", want, paid->text);

    snprintf(subject, sizeof subject, "Your order %s has shipped", number);
    const n_mail_t *shipped = n_mail_with_subject(mails, count, subject);
    snprintf(want, sizeof want, "Order total: %s", money);
    if (strstr(shipped->text, want) == NULL)
        fail_msg("order_shipped mail lacks \"%s\":\n%s", want, shipped->text);
    if (tracking != NULL && tracking[0] != '\0') {
        snprintf(want, sizeof want, "Tracking number: %s", tracking);
        if (strstr(shipped->text, want) == NULL)
            fail_msg("order_shipped mail lacks \"%s\":\n%s", want, shipped->text);
    }

    for (int i = 0; i < count; i++) {
        const n_mail_t *m = &mails[i];
        snprintf(mid, sizeof mid, "<%s@store.local>", m->notification_id);
        assert_string_equal(m->message_id, mid);
        assert_int_equal(n_duplicates_of(m->message_id), 0);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(mails[j].notification_id, m->notification_id);
        snprintf(want, sizeof want, "SENT %s", order_id);
        c_sql_is("SELECT status || ' ' || order_id FROM notifications.messages WHERE id = $1",
                 m->notification_id, want);
        j_wait_events("notification.events", "NotificationSent", m->notification_id, 1, 20000);
        assert_int_equal(
            t_topic_count("notification.events", "NotificationFailed", m->notification_id), 0);
    }
    n_mails_free(mails, count);
}

#endif
