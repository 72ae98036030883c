-- A read model of inventory.events: per SKU, its product and what is available, as of
-- the SKU's version (sequence) last applied, so that an older event arriving late is
-- ignored. products.in_stock is kept equal to "some SKU of the product has
-- available > 0".
CREATE TABLE sku_stock (
    sku        text PRIMARY KEY,
    product_id uuid NOT NULL,
    available  bigint NOT NULL,
    sequence   bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sku_stock_product_idx ON sku_stock (product_id) WHERE available > 0;
