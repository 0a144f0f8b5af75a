-- Passkeys (WebAuthn credentials) of partner users and staff. `credential_id` is the
-- authenticator's id for the credential (base64url), unique across every account, so an
-- assertion names exactly one row; `credential` is the relying-party library's own record of
-- it (public key, signature counter, backup state), as JSON text.
CREATE TABLE passkeys (
    id             TEXT PRIMARY KEY,
    principal_kind TEXT NOT NULL,
    principal_id   TEXT NOT NULL,
    name           TEXT NOT NULL,
    credential_id  TEXT NOT NULL UNIQUE,
    credential     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    last_used_at   BIGINT
);
CREATE INDEX passkeys_by_principal ON passkeys (principal_kind, principal_id, created_at);

-- A ceremony's server-side state, kept between its two requests so that any node can finish
-- it; taking it deletes it, so it is used once. A sign-in ceremony has no principal yet.
CREATE TABLE webauthn_ceremonies (
    id             TEXT PRIMARY KEY,
    principal_kind TEXT,
    principal_id   TEXT,
    purpose        TEXT NOT NULL,
    state          TEXT NOT NULL,
    expires_at     BIGINT NOT NULL,
    CHECK ((principal_kind IS NULL) = (principal_id IS NULL))
);
CREATE INDEX webauthn_ceremonies_by_expiry ON webauthn_ceremonies (expires_at);
