-- Couriers that carry shipments. zones NULL means the courier serves every zone; a list
-- restricts it to those zones (ids of zones; a deleted zone is removed from the lists).
-- capacity is how many open shipments (assigned, not yet delivered or cancelled) it can
-- hold at once; assignment counts them under the courier row's lock. tracking_prefix
-- starts every tracking number the courier is given.
CREATE TABLE couriers (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq             bigserial NOT NULL UNIQUE,
    name            text NOT NULL,
    phone           text NOT NULL,
    zones           uuid[],
    capacity        integer NOT NULL,
    tracking_prefix text NOT NULL,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT couriers_capacity_check CHECK (capacity BETWEEN 1 AND 100000),
    CONSTRAINT couriers_prefix_check CHECK (tracking_prefix ~ '^[A-Z0-9]{2,6}$')
);

-- Where round-robin auto-assignment left off: the seq of the courier it chose last. One
-- row, locked by every automatic assignment, so replicas take turns in one order.
CREATE TABLE assign_cursor (
    id       boolean PRIMARY KEY DEFAULT true,
    last_seq bigint NOT NULL DEFAULT 0,
    CONSTRAINT assign_cursor_one_row CHECK (id)
);
INSERT INTO assign_cursor (id, last_seq) VALUES (true, 0);
