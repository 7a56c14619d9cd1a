-- Sessions of the operations console (/console). A person signs in with an admin token once and
-- then carries a random session id in a cookie; only its SHA-256 is stored, so a copy of this
-- table opens nothing. Every serve replica reads the same rows, so any replica serves any
-- session, and signing out ends it everywhere. actor is the token's name: what the person does
-- is attributed to it. csrf is the token every form and htmx request of the session must echo.

-- +goose Up
CREATE TABLE console_sessions (
    id_hash     bytea       PRIMARY KEY,
    actor       text        NOT NULL,
    csrf        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX console_sessions_expires_idx ON console_sessions (expires_at);

-- Customers are found by email as they are by phone (00019): newest first.
CREATE INDEX orders_email_idx ON orders (lower(customer ->> 'email'), created_at DESC, order_id DESC);

-- +goose Down
DROP INDEX orders_email_idx;
DROP TABLE console_sessions;
