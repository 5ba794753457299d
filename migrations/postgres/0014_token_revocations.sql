-- Revoked API tokens by their jti, shared by every API replica, each kept
-- until the token would have expired anyway (expires_at), then pruned.
CREATE TABLE token_revocations (
    jti        TEXT PRIMARY KEY,
    revoked_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX token_revocations_expires ON token_revocations (expires_at);
