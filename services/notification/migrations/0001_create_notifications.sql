-- The notification service's own tables: the read models it keeps of other contexts
-- (contacts from identity.events, orders from order.events), every message it was asked
-- to send with its delivery state, and the users' channel preferences.

-- Where and how to address a user, from UserRegistered (or identity's /internal/users/:id
-- when a message needs a contact the events have not brought yet).
CREATE TABLE contacts (
    user_id    uuid PRIMARY KEY,
    email      text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    name       text NOT NULL DEFAULT '',
    role       text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- What the templates show of an order, from OrderCreated (or the order service's
-- /internal/orders/:id). Lines are [{title, sku, quantity, unit_price, line_total}].
CREATE TABLE orders (
    order_id     uuid PRIMARY KEY,
    order_number text NOT NULL,
    customer_id  uuid NOT NULL,
    currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    subtotal     bigint NOT NULL CHECK (subtotal >= 0),
    shipping_fee bigint NOT NULL CHECK (shipping_fee >= 0),
    discount     bigint NOT NULL CHECK (discount >= 0),
    tax          bigint NOT NULL CHECK (tax >= 0),
    total        bigint NOT NULL CHECK (total >= 0),
    phone        text NOT NULL DEFAULT '',
    lines        jsonb NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per message: what caused it, what it says once rendered, and where its
-- delivery stands (state machine in notify.h).
CREATE TABLE messages (
    id              uuid PRIMARY KEY,
    -- Newest-first paging without a sort on timestamps that can tie.
    seq             bigserial NOT NULL UNIQUE,
    -- NULL when the event did not name the customer; resolved from the order at send time.
    user_id         uuid,
    channel         text NOT NULL CHECK (channel IN ('email', 'sms')),
    template        text NOT NULL,
    order_id        uuid,
    cause_event_id  text NOT NULL,
    cause_type      text NOT NULL,
    correlation_id  text,
    traceparent     text,
    -- The cause's own template variables (tracking number, amount, reason), strings only.
    vars            jsonb NOT NULL DEFAULT '{}',
    -- Filled when the message is first claimed for sending and never changed after, so
    -- that every attempt sends the same bytes.
    recipient       text,
    subject         text,
    body_text       text,
    body_html       text,
    status          text NOT NULL DEFAULT 'PENDING'
                    CHECK (status IN ('PENDING', 'SENDING', 'SENT', 'FAILED', 'SKIPPED')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- While SENDING: until when the claim holds, and whose it is.
    lease_until     timestamptz,
    claim_token     uuid,
    last_error      text,
    provider_id     text,
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- One event makes one message per channel and template, whatever the redeliveries.
    UNIQUE (cause_event_id, channel, template)
);

-- The sender's two queues: due PENDING messages, and SENDING ones whose lease may lapse.
CREATE INDEX messages_due ON messages (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX messages_leased ON messages (lease_until) WHERE status = 'SENDING';
-- A user's messages, newest first, and an order's.
CREATE INDEX messages_by_user ON messages (user_id, seq DESC);
CREATE INDEX messages_by_order ON messages (order_id);

-- A user's choice per channel; no row means the channel is on.
CREATE TABLE preferences (
    user_id    uuid NOT NULL,
    channel    text NOT NULL CHECK (channel IN ('email', 'sms')),
    opted_out  boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, channel)
);
