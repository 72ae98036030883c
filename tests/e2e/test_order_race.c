/* test_order_race.c - 50 customers check out the last 10 units at the same moment,
 * through the gateway: exactly 10 orders, nothing oversold, the counts consistent, and
 * the 40 others refused OUT_OF_STOCK with no order and no reservation of theirs left.
 * Also the same Idempotency-Key sent twice at once: one order. */
#include "journey_support.h"

#include <pthread.h>

#define BUYERS 50
#define UNITS  10

typedef struct buyer {
    j_user_t user;
    char address[37];
    const char *key; /* Idempotency-Key or NULL */
    pthread_barrier_t *start;
    long status;
    char code[40];
    char order_id[37];
} buyer_t;

static void *checkout_thread(void *arg)
{
    buyer_t *b = arg;
    pthread_barrier_wait(b->start);
    t_resp_t r = j_checkout_raw(&b->user, b->address, "fake", b->key);
    b->status = r.status;
    const char *code = c_error_code(&r);
    snprintf(b->code, sizeof b->code, "%s", code != NULL ? code : "");
    const char *id = r.status == 201 ? c_str(r.json, "order_id") : NULL;
    snprintf(b->order_id, sizeof b->order_id, "%s", id != NULL ? id : "");
    t_resp_free(&r);
    return NULL;
}

static void run_all(buyer_t *buyers, int n)
{
    pthread_t threads[BUYERS];
    pthread_barrier_t start;
    assert_int_equal(pthread_barrier_init(&start, NULL, (unsigned)n), 0);
    for (int i = 0; i < n; i++) {
        buyers[i].start = &start;
        assert_int_equal(pthread_create(&threads[i], NULL, checkout_thread, &buyers[i]), 0);
    }
    for (int i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&start);
}

static void test_order_last_units_raced_by_many_buyers(void **state)
{
    (void)state;
    static buyer_t buyers[BUYERS];
    j_user_t seller = j_user("seller");
    j_zone_ensure(0);
    j_product_t p = j_product(&seller, "Last batch", 1000, UNITS);
    /* Carts prepared beforehand: each holds one unit. */
    for (int i = 0; i < BUYERS; i++) {
        memset(&buyers[i], 0, sizeof buyers[i]);
        buyers[i].user = j_user("customer");
        j_address(&buyers[i].user, J_COUNTRY, buyers[i].address);
        j_cart_add(&buyers[i].user, &p, 1);
    }
    run_all(buyers, BUYERS);

    int created = 0, out_of_stock = 0;
    for (int i = 0; i < BUYERS; i++) {
        if (buyers[i].status == 201)
            created++;
        else if (buyers[i].status == 409 && strcmp(buyers[i].code, "OUT_OF_STOCK") == 0)
            out_of_stock++;
        else
            fail_msg("buyer %d: %ld %s", i, buyers[i].status, buyers[i].code);
    }
    assert_int_equal(created, UNITS);
    assert_int_equal(out_of_stock, BUYERS - UNITS);

    /* Exactly the winners have orders, and the stock adds up. */
    long orders = c_sql_long("SELECT count(*) FROM orders.order_items WHERE sku = $1", p.sku);
    assert_int_equal(orders, UNITS);
    long held = c_sql_long("SELECT count(*) FROM inventory.reservation_lines l JOIN "
                           "inventory.reservations r USING (order_id) WHERE l.sku = $1 AND "
                           "r.status = 'RESERVED'",
                           p.sku);
    assert_int_equal(held, UNITS);
    long on_hand, reserved, available;
    j_stock(p.sku, &on_hand, &reserved, &available);
    assert_int_equal(on_hand, UNITS);
    assert_int_equal(reserved, UNITS);
    assert_int_equal(available, 0);
    for (int i = 0; i < BUYERS; i++) {
        long mine = c_sql_long("SELECT count(*) FROM orders.orders WHERE customer_id = $1",
                               buyers[i].user.id);
        assert_int_equal(mine, buyers[i].status == 201 ? 1 : 0);
        if (buyers[i].status == 201)
            c_sql_is("SELECT status FROM inventory.reservations WHERE order_id = $1",
                     buyers[i].order_id, "RESERVED");
        j_user_free(&buyers[i].user);
    }
    j_user_free(&seller);
}

static void test_order_same_key_twice_at_once(void **state)
{
    (void)state;
    static buyer_t twins[2];
    char hex[9], key[32];
    j_user_t seller = j_user("seller");
    j_zone_ensure(0);
    j_product_t p = j_product(&seller, "Twin", 500, 5);
    j_user_t u = j_user("customer");
    char address[37];
    j_address(&u, J_COUNTRY, address);
    j_cart_add(&u, &p, 1);
    j_hex8(hex);
    snprintf(key, sizeof key, "twin-%s", hex);
    for (int i = 0; i < 2; i++) {
        memset(&twins[i], 0, sizeof twins[i]);
        twins[i].user = u;
        memcpy(twins[i].address, address, sizeof address);
        twins[i].key = key;
    }
    run_all(twins, 2);
    /* One creates the order; the other replays it or is told the first is in progress. */
    int created = 0;
    for (int i = 0; i < 2; i++) {
        if (twins[i].status == 201)
            created++;
        else if (!(twins[i].status == 409 && strcmp(twins[i].code, "IDEMPOTENCY_KEY_IN_USE") == 0))
            fail_msg("twin %d: %ld %s", i, twins[i].status, twins[i].code);
    }
    assert_true(created >= 1);
    if (created == 2)
        assert_string_equal(twins[0].order_id, twins[1].order_id);
    assert_int_equal(c_sql_long("SELECT count(*) FROM orders.orders WHERE customer_id = $1", u.id),
                     1);
    long on_hand, reserved, available;
    j_stock(p.sku, &on_hand, &reserved, &available);
    assert_int_equal(reserved, 1);
    j_user_free(&u);
    j_user_free(&seller);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_last_units_raced_by_many_buyers),
        cmocka_unit_test(test_order_same_key_twice_at_once),
    };
    return cmocka_run_group_tests(tests, j_group_setup, NULL);
}
