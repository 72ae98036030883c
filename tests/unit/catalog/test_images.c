/* test_images.c - image files are recognised by their bytes, never by the declared
 * type, and stored names cannot escape the image directory (services/catalog/images.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "images.h"

static const unsigned char JPEG[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F'};
static const unsigned char PNG[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
                                    0,    0,   0,   13,  'I',  'H',  'D',  'R'};
static const unsigned char WEBP[] = {'R', 'I', 'F', 'F', 0x24, 0,   0,   0,
                                     'W', 'E', 'B', 'P', 'V',  'P', '8', ' '};

static void test_images_sniff_by_magic_bytes(void **state)
{
    (void)state;
    assert_int_equal(image_sniff(JPEG, sizeof JPEG), IMAGE_JPEG);
    assert_int_equal(image_sniff(PNG, sizeof PNG), IMAGE_PNG);
    assert_int_equal(image_sniff(WEBP, sizeof WEBP), IMAGE_WEBP);
    const char *text = "hello, this is not an image\n";
    assert_int_equal(image_sniff(text, strlen(text)), IMAGE_UNKNOWN);
    const char *gif = "GIF89a\x01\x00\x01\x00";
    assert_int_equal(image_sniff(gif, 10), IMAGE_UNKNOWN);
    /* Truncated signatures are not images. */
    assert_int_equal(image_sniff(PNG, 8), IMAGE_UNKNOWN);
    assert_int_equal(image_sniff(JPEG, 2), IMAGE_UNKNOWN);
    assert_int_equal(image_sniff("RIFF\0\0\0\0WAVEfmt ", 16), IMAGE_UNKNOWN);
    assert_int_equal(image_sniff(NULL, 0), IMAGE_UNKNOWN);
}

static void test_images_declared_type_must_agree(void **state)
{
    (void)state;
    assert_true(image_declared_type_ok("image/png", IMAGE_PNG));
    assert_true(image_declared_type_ok("IMAGE/PNG; charset=binary", IMAGE_PNG));
    assert_true(image_declared_type_ok(NULL, IMAGE_WEBP));
    assert_true(image_declared_type_ok("application/octet-stream", IMAGE_JPEG));
    assert_true(image_declared_type_ok("image/jpg", IMAGE_JPEG));
    assert_false(image_declared_type_ok("image/jpeg", IMAGE_PNG));
    assert_false(image_declared_type_ok("text/plain", IMAGE_PNG));
    assert_false(image_declared_type_ok("image/pngx", IMAGE_PNG));
    assert_false(image_declared_type_ok("image/png", IMAGE_UNKNOWN));
    assert_false(image_declared_type_ok(NULL, IMAGE_UNKNOWN));
}

static void test_images_names(void **state)
{
    (void)state;
    char name[48];
    image_file_name("0b72d66e-4c38-47b1-9092-adfc9809f822", IMAGE_WEBP, name);
    assert_string_equal(name, "0b72d66e-4c38-47b1-9092-adfc9809f822.webp");
    assert_int_equal(image_name_type(name), IMAGE_WEBP);
    assert_int_equal(image_name_type("0b72d66e-4c38-47b1-9092-adfc9809f822.jpg"), IMAGE_JPEG);
    assert_int_equal(image_name_type("0b72d66e-4c38-47b1-9092-adfc9809f822.png"), IMAGE_PNG);
    const char *bad[] = {
        "../../etc/passwd",
        "0b72d66e-4c38-47b1-9092-adfc9809f822.gif",
        "0B72D66E-4C38-47B1-9092-ADFC9809F822.png",
        "0b72d66e-4c38-47b1-9092-adfc9809f822.png/x",
        "0b72d66e-4c38-47b1-9092-adfc9809f822.pngx",
        "0b72d66e-4c38-47b1-9092-adfc9809f82.png",
        "0b72d66e_4c38-47b1-9092-adfc9809f822.png",
        "/0b72d66e-4c38-47b1-9092-adfc9809f82.png",
        ".tmp-0b72d66e-4c38-47b1-9092-adfc9809f822.png",
        "",
        NULL,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (image_name_type(bad[i]) != IMAGE_UNKNOWN)
            fail_msg("accepted %s", bad[i] ? bad[i] : "NULL");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_images_sniff_by_magic_bytes),
        cmocka_unit_test(test_images_declared_type_must_agree),
        cmocka_unit_test(test_images_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
