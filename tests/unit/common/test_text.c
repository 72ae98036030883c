/* test_text.c - the stack-first buffer and UTF-8 validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/text.h"

static void test_text_strbuf_stays_on_the_stack_while_it_fits(void **state)
{
    (void)state;
    char storage[8];
    strbuf_t b;
    strbuf_init(&b, storage, sizeof storage);
    strbuf_str(&b, "abc");
    strbuf_add(&b, "defgh", 5);
    assert_false(b.heap);
    assert_ptr_equal(b.p, storage);
    assert_int_equal(b.len, 8);
    assert_memory_equal(b.p, "abcdefgh", 8);
    strbuf_free(&b);
}

static void test_text_strbuf_moves_to_the_heap_keeping_its_bytes(void **state)
{
    (void)state;
    char storage[4];
    strbuf_t b;
    strbuf_init(&b, storage, sizeof storage);
    strbuf_str(&b, "abc");
    for (int i = 0; i < 100; i++)
        strbuf_str(&b, "0123456789");
    assert_true(b.heap);
    assert_false(b.failed);
    assert_int_equal(b.len, 1003);
    assert_memory_equal(b.p, "abc0123456789", 13);
    assert_memory_equal(b.p + 993, "0123456789", 10);
    strbuf_free(&b);
}

static void test_text_utf8_accepts_well_formed_sequences(void **state)
{
    (void)state;
    assert_int_equal(utf8_seq((const unsigned char *)"A", 1), 1);
    assert_int_equal(utf8_seq((const unsigned char *)"\xc3\xa9", 2), 2);         /* é */
    assert_int_equal(utf8_seq((const unsigned char *)"\xe0\xa4\x95", 3), 3);     /* क */
    assert_int_equal(utf8_seq((const unsigned char *)"\xf0\x9f\x9b\x92", 4), 4); /* 🛒 */
    const char *mixed = "Kathmandu काठमाडौं 🛒";
    assert_true(utf8_valid((const unsigned char *)mixed, strlen(mixed)));
}

static void test_text_utf8_rejects_malformed_sequences(void **state)
{
    (void)state;
    assert_int_equal(utf8_seq((const unsigned char *)"\xc0\xaf", 2), 0);         /* overlong */
    assert_int_equal(utf8_seq((const unsigned char *)"\xed\xa0\x80", 3), 0);     /* surrogate */
    assert_int_equal(utf8_seq((const unsigned char *)"\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
    assert_int_equal(utf8_seq((const unsigned char *)"\xe0\xa4", 2), 0);         /* truncated */
    assert_int_equal(utf8_seq((const unsigned char *)"\x80", 1), 0);             /* continuation */
    assert_false(utf8_valid((const unsigned char *)"ok\xff", 3));
}

static void test_text_hex_digits(void **state)
{
    (void)state;
    assert_int_equal(text_hex_digit('0'), 0);
    assert_int_equal(text_hex_digit('9'), 9);
    assert_int_equal(text_hex_digit('a'), 10);
    assert_int_equal(text_hex_digit('F'), 15);
    assert_int_equal(text_hex_digit('g'), -1);
    assert_int_equal(text_hex_digit('/'), -1);
    assert_int_equal(text_hex_digit(0xff), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_strbuf_stays_on_the_stack_while_it_fits),
        cmocka_unit_test(test_text_strbuf_moves_to_the_heap_keeping_its_bytes),
        cmocka_unit_test(test_text_utf8_accepts_well_formed_sequences),
        cmocka_unit_test(test_text_utf8_rejects_malformed_sequences),
        cmocka_unit_test(test_text_hex_digits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
