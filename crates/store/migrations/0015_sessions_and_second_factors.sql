-- Sign-in grows a second step and sessions become things a person can see and end.
--
-- `guesses` (was signin_failures) counts wrong guesses at every secret a person can guess:
-- passwords, second-factor codes, e-mailed links. `door` names which, so that each door's
-- limits count only its own guesses; `subject` is what is guessed at (the e-mail typed at the
-- password door, the account at the second-factor door).
ALTER TABLE signin_failures RENAME TO guesses;
ALTER TABLE guesses RENAME COLUMN email TO subject;
ALTER TABLE guesses RENAME COLUMN failed_at TO at;
ALTER TABLE guesses ADD COLUMN door TEXT NOT NULL DEFAULT 'password';
DROP INDEX signin_failures_by_email;
DROP INDEX signin_failures_by_address;
CREATE INDEX guesses_by_subject ON guesses (door, subject, at);
CREATE INDEX guesses_by_address ON guesses (door, address, at);

-- Sessions are rebuilt: everyone signs in again once after this upgrade.
-- `stage` is 'second_factor' (the password was right, a second factor is owed), 'enrol' (the
-- policy asks for a second factor the person has not set up yet) or 'full'. `factor_at` is when
-- a second factor was last given in this session (step-up asks again after 15 minutes).
-- A session ends `idle` after its last_seen_at, and at expires_at whatever happens.
DROP TABLE sessions;
CREATE TABLE sessions (
    id             TEXT PRIMARY KEY,
    token_hash     TEXT NOT NULL UNIQUE,
    principal_kind TEXT NOT NULL,
    principal_id   TEXT NOT NULL,
    stage          TEXT NOT NULL,
    method         TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    last_seen_at   BIGINT NOT NULL,
    factor_at      BIGINT,
    expires_at     BIGINT NOT NULL,
    user_agent     TEXT NOT NULL,
    address        TEXT NOT NULL
);
CREATE INDEX sessions_by_principal ON sessions (principal_kind, principal_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sessions_by_last_seen ON sessions (last_seen_at);

-- A TOTP authenticator: the shared secret sealed with the server's key (bound to the
-- principal), confirmed once the person typed a code from it. `last_step` is the newest time
-- step a code was accepted for: a code is never accepted twice.
CREATE TABLE totp_factors (
    principal_kind TEXT NOT NULL,
    principal_id   TEXT NOT NULL,
    sealed_secret  TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    confirmed_at   BIGINT,
    last_step      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (principal_kind, principal_id)
);

-- Single-use recovery codes, kept as keyed hashes (HMAC with a key derived from the server's
-- key), so that a copy of the database alone cannot be searched for them.
CREATE TABLE recovery_codes (
    id             TEXT PRIMARY KEY,
    principal_kind TEXT NOT NULL,
    principal_id   TEXT NOT NULL,
    code_hash      TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    used_at        BIGINT
);
CREATE INDEX recovery_codes_by_principal ON recovery_codes (principal_kind, principal_id);

-- A person's own security events (sign-ins, failures, password and second-factor changes) are
-- the audit rows about their account, listed on Account > Security.
CREATE INDEX audit_events_by_subject ON audit_events (subject, at);
