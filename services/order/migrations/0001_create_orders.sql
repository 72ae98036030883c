-- Orders, their lines as bought and every change of their status.
--
-- The order number is what a customer reads out on the phone: "ORD-" and six or more
-- digits from a sequence (gaps are harmless: a failed checkout may use a number up).
CREATE SEQUENCE order_number_seq;

-- The totals are stored as shown and final_price is checked against its parts, so a
-- bug in the arithmetic cannot store a total that disagrees with its parts. The
-- address is a copy of the customer's address at checkout, not a reference: editing
-- the address book later does not move a parcel.
-- payment_id and stock_committed are the two halves of "confirmed": the order becomes
-- CONFIRMED when it is PAID and inventory committed its reservation, in either order.
-- version is the sequence of the last event published about the order.
CREATE TABLE orders (
    id                     uuid PRIMARY KEY,
    order_number           text NOT NULL UNIQUE,
    customer_id            uuid NOT NULL,
    cart_id                uuid,
    order_status           text NOT NULL,
    payment_status         text NOT NULL DEFAULT 'PENDING',
    payment_method         text NOT NULL,
    payment_id             text,
    stock_committed        boolean NOT NULL DEFAULT false,
    cancel_reason          text,
    currency               text NOT NULL,
    subtotal               bigint NOT NULL,
    shipping_fee           bigint NOT NULL,
    discount               bigint NOT NULL,
    tax                    bigint NOT NULL,
    final_price            bigint NOT NULL,
    ship_name              text NOT NULL,
    ship_phone             text NOT NULL,
    ship_line1             text NOT NULL,
    ship_line2             text,
    ship_city              text NOT NULL,
    ship_district          text NOT NULL,
    ship_postal_code       text NOT NULL,
    ship_country           text NOT NULL,
    reservation_expires_at timestamptz,
    version                bigint NOT NULL DEFAULT 0,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orders_status_check CHECK (order_status IN ('PENDING_PAYMENT', 'CONFIRMED',
        'PACKING', 'SHIPPED', 'OUT_FOR_DELIVERY', 'DELIVERED', 'CANCELLED')),
    CONSTRAINT orders_payment_status_check CHECK (payment_status IN ('PENDING', 'PAID',
        'FAILED', 'REFUND_PENDING', 'REFUNDED')),
    CONSTRAINT orders_payment_method_check CHECK (payment_method IN ('fake', 'stripe',
        'khalti', 'esewa')),
    CONSTRAINT orders_money_check CHECK (subtotal >= 0 AND shipping_fee >= 0 AND discount >= 0
        AND tax >= 0 AND final_price >= 0
        AND final_price = subtotal + shipping_fee - discount + tax)
);
-- A customer's orders newest first, and all orders newest first (by status too), page
-- by page on (created_at, id).
CREATE INDEX orders_customer_idx ON orders (customer_id, created_at DESC, id DESC);
CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC);
CREATE INDEX orders_status_idx ON orders (order_status, created_at DESC, id DESC);

CREATE TABLE order_items (
    order_id   uuid NOT NULL REFERENCES orders (id),
    line_no    integer NOT NULL,
    product_id uuid NOT NULL,
    seller_id  uuid NOT NULL,
    sku        text NOT NULL,
    title      text NOT NULL,
    unit_price bigint NOT NULL,
    quantity   bigint NOT NULL,
    line_total bigint NOT NULL,
    PRIMARY KEY (order_id, line_no),
    CONSTRAINT order_items_money_check CHECK (unit_price >= 0 AND quantity > 0
        AND line_total = unit_price * quantity)
);

-- from_status is NULL for the creation. actor says who or which event moved it:
-- "customer:<id>", "admin:<id>", "payment.events:PaymentFailed", ...
CREATE TABLE order_status_history (
    id          bigserial PRIMARY KEY,
    order_id    uuid NOT NULL REFERENCES orders (id),
    from_status text,
    to_status   text NOT NULL,
    actor       text NOT NULL,
    reason      text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_status_history_order_idx ON order_status_history (order_id, id);
