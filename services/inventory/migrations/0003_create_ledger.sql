-- Every movement of stock, one row each, never updated: created (the initial count),
-- adjusted (a seller or admin changed on_hand), reserved, released and committed. The
-- deltas of a SKU's rows sum to its current on_hand and reserved, which the tests
-- check; the *_after columns are the counts right after the movement.
CREATE TABLE ledger (
    id             bigserial PRIMARY KEY,
    sku            text NOT NULL REFERENCES skus (sku),
    kind           text NOT NULL,
    on_hand_delta  bigint NOT NULL,
    reserved_delta bigint NOT NULL,
    on_hand_after  bigint NOT NULL,
    reserved_after bigint NOT NULL,
    order_id       uuid,
    reason         text,
    actor          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ledger_kind_check CHECK (
        kind IN ('created', 'adjusted', 'reserved', 'released', 'committed'))
);
-- The ledger of one SKU, newest first, page by page.
CREATE INDEX ledger_sku_idx ON ledger (sku, id);
