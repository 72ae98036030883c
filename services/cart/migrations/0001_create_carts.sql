-- A cart per customer and its lines, one per SKU. Prices are not stored here: every
-- read prices the lines from the products read model (0002), so totals are live.
CREATE TABLE carts (
    id          uuid PRIMARY KEY,
    customer_id uuid NOT NULL UNIQUE,
    -- The currency of the first line; meaningless (and overwritten) while the cart has
    -- no lines, so emptying a cart never needs to clear it.
    currency    text CHECK (currency ~ '^[A-Z]{3}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cart_items (
    id         uuid PRIMARY KEY,
    cart_id    uuid NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
    product_id uuid NOT NULL,
    sku        text NOT NULL CHECK (length(sku) BETWEEN 1 AND 64),
    -- The service enforces CART_MAX_QUANTITY; this is the last line of defence.
    quantity   integer NOT NULL CHECK (quantity BETWEEN 1 AND 10000),
    added_at   timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- One line per SKU: adding a SKU again merges into its line.
    UNIQUE (cart_id, sku)
);

-- Lines in the order they were added (the UNIQUE index serves lookups by SKU).
CREATE INDEX cart_items_by_cart ON cart_items (cart_id, added_at, id);
