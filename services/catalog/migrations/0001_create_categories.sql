-- Categories: a tree maintained by admins. A product names its category by slug.
-- path is the materialized path of slugs from the root ("fashion/shoes/running"), so a
-- category and everything below it is "path = P OR path LIKE P || '/%'" (slugs hold no
-- LIKE wildcard). A category never moves, so paths never need rewriting.
CREATE TABLE categories (
    slug        text PRIMARY KEY,
    name        text NOT NULL,
    parent_slug text REFERENCES categories (slug),
    path        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT categories_slug_check CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 64),
    CONSTRAINT categories_name_check CHECK (length(name) BETWEEN 1 AND 100),
    CONSTRAINT categories_path_key UNIQUE (path)
);
CREATE INDEX categories_path_prefix_idx ON categories (path text_pattern_ops);
CREATE INDEX categories_parent_idx ON categories (parent_slug);
