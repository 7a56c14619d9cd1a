-- Failed caller verifications on the voice line, one row each, keyed "call:<platform>:<call id>"
-- or "order:<order id>", so that every serve replica counts the same tries: past a few per
-- call or per order the caller is told nothing more (voice.MaxFailuresPerCall). Rows older than
-- the longest window are deleted as new ones are written.

-- +goose Up
CREATE TABLE voice_attempts (
    id  bigserial   PRIMARY KEY,
    key text        NOT NULL,
    at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX voice_attempts_key_idx ON voice_attempts (key, at);
CREATE INDEX voice_attempts_at_idx ON voice_attempts (at);

-- +goose Down
DROP TABLE voice_attempts;
