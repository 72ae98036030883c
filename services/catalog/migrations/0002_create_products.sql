-- Products. The title, description, category and images columns are the live content:
-- what the public sees once status is APPROVED. An edit of an APPROVED product waits in
-- pending (jsonb, only the changed fields) with review_status PENDING_APPROVAL, and
-- approve copies it over the live columns; see services/catalog/product.h.
--
-- search is the full-text vector of the live title (weight A) and description (B),
-- with the 'simple' configuration (no stemming, no stop words: the store sells in many
-- languages). Searching uses prefix tsqueries on it and trigram similarity on title.
CREATE TABLE products (
    id               uuid PRIMARY KEY,
    seller_id        uuid NOT NULL,
    title            text NOT NULL,
    description      text NOT NULL,
    price            bigint NOT NULL,
    currency         text NOT NULL,
    category_slug    text NOT NULL REFERENCES categories (slug),
    images           jsonb NOT NULL DEFAULT '[]',
    status           text NOT NULL,
    review_status    text,
    rejection_reason text,
    pending          jsonb,
    in_stock         boolean NOT NULL DEFAULT false,
    version          bigint NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    submitted_at     timestamptz NOT NULL DEFAULT now(),
    approved_at      timestamptz,
    search           tsvector GENERATED ALWAYS AS (
                         setweight(to_tsvector('simple', title), 'A') ||
                         setweight(to_tsvector('simple', description), 'B')) STORED,
    CONSTRAINT products_price_check CHECK (price > 0 AND price <= 100000000000),
    CONSTRAINT products_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT products_status_check
        CHECK (status IN ('PENDING_APPROVAL', 'APPROVED', 'REJECTED', 'ARCHIVED')),
    CONSTRAINT products_review_check
        CHECK (review_status IS NULL OR (status = 'APPROVED'
                                         AND review_status IN ('PENDING_APPROVAL', 'REJECTED'))),
    CONSTRAINT products_images_check CHECK (jsonb_typeof(images) = 'array'),
    CONSTRAINT products_version_check CHECK (version >= 1)
);

-- Public reads only ever look at APPROVED rows, so their indexes hold only those.
CREATE INDEX products_search_idx ON products USING gin (search) WHERE status = 'APPROVED';
CREATE INDEX products_title_trgm_idx ON products USING gin (title gin_trgm_ops)
    WHERE status = 'APPROVED';
CREATE INDEX products_newest_idx ON products (created_at DESC, id DESC) WHERE status = 'APPROVED';
CREATE INDEX products_price_idx ON products (price, id) WHERE status = 'APPROVED';
CREATE INDEX products_category_price_idx ON products (category_slug, price, id)
    WHERE status = 'APPROVED';
-- The seller's own list, and the admins' review queue (oldest submission first).
CREATE INDEX products_seller_idx ON products (seller_id, created_at DESC, id DESC);
CREATE INDEX products_review_queue_idx ON products (submitted_at, id)
    WHERE status = 'PENDING_APPROVAL' OR review_status = 'PENDING_APPROVAL';
