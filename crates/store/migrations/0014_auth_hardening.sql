-- The single-use secret of an e-mail (an invitation link's token) is not kept in the
-- message's body: the body holds a mark where the secret goes, and the secret is kept here
-- sealed with the server's key, bound to its message, until the message is sent or the secret
-- can no longer be used (accepted, cancelled, expired). `used_for` names what the secret opens
-- (an invitation's id).
CREATE TABLE outbox_secrets (
    email_id   TEXT PRIMARY KEY,
    used_for   TEXT NOT NULL,
    sealed     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX outbox_secrets_by_use ON outbox_secrets (used_for);
CREATE INDEX outbox_secrets_by_expiry ON outbox_secrets (expires_at);

-- A sign-in attempt is written before its password is checked; `checking` is 1 until the check
-- ends (a right password deletes the row, a wrong one sets 0). The ceiling per client address
-- counts only checked failures, so that many people signing in at once through one address
-- (an office, a proxy) are not refused for being many.
ALTER TABLE signin_failures ADD COLUMN checking BIGINT NOT NULL DEFAULT 0;
