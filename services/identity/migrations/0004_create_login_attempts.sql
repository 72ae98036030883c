-- Failed-login windows shared by every replica: one row per account
-- ("account:<email>") and per client address ("client:<ip>").
CREATE TABLE login_attempts (
    key          text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    failures     integer NOT NULL
);

CREATE INDEX login_attempts_window_idx ON login_attempts (window_start);
