-- Refresh tokens, stored only as the SHA-256 hex of the token. A family is one
-- login session: each refresh revokes the presented token and adds its successor
-- to the family; presenting a revoked token revokes the whole family.
CREATE TABLE refresh_tokens (
    token_hash  text PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   uuid NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    replaced_by text
);

CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_expires_idx ON refresh_tokens (user_id, expires_at);
