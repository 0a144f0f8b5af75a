-- E-mailed single-use links: verifying an address, confirming a new one, resetting a forgotten
-- password, setting up a staff account. The link carries a random secret; only its SHA-256 is
-- kept here. `purpose` is 'verify_email', 'change_email', 'reset_password' or 'staff_setup';
-- `email` is where the link was sent (for 'change_email', the new address it confirms). A link
-- works once (`used_at`) and until `expires_at`.
CREATE TABLE email_links (
    id             TEXT PRIMARY KEY,
    purpose        TEXT NOT NULL,
    principal_kind TEXT NOT NULL,
    principal_id   TEXT NOT NULL,
    email          TEXT NOT NULL,
    token_hash     TEXT NOT NULL UNIQUE,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT
);
CREATE INDEX email_links_by_principal ON email_links (principal_kind, principal_id, purpose, created_at);
CREATE INDEX email_links_by_expiry ON email_links (expires_at);

-- "Forgot your password?" requests, written as they come and answered by the background worker:
-- the request itself never looks the address up, so that its answer and its timing are the same
-- whether or not an account has that address. `realm` is 'partner' or 'staff'; `address` is the
-- client's, for the audit row of the link sent.
CREATE TABLE password_reset_requests (
    id           TEXT PRIMARY KEY,
    realm        TEXT NOT NULL,
    email        TEXT NOT NULL,
    address      TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    handled_at   BIGINT
);
CREATE INDEX password_reset_requests_unhandled ON password_reset_requests (handled_at, requested_at);

-- When the user proved they receive mail at their address. Users who existed before this
-- migration signed up when no proof was asked for; they count as verified from the day they
-- joined, so that nobody already buying is stopped by the upgrade.
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
UPDATE users SET email_verified_at = created_at;

-- Whether program admins reading the outbox may see the message's secret (an invitation or a
-- verification link, to help someone whose e-mail never came) or not (a link that sets a
-- password or moves an account to another address: it would let staff take the account).
ALTER TABLE outbox_secrets ADD COLUMN shown_to_staff BIGINT NOT NULL DEFAULT 1;
