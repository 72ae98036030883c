-- A user's postal addresses (shipping and billing), always read through user_id.
CREATE TABLE addresses (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL,
    phone       text NOT NULL,
    line1       text NOT NULL,
    line2       text,
    city        text NOT NULL,
    district    text NOT NULL,                -- district, state or province
    postal_code text NOT NULL,
    country     char(2) NOT NULL,             -- ISO 3166-1 alpha-2
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX addresses_user_idx ON addresses (user_id, created_at);
