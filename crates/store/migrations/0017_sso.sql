-- Single sign-on through the program's OpenID provider.
--
-- A sign-in started at the provider, until the provider sends the browser back: found by the
-- SHA-256 of its `state`, deleted at the first callback that names it (so a code or a state
-- replayed finds nothing), and bound to the browser that started it by the SHA-256 of a cookie
-- set then. The nonce is kept as its SHA-256 (the ID token must carry the nonce itself) and the
-- PKCE verifier sealed with the server's key, bound to the state's hash. Rows live 10 minutes.
CREATE TABLE sso_logins (
    state_hash     TEXT PRIMARY KEY,
    browser_hash   TEXT NOT NULL,
    nonce_hash     TEXT NOT NULL,
    verifier       TEXT NOT NULL,
    realm          TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX sso_logins_by_expiry ON sso_logins (expires_at);

-- Which account an identity at the provider (its issuer and subject) signs in as, at each door
-- (a staff account, a partner user); made at the first sign-in, by the verified address it gave
-- then (kept for the record). One identity per account and issuer.
CREATE TABLE sso_identities (
    issuer         TEXT NOT NULL,
    subject        TEXT NOT NULL,
    principal_kind TEXT NOT NULL,
    principal_id   TEXT NOT NULL,
    email          TEXT NOT NULL,
    linked_at      BIGINT NOT NULL,
    last_used_at   BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject, principal_kind),
    UNIQUE (issuer, principal_kind, principal_id)
);

-- An org whose Global admin requires its users to sign in through the provider (1) instead of
-- with a password.
ALTER TABLE orgs ADD COLUMN sso_required BIGINT NOT NULL DEFAULT 0;
