-- Serviceable zones: where the store delivers and what delivery costs. A zone is a
-- country, optionally narrowed by cities, districts and a postal-code pattern (a POSIX
-- extended regular expression matched against the whole code; the service compiles it
-- with regcomp before writing, since PostgreSQL's regex dialect is not the one used to
-- match). Empty city and district lists mean "any". The matcher (zone.c) picks the most
-- specific active zone; seq orders lists and pages.
CREATE TABLE zones (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq                 bigserial NOT NULL UNIQUE,
    name                text NOT NULL,
    country             text NOT NULL,
    cities              text[] NOT NULL DEFAULT '{}',
    districts           text[] NOT NULL DEFAULT '{}',
    postal_code_pattern text,
    fee                 bigint NOT NULL,
    currency            text NOT NULL,
    active              boolean NOT NULL DEFAULT true,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT zones_name_key UNIQUE (name),
    CONSTRAINT zones_country_check CHECK (country ~ '^[A-Z]{2}$'),
    CONSTRAINT zones_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT zones_fee_check CHECK (fee >= 0 AND fee <= 100000000000)
);
