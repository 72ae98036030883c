-- Payment attempts, one row per POST /payment/initiate that reached a provider. An
-- order may have several attempts (a failed card, another provider); at most one of
-- them is expected to succeed, and a second success is refunded (see settle.c).
CREATE TABLE payments (
    id                 uuid PRIMARY KEY,
    order_id           uuid NOT NULL,
    customer_id        uuid NOT NULL,
    provider           text NOT NULL CHECK (provider IN ('fake', 'stripe', 'khalti', 'esewa')),
    status             text NOT NULL DEFAULT 'INITIATED'
                       CHECK (status IN ('INITIATED', 'SUCCEEDED', 'FAILED', 'REFUNDED',
                                         'PARTIALLY_REFUNDED')),
    amount             bigint NOT NULL CHECK (amount > 0),
    currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    refunded_amount    bigint NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0),
    -- The provider's id of the attempt (Stripe cs_..., Khalti pidx, eSewa
    -- transaction_uuid); NULL until the provider answered initiate.
    provider_reference text,
    -- What a refund needs later (Stripe pi_..., Khalti transaction_id, eSewa ref_id).
    provider_txn       text,
    redirect_url       text,
    form               jsonb,
    failure_reason     text,
    -- The aggregate's version: the sequence of its latest event.
    version            bigint NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (refunded_amount <= amount)
);

CREATE INDEX payments_by_order ON payments (order_id, created_at);
CREATE UNIQUE INDEX payments_by_reference ON payments (provider, provider_reference)
    WHERE provider_reference IS NOT NULL;
-- The reconciler's work list: attempts still waiting on their provider.
CREATE INDEX payments_initiated ON payments (provider, created_at) WHERE status = 'INITIATED';

-- Every authentic notification (webhook, browser return, lookup) once: the unique
-- (provider, provider_event_id) is what turns a redelivery into a no-op.
CREATE TABLE notifications (
    id                bigserial PRIMARY KEY,
    provider          text NOT NULL,
    provider_event_id text NOT NULL,
    payment_id        uuid,
    kind              text NOT NULL CHECK (kind IN ('webhook', 'return', 'lookup')),
    outcome           text NOT NULL,
    amount            bigint,
    currency          text,
    -- What the service did with it: applied, ignored, rejected_amount, unknown_payment.
    result            text NOT NULL,
    received_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider, provider_event_id)
);

CREATE INDEX notifications_by_payment ON notifications (payment_id, received_at);

-- Refunds. A row is written PENDING in the transaction that decides to refund (an
-- admin's request, an OrderCancelled, a success for a cancelled order) and completed
-- by whoever holds its lease (next_attempt_at): the admin's request inline, otherwise
-- the refund worker, which retries a provider that was unreachable.
CREATE TABLE refunds (
    id                 uuid PRIMARY KEY,
    payment_id         uuid NOT NULL REFERENCES payments (id),
    amount             bigint NOT NULL CHECK (amount > 0),
    reason             text NOT NULL,
    status             text NOT NULL DEFAULT 'PENDING'
                       CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'MANUAL')),
    provider_refund_id text,
    actor              text NOT NULL,
    attempts           integer NOT NULL DEFAULT 0,
    last_error         text,
    next_attempt_at    timestamptz NOT NULL DEFAULT now(),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX refunds_by_payment ON refunds (payment_id);
CREATE INDEX refunds_pending ON refunds (next_attempt_at) WHERE status = 'PENDING';

-- Read model of order.events OrderCancelled: a success that arrives for one of these
-- orders is refunded at once.
CREATE TABLE cancelled_orders (
    order_id     uuid PRIMARY KEY,
    reason       text NOT NULL,
    cancelled_at timestamptz NOT NULL DEFAULT now()
);
