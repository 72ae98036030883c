-- SKUs and their counts. available = on_hand - reserved is never stored: it is derived
-- wherever it is needed, so it can never disagree with the counts. The checks are the
-- last line of defence against overselling; the service checks first and answers 409.
-- seller_id is copied from the catalog when the SKU is created (a product never changes
-- seller), so that authorizing a stock change needs no call to the catalog.
-- version is the SKU aggregate's version: it grows by one per event published about
-- the SKU and is the events' sequence.
CREATE TABLE skus (
    sku        text PRIMARY KEY,
    product_id uuid NOT NULL,
    seller_id  uuid NOT NULL,
    attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
    on_hand    bigint NOT NULL,
    reserved   bigint NOT NULL DEFAULT 0,
    version    bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT skus_code_check CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    CONSTRAINT skus_reserved_nonnegative CHECK (reserved >= 0),
    CONSTRAINT skus_on_hand_covers_reserved CHECK (on_hand >= reserved),
    CONSTRAINT skus_on_hand_max CHECK (on_hand <= 1000000000)
);
CREATE INDEX skus_product_idx ON skus (product_id, sku);

-- One row per product that has SKUs: how many of its SKUs have stock available, so
-- that "is any SKU of this product in stock" is decided under this row's lock when a
-- SKU crosses zero (two SKUs of one product selling out at once cannot both believe the
-- other is still in stock). version orders the OutOfStock/BackInStock events of the
-- product across its SKUs (productSequence). Locked only after the SKU rows, in
-- product id order.
CREATE TABLE product_stock (
    product_id    uuid PRIMARY KEY,
    seller_id     uuid NOT NULL,
    skus_in_stock integer NOT NULL DEFAULT 0,
    version       bigint NOT NULL DEFAULT 0,
    CONSTRAINT product_stock_count_nonnegative CHECK (skus_in_stock >= 0)
);
