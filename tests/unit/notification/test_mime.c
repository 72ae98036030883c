/* test_mime.c - the e-mail builder: headers, encoded words, quoted-printable bodies and
 * the multipart structure (mime.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "mime.h"

#define NID "0b72d66e-4c38-47b1-9092-adfc9809f822"

static mime_mail_t mail(void)
{
    mime_mail_t m = {
        .from = "Store <no-reply@store.local>",
        .to_addr = "asha@example.com",
        .to_name = "Asha",
        .subject = "Your order ORD-000123 is placed",
        .text = "Hello Asha,\nTotal: NPR 1,234.50\n",
        .html = "<p>Hello Asha</p>",
        .notification_id = NID,
        .id_domain = "store.local",
        .date = 0,
    };
    return m;
}

static char *build(const mime_mail_t *m)
{
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(mime_build(m, &out, &len), 0);
    assert_int_equal(len, strlen(out));
    return out;
}

/* The value of header name (up to its line end, unfolded not needed here). */
static void header(const char *msg, const char *name, char *buf, size_t n)
{
    char key[64];
    snprintf(key, sizeof key, "\r\n%s: ", name);
    const char *p = strncmp(msg, key + 2, strlen(key + 2)) == 0 ? msg + strlen(key + 2) : NULL;
    if (p == NULL) {
        p = strstr(msg, key);
        assert_non_null(p);
        p += strlen(key);
    }
    const char *e = strstr(p, "\r\n");
    size_t len = (size_t)(e - p) < n - 1 ? (size_t)(e - p) : n - 1;
    memcpy(buf, p, len);
    buf[len] = '\0';
}

static void test_mime_headers(void **state)
{
    (void)state;
    mime_mail_t m = mail();
    char *msg = build(&m);
    char v[256];
    header(msg, "From", v, sizeof v);
    assert_string_equal(v, "Store <no-reply@store.local>");
    header(msg, "To", v, sizeof v);
    assert_string_equal(v, "Asha <asha@example.com>");
    header(msg, "Subject", v, sizeof v);
    assert_string_equal(v, "Your order ORD-000123 is placed");
    header(msg, "Date", v, sizeof v);
    assert_string_equal(v, "Thu, 01 Jan 1970 00:00:00 +0000");
    header(msg, "Message-ID", v, sizeof v);
    assert_string_equal(v, "<" NID "@store.local>");
    header(msg, "MIME-Version", v, sizeof v);
    assert_string_equal(v, "1.0");
    header(msg, "X-Notification-Id", v, sizeof v);
    assert_string_equal(v, NID);
    /* Headers end with an empty line; every line ends with CRLF. */
    assert_non_null(strstr(msg, "\r\n\r\n"));
    for (const char *p = strchr(msg, '\n'); p != NULL; p = strchr(p + 1, '\n'))
        assert_true(p > msg && p[-1] == '\r');
    free(msg);
}

static void test_mime_same_message_same_bytes(void **state)
{
    (void)state;
    mime_mail_t m = mail();
    m.date = 1764000000;
    char *a = build(&m);
    char *b = build(&m);
    assert_string_equal(a, b);
    free(a);
    free(b);
}

static void test_mime_multipart_alternative(void **state)
{
    (void)state;
    mime_mail_t m = mail();
    char *msg = build(&m);
    const char *boundary = "=_notification_" NID;
    char ct[256];
    header(msg, "Content-Type", ct, sizeof ct);
    assert_string_equal(ct, "multipart/alternative; boundary=\"=_notification_" NID "\"");
    const char *text = strstr(msg, "--=_notification_" NID "\r\nContent-Type: text/plain; "
                                   "charset=UTF-8\r\nContent-Transfer-Encoding: "
                                   "quoted-printable\r\n\r\nHello Asha,\r\n");
    const char *html = strstr(msg, "--=_notification_" NID "\r\nContent-Type: text/html; "
                                   "charset=UTF-8\r\n");
    char closing[128];
    snprintf(closing, sizeof closing, "--%s--\r\n", boundary);
    const char *end = strstr(msg, closing);
    assert_non_null(text);
    assert_non_null(html);
    assert_non_null(end);
    assert_true(text < html && html < end);
    free(msg);
}

static void test_mime_text_only_without_html(void **state)
{
    (void)state;
    mime_mail_t m = mail();
    m.html = NULL;
    char *msg = build(&m);
    char ct[128];
    header(msg, "Content-Type", ct, sizeof ct);
    assert_string_equal(ct, "text/plain; charset=UTF-8");
    assert_null(strstr(msg, "multipart"));
    free(msg);
}

static void test_mime_utf8_subject_is_encoded_word(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(
        mime_header_text("Namaste \xe0\xa4\xa8\xe0\xa4\xae\xe0\xa4\xb8\xe0\xa5\x8d", &out), 0);
    /* "Namaste " + नमस् in UTF-8, base64. */
    assert_string_equal(out, "=?UTF-8?B?TmFtYXN0ZSDgpKjgpK7gpLjgpY0=?=");
    free(out);
}

