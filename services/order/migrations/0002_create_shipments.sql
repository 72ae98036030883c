-- A read model of fulfillment's shipments (one per seller of an order), kept from
-- fulfillment.events: the order's status is the least advanced of its shipments'.
CREATE TABLE shipments (
    shipment_id uuid PRIMARY KEY,
    order_id    uuid NOT NULL REFERENCES orders (id),
    seller_id   uuid,
    status      text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shipments_order_idx ON shipments (order_id);
