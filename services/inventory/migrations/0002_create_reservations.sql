-- Stock held for an order until it is committed (paid) or released (payment failed,
-- order cancelled, expired). The order id is the key, which makes reserving idempotent
-- per order: a second reservation for the same order finds this row.
CREATE TABLE reservations (
    order_id       uuid PRIMARY KEY,
    status         text NOT NULL DEFAULT 'RESERVED',
    release_reason text,
    expires_at     timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reservations_status_check CHECK (status IN ('RESERVED', 'COMMITTED', 'RELEASED')),
    CONSTRAINT reservations_reason_check CHECK (
        (status = 'RELEASED') = (release_reason IS NOT NULL)
        AND (release_reason IS NULL OR release_reason IN ('cancelled', 'payment_failed', 'expired')))
);
-- The expiry sweep reads the oldest expired RESERVED rows; finished ones stay out of
-- the index.
CREATE INDEX reservations_expiry_idx ON reservations (expires_at) WHERE status = 'RESERVED';

-- sku has no foreign key on purpose: the lines are written before the SKU rows are
-- locked, and a foreign-key check would take a KEY SHARE lock on the SKU row while
-- another transaction holds it FOR NO KEY UPDATE, which PostgreSQL records as a
-- MultiXact: on a hot SKU with many reservations waiting, that churn halved the
-- throughput. The service inserts only lines of existing SKUs, and SKUs are never
-- deleted.
CREATE TABLE reservation_lines (
    order_id uuid NOT NULL REFERENCES reservations (order_id),
    sku      text NOT NULL,
    quantity bigint NOT NULL,
    PRIMARY KEY (order_id, sku),
    CONSTRAINT reservation_lines_quantity_check CHECK (quantity > 0)
);
CREATE INDEX reservation_lines_sku_idx ON reservation_lines (sku);
