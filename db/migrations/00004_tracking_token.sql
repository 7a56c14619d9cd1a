-- Customers open their order's tracking page by an unguessable token (tracklink), which the
-- projection stores so a page view is one indexed read. Voice tool answers are remembered per
-- call so a platform's retry gets the first answer.

-- +goose Up
ALTER TABLE orders ADD COLUMN tracking_token text;
CREATE UNIQUE INDEX orders_tracking_token_idx ON orders (tracking_token) WHERE tracking_token IS NOT NULL;

CREATE TABLE voice_answers (
    key        text        PRIMARY KEY,
    answer     jsonb       NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX voice_answers_expires_idx ON voice_answers (expires_at);

-- +goose Down
DROP TABLE voice_answers;
DROP INDEX orders_tracking_token_idx;
ALTER TABLE orders DROP COLUMN tracking_token;
