-- One shipment per (order, seller): each seller packs and hands over their own parcel
-- (see README.md). The unique key makes OrderConfirmed idempotent a second time over the
-- consumer's processed_events: a redelivered event cannot create a second shipment.
-- order_number and customer_id come from OrderConfirmed, so that tracking and the events
-- need no call to the order service. version is the shipment aggregate's version: it grows
-- by one per event published about the shipment and is the events' sequence.
CREATE TABLE shipments (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq             bigserial NOT NULL UNIQUE,
    order_id        uuid NOT NULL,
    order_number    text NOT NULL,
    customer_id     uuid NOT NULL,
    seller_id       uuid NOT NULL,
    status          text NOT NULL DEFAULT 'CONFIRMED',
    zone_id         uuid REFERENCES zones (id) ON DELETE SET NULL,
    courier_id      uuid REFERENCES couriers (id),
    tracking_number text,
    assigned_at     timestamptz,
    address         jsonb NOT NULL,
    lines           jsonb NOT NULL,
    version         bigint NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT shipments_order_seller_key UNIQUE (order_id, seller_id),
    CONSTRAINT shipments_tracking_key UNIQUE (tracking_number),
    CONSTRAINT shipments_status_check CHECK (status IN ('CONFIRMED', 'PACKING', 'SHIPPED',
        'OUT_FOR_DELIVERY', 'DELIVERED', 'CANCELLED')),
    CONSTRAINT shipments_courier_tracking_check CHECK ((courier_id IS NULL) = (tracking_number IS NULL)),
    -- A parcel leaves only with a courier and a tracking number.
    CONSTRAINT shipments_shipped_has_courier CHECK (
        courier_id IS NOT NULL OR status IN ('CONFIRMED', 'PACKING', 'CANCELLED'))
);
CREATE INDEX shipments_seller_idx ON shipments (seller_id, seq);
CREATE INDEX shipments_status_idx ON shipments (status, seq);
-- Counting a courier's open shipments (capacity) reads only these rows.
CREATE INDEX shipments_courier_open_idx ON shipments (courier_id)
    WHERE status IN ('CONFIRMED', 'PACKING', 'SHIPPED', 'OUT_FOR_DELIVERY');

-- Every status a shipment took, with when and who: "system" (created from the order,
-- cancelled with it), "seller:<id>", "admin:<id>" or "courier:<id>". Never updated.
CREATE TABLE shipment_history (
    id          bigserial PRIMARY KEY,
    shipment_id uuid NOT NULL REFERENCES shipments (id),
    from_status text,
    to_status   text NOT NULL,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor       text NOT NULL
);
CREATE INDEX shipment_history_shipment_idx ON shipment_history (shipment_id, id);

-- Orders cancelled before (or without) shipments: an OrderConfirmed for one of them,
-- however it got reordered, creates nothing.
CREATE TABLE cancelled_orders (
    order_id     uuid PRIMARY KEY,
    cancelled_at timestamptz NOT NULL DEFAULT now()
);
