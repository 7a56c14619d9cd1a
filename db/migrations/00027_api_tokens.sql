-- Named, scoped API tokens (docs/reference/api.md "Authentication"): created and revoked through
-- /v1/tokens and the console, beside the environment's tokens. A token's name is what its
-- holder's actions are attributed to in the audit trail, so it is unique among live tokens
-- (a revoked token's name may be given again; its entries keep the name they were written
-- with). scopes are access.Scope values.
--
-- Only the SHA-256 of a token is kept, so a copy of this table opens nothing. A fast hash
-- suffices, where a password would need a slow one: a token is 256 random bits that shipflow
-- made, not a human choice, so there is no dictionary to try and no guess worth hashing; a
-- fast hash also lets every request be checked with one index lookup.
--
-- last_used_at is written at most once a minute per token, not on every request, so a busy
-- integration does not turn every read into a write.
--
-- console_sessions gains the scopes of the token it was opened with (sessions open until now
-- were all opened with an admin token) and the named token, if one opened it, so that
-- revoking the token ends its sessions too.

-- +goose Up
CREATE TABLE api_tokens (
    id            text        PRIMARY KEY,
    name          text        NOT NULL,
    scopes        text[]      NOT NULL,
    token_hash    bytea       NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text        NOT NULL,
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    revoked_by    text
);
CREATE UNIQUE INDEX api_tokens_live_name_idx ON api_tokens (name) WHERE revoked_at IS NULL;

ALTER TABLE console_sessions ADD COLUMN scopes text[] NOT NULL DEFAULT '{admin}';
ALTER TABLE console_sessions ALTER COLUMN scopes DROP DEFAULT;
ALTER TABLE console_sessions ADD COLUMN token_id text REFERENCES api_tokens (id) ON DELETE CASCADE;

-- +goose Down
ALTER TABLE console_sessions DROP COLUMN token_id;
ALTER TABLE console_sessions DROP COLUMN scopes;
DROP TABLE api_tokens;
