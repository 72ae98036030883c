/* render.h - the cart and its lines as the API shows them, without I/O.
 *
 * A line:  {id, product_id, sku, title, unit_price, currency, quantity, line_total,
 *           purchasable, reason?, available?}
 *   title, unit_price, currency and line_total are null when the catalog does not know
 *   the product; reason is there only when purchasable is false; available only with
 *   INSUFFICIENT_STOCK (how many could be bought).
 * A cart:  {id, customer_id, currency, items:[line], line_count, flagged_count,
 *           item_count, subtotal}
 *   subtotal and item_count count purchasable lines only; currency is null while the
 *   cart is empty; id is null for a customer who never had a cart.
 */
#ifndef CART_RENDER_H
#define CART_RENDER_H

#include <cjson/cJSON.h>

#include "cart.h"

/* One evaluated line (see cart_evaluate). Caller deletes; NULL when out of memory. */
cJSON *render_line(const cart_line_t *line);

/* The whole cart. cart_id may be NULL. Caller deletes; NULL when out of memory. */
cJSON *render_cart(const char *cart_id, const char *customer_id, const cart_line_t *lines,
                   int count, const cart_summary_t *summary);

#endif