static void test_mime_long_utf8_subject_folds_on_character_boundaries(void **state)
{
    (void)state;
    char subject[400] = "";
    for (int i = 0; i < 40; i++)
        strcat(subject, "\xc3\xa9"); /* é, two bytes each: 80 bytes */
    char *out = NULL;
    assert_int_equal(mime_header_text(subject, &out), 0);
    /* Two words, folded with CRLF SP, each at most 75 characters. */
    char *fold = strstr(out, "\r\n ");
    assert_non_null(fold);
    assert_true(fold - out <= 75);
    assert_true(strlen(fold + 3) <= 75);
    /* The first word holds 22 whole é (44 bytes), never half of one. */
    assert_string_equal(fold + 3, "=?UTF-8?B?w6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOp?=");
    free(out);
}

static void test_mime_header_injection_is_encoded(void **state)
{
    (void)state;
    mime_mail_t m = mail();
    m.subject = "Hi\r\nBcc: victim@example.com";
    m.to_name = "Evil\r\nBcc: other@example.com";
    char *msg = build(&m);
    assert_null(strstr(msg, "\r\nBcc:"));
    char v[256];
    header(msg, "Subject", v, sizeof v);
    assert_int_equal(strncmp(v, "=?UTF-8?B?", 10), 0);
    free(msg);
}

static void test_mime_display_names(void **state)
{
    (void)state;
    mime_mail_t m = mail();
    char v[256];
    m.to_name = "Sharma, Asha \"A\"";
    char *msg = build(&m);
    header(msg, "To", v, sizeof v);
    assert_string_equal(v, "\"Sharma, Asha \\\"A\\\"\" <asha@example.com>");
    free(msg);
    m.to_name = "\xc3\x89lise";
    msg = build(&m);
    header(msg, "To", v, sizeof v);
    assert_string_equal(v, "=?UTF-8?B?w4lsaXNl?= <asha@example.com>");
    free(msg);
    m.to_name = NULL;
    msg = build(&m);
    header(msg, "To", v, sizeof v);
    assert_string_equal(v, "<asha@example.com>");
    free(msg);
}

static void test_mime_quoted_printable(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(mime_qp("a=b caf\xc3\xa9 \n.dot\ntrailing \t\n", &out), 0);
    assert_string_equal(out, "a=3Db caf=C3=A9=20\r\n=2Edot\r\ntrailing =09\r\n");
    free(out);
    /* Long lines are softly broken at no more than 76 characters. */
    char lon[301];
    memset(lon, 'x', 300);
    lon[300] = '\0';
    assert_int_equal(mime_qp(lon, &out), 0);
    size_t total = 0;
    for (char *line = out; *line != '\0';) {
        char *e = strstr(line, "\r\n");
        size_t n = e != NULL ? (size_t)(e - line) : strlen(line);
        assert_true(n <= 76);
        total += n - (e != NULL ? 1 : 0); /* minus the soft break's '=' */
        line = e != NULL ? e + 2 : line + n;
    }
    assert_int_equal(total, 300);
    free(out);
}

static void test_mime_rejects_bad_addresses(void **state)
{
    (void)state;
    mime_mail_t m = mail();
    char *out = NULL;
    size_t len;
    m.to_addr = "not an address";
    assert_int_equal(mime_build(&m, &out, &len), ERR_INVALID);
    m.to_addr = "a@b.c>\r\nBcc: x@y.z";
    assert_int_equal(mime_build(&m, &out, &len), ERR_INVALID);
    m = mail();
    m.notification_id = "bad id";
    assert_int_equal(mime_build(&m, &out, &len), ERR_INVALID);
    assert_null(out);
}

static void test_mime_address_of(void **state)
{
    (void)state;
    char a[64];
    assert_int_equal(mime_address_of("Store <no-reply@store.local>", a, sizeof a), 0);
    assert_string_equal(a, "no-reply@store.local");
    assert_int_equal(mime_address_of("shop@example.com", a, sizeof a), 0);
    assert_string_equal(a, "shop@example.com");
    assert_int_equal(mime_address_of("Store <broken", a, sizeof a), ERR_INVALID);
    assert_string_equal(mime_domain_of("shop@example.com"), "example.com");
    assert_null(mime_domain_of("nodomain"));
}

static void test_mime_message_id(void **state)
{
    (void)state;
    char id[128];
    assert_int_equal(mime_message_id(NID, "store.local", id, sizeof id), 0);
    assert_string_equal(id, "<" NID "@store.local>");
    assert_int_equal(mime_message_id(NID, "bad domain", id, sizeof id), ERR_INVALID);
    assert_int_equal(mime_message_id(NID, "x.y", id, 10), ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mime_headers),
        cmocka_unit_test(test_mime_same_message_same_bytes),
        cmocka_unit_test(test_mime_multipart_alternative),
        cmocka_unit_test(test_mime_text_only_without_html),
        cmocka_unit_test(test_mime_utf8_subject_is_encoded_word),
        cmocka_unit_test(test_mime_long_utf8_subject_folds_on_character_boundaries),
        cmocka_unit_test(test_mime_header_injection_is_encoded),
        cmocka_unit_test(test_mime_display_names),
        cmocka_unit_test(test_mime_quoted_printable),
        cmocka_unit_test(test_mime_rejects_bad_addresses),
        cmocka_unit_test(test_mime_address_of),
        cmocka_unit_test(test_mime_message_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
