-- The cart's read model of the other contexts, fed by catalog.events and
-- inventory.events (and filled synchronously from the peers for what it has not seen
-- yet). Rows only ever move forward: an upsert applies only when its version or
-- sequence is newer than the row's.

-- Every product the catalog has announced: what a cart line shows and prices with.
CREATE TABLE products (
    id         uuid PRIMARY KEY,
    title      text NOT NULL,
    price      bigint NOT NULL CHECK (price >= 0),
    currency   text NOT NULL,
    status     text NOT NULL,
    version    bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every SKU inventory has announced, with its available count (on hand - reserved).
-- sequence 0 marks a row filled by the synchronous fallback: any event replaces it.
CREATE TABLE sku_stock (
    sku        text PRIMARY KEY,
    product_id uuid NOT NULL,
    available  bigint NOT NULL,
    sequence   bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
