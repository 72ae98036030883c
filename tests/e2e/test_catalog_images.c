/* test_catalog_images.c - product images through the gateway: JPEG, PNG and WebP
 * recognised by their bytes, served back under their public URL, kept in order,
 * reordered and deleted (with their files); anything else refused without a trace. */
#include "catalog_support.h"

#include <dirent.h>

static char *admin, *seller, *other_seller, *customer;
static char category[64];

static const unsigned char PNG[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0,    0, 0, 13,
                                    'I',  'H', 'D', 'R', 0,    0,    0,    1,    0,    0, 0, 1,
                                    8,    6,   0,   0,   0,    0x1f, 0x15, 0xc4, 0x89, 0, 0, 0,
                                    0,    'I', 'E', 'N', 'D',  0xae, 0x42, 0x60, 0x82};
static const unsigned char JPEG[] = {0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F',  0,
                                     1,    1,    0,    0,    1, 0,    1,   0,   0,   0xff, 0xd9};
static const unsigned char WEBP[] = {
    'R', 'I', 'F', 'F',  26, 0, 0, 0,    'W', 'E',  'B',  'P',  'V',  'P',  '8',  'L', 13,
    0,   0,   0,   0x2f, 0,  0, 0, 0x10, 7,   0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 7,   0};

static int setup(void **state)
{
    (void)state;
    stack_load();
    admin = c_admin_token();
    seller = t_register_login("seller", NULL);
    other_seller = t_register_login("seller", NULL);
    customer = t_register_login("customer", NULL);
    c_unique_word(category, sizeof category, "photo");
    c_category(admin, category, "Photo", NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(admin);
    free(seller);
    free(other_seller);
    free(customer);
    return 0;
}

/* POSTs bytes as an image of the product; content_type NULL sends none. */
static void upload(const char *token, const char *id, const void *data, size_t len,
                   const char *content_type, t_resp_t *r)
{
    char url[512], ctype[128];
    snprintf(url, sizeof url, "%s/seller/products/%s/images", stack_get("GATEWAY_URL"), id);
    snprintf(ctype, sizeof ctype, "Content-Type: %s", content_type ? content_type : "");
    const char *headers[] = {ctype, NULL};
    assert_int_equal(t_http_bytes("POST", url, token, data, len, headers, r), 0);
}

/* Uploads and returns the new image's id and URL. */
static void upload_ok(const char *id, const void *data, size_t len, const char *ctype,
                      char image_id[37], char url[512])
{
    t_resp_t r;
    upload(seller, id, data, len, ctype, &r);
    if (r.status != 201)
        fail_msg("upload: %ld %s", r.status, r.body);
    const cJSON *img = cJSON_GetObjectItemCaseSensitive(r.json, "image");
    snprintf(image_id, 37, "%s", c_str(img, "id"));
    snprintf(url, 512, "%s", c_str(img, "url"));
    t_resp_free(&r);
}

/* The image ids of a product representation's images (or pending_changes.images). */
static int image_ids(const cJSON *product, bool pending, char out[][37], int max)
{
    const cJSON *holder =
        pending ? cJSON_GetObjectItemCaseSensitive(product, "pending_changes") : product;
    int n = 0;
    const cJSON *img;
    cJSON_ArrayForEach(img, cJSON_GetObjectItemCaseSensitive(holder, "images"))
    {
        if (n < max)
            snprintf(out[n++], 37, "%s", c_str(img, "id"));
    }
    return n;
}

static long files_in_image_dir(void)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/images", stack_get("RUN_DIR"));
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void test_catalog_images_upload_serve_order_delete(void **state)
{
    (void)state;
    char id[37], png_id[37], jpg_id[37], webp_id[37], png_url[512], jpg_url[512], webp_url[512];
    c_product(seller, "Camera", "with pictures", 50000, category, id);
    upload_ok(id, PNG, sizeof PNG, "image/png", png_id, png_url);
    upload_ok(id, JPEG, sizeof JPEG, "image/jpeg", jpg_id, jpg_url);
    upload_ok(id, WEBP, sizeof WEBP, NULL, webp_id, webp_url); /* no type: the bytes decide */

    /* Served through the gateway, byte for byte, with its type and a long cache life. */
    char want_prefix[512];
    snprintf(want_prefix, sizeof want_prefix, "%s/images/", stack_get("GATEWAY_URL"));
    assert_int_equal(strncmp(png_url, want_prefix, strlen(want_prefix)), 0);
    t_resp_t r;
    assert_int_equal(t_http("GET", png_url, NULL, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    char header[128];
    assert_true(t_resp_header(&r, "Content-Type", header, sizeof header));
    assert_string_equal(header, "image/png");
    assert_true(t_resp_header(&r, "Cache-Control", header, sizeof header));
    assert_non_null(strstr(header, "immutable"));
    assert_memory_equal(r.body, PNG, sizeof PNG);
    t_resp_free(&r);
    assert_int_equal(t_http("GET", webp_url, NULL, NULL, NULL, &r), 0);
    assert_true(t_resp_header(&r, "Content-Type", header, sizeof header));
    assert_string_equal(header, "image/webp");
    t_resp_free(&r);

    /* In upload order; reordered on request. */
    char path[256], got[4][37], body[512];
    assert_int_equal(t_gw("GET", "/seller/products?limit=100", seller, NULL, &r), 0);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/seller/products/%s/images/order", id);
    snprintf(body, sizeof body, "{\"image_ids\":[\"%s\",\"%s\",\"%s\"]}", webp_id, png_id, jpg_id);
    assert_int_equal(t_gw("PUT", path, seller, body, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(image_ids(r.json, false, got, 4), 3);
    assert_string_equal(got[0], webp_id);
    assert_string_equal(got[1], png_id);
    assert_string_equal(got[2], jpg_id);
    t_resp_free(&r);
    /* Not exactly the current set: refused, naming image_ids. */
    snprintf(body, sizeof body, "{\"image_ids\":[\"%s\",\"%s\"]}", webp_id, png_id);
    assert_int_equal(t_gw("PUT", path, seller, body, &r), 0);
    assert_int_equal(r.status, 400);
    assert_true(c_names_field(&r, "image_ids"));
    t_resp_free(&r);
    snprintf(body, sizeof body, "{\"image_ids\":[\"%s\",\"%s\",\"%s\"]}", webp_id, webp_id, png_id);
    assert_int_equal(t_gw("PUT", path, seller, body, &r), 0);
    assert_int_equal(r.status, 400);
    t_resp_free(&r);

    /* Deleted: out of the list, and its file is gone. */
    snprintf(path, sizeof path, "/seller/products/%s/images/%s", id, jpg_id);
    assert_int_equal(t_gw("DELETE", path, other_seller, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);
    assert_int_equal(t_gw("DELETE", path, seller, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(image_ids(r.json, false, got, 4), 2);
    t_resp_free(&r);
    assert_int_equal(t_http("GET", jpg_url, NULL, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);
    c_sql_is("SELECT count(*) FROM catalog.product_images WHERE product_id = $1", id, "2");
    assert_int_equal(t_gw("DELETE", path, seller, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);

    /* Once public, image changes wait for review; the public keeps the approved list. */
    c_approve(admin, id);
    char new_id[37], new_url[512];
    upload_ok(id, JPEG, sizeof JPEG, "image/jpeg", new_id, new_url);
    snprintf(path, sizeof path, "/products/%s", id);
    assert_int_equal(t_gw("GET", path, NULL, NULL, &r), 0);
    assert_int_equal(image_ids(r.json, false, got, 4), 2);
    t_resp_free(&r);
    c_approve(admin, id);
    assert_int_equal(t_gw("GET", path, NULL, NULL, &r), 0);
    assert_int_equal(image_ids(r.json, false, got, 4), 3);
    assert_string_equal(got[2], new_id);
    t_resp_free(&r);
}

static void test_catalog_images_refused_without_a_trace(void **state)
{
    (void)state;
    char id[37], path[256];
    c_product(seller, "Tripod", "steady", 9000, category, id);
    long files = files_in_image_dir();
    long version = c_sql_long("SELECT version FROM catalog.products WHERE id = $1", id);
    t_resp_t r;

    const char *text = "this is a text file, not a picture\n";
    upload(seller, id, text, strlen(text), "image/png", &r);
    assert_int_equal(r.status, 415);
    assert_string_equal(c_error_code(&r), "UNSUPPORTED_MEDIA_TYPE");
    t_resp_free(&r);
    upload(seller, id, text, strlen(text), "text/plain", &r);
    assert_int_equal(r.status, 415);
    t_resp_free(&r);
    upload(seller, id, PNG, sizeof PNG, "image/jpeg", &r); /* the bytes disagree */
    assert_int_equal(r.status, 415);
    t_resp_free(&r);
    upload(seller, id, PNG, sizeof PNG, "text/html", &r);
    assert_int_equal(r.status, 415);
    t_resp_free(&r);

    /* Over IMAGE_MAX_BYTES (5 MiB), under the gateway's upload limit. */
    size_t big = 5 * 1024 * 1024 + 1;
    unsigned char *huge = calloc(1, big);
    memcpy(huge, JPEG, sizeof JPEG);
    upload(seller, id, huge, big, "image/jpeg", &r);
    assert_int_equal(r.status, 413);
    t_resp_free(&r);
    free(huge);

    /* Not the seller's, not a seller, no such product. */
    upload(other_seller, id, PNG, sizeof PNG, "image/png", &r);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);
    upload(customer, id, PNG, sizeof PNG, "image/png", &r);
    assert_int_equal(r.status, 403);
    t_resp_free(&r);
    upload(seller, "00000000-0000-4000-8000-000000000000", PNG, sizeof PNG, "image/png", &r);
    assert_int_equal(r.status, 404);
    t_resp_free(&r);

    assert_int_equal(files_in_image_dir(), files);
    assert_int_equal(c_sql_long("SELECT version FROM catalog.products WHERE id = $1", id), version);
    c_sql_is("SELECT count(*) FROM catalog.product_images WHERE product_id = $1", id, "0");

    /* Names that are not stored images never reach the disk. */
    const char *names[] = {"..%2F..%2Fstack.env", "0b72d66e-4c38-47b1-9092-adfc9809f822.gif",
                           "0b72d66e-4c38-47b1-9092-adfc9809f822.png", "x.png"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "/images/%s", names[i]);
        assert_int_equal(t_gw("GET", path, NULL, NULL, &r), 0);
        assert_int_equal(r.status, 404);
        t_resp_free(&r);
    }
}

static void test_catalog_images_limit(void **state)
{
    (void)state;
    char id[37], image_id[37], url[512];
    c_product(seller, "Gallery", "many pictures", 100, category, id);
    for (int i = 0; i < 10; i++)
        upload_ok(id, PNG, sizeof PNG, "image/png", image_id, url);
    t_resp_t r;
    upload(seller, id, PNG, sizeof PNG, "image/png", &r);
    assert_int_equal(r.status, 409);
    assert_string_equal(c_error_code(&r), "IMAGE_LIMIT");
    t_resp_free(&r);
    c_sql_is("SELECT count(*) FROM catalog.product_images WHERE product_id = $1", id, "10");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog_images_upload_serve_order_delete),
        cmocka_unit_test(test_catalog_images_refused_without_a_trace),
        cmocka_unit_test(test_catalog_images_limit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
