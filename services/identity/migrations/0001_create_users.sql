-- Accounts. The email is stored lowercased (the service normalizes it) so a plain
-- unique index is the uniqueness rule; registration inserts first and maps the
-- unique violation to 409, never checks first.
CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL,
    password_hash text NOT NULL,            -- libsodium crypto_pwhash_str (Argon2id)
    name          text NOT NULL,
    role          text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_email_lower CHECK (email = lower(email)),
    CONSTRAINT users_role_check CHECK (role IN ('customer', 'seller', 'admin'))
);
