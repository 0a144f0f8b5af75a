-- Benefits: what a subscription gives once the org activates it. One row per catalog benefit
-- of the subscription, its units (license keys, seats, the service account) and a ledger of
-- grants and uses for credits and support balances. Rows stay after the benefits end, so the
-- history stays visible.

CREATE TABLE benefits (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    -- The benefit's place in the catalog's list for the offer.
    position        BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    product         TEXT NOT NULL,
    units           BIGINT NOT NULL,
    -- Credits and balances: what each grant adds (minor units of `currency`, or a count).
    grant_amount    BIGINT,
    currency        TEXT,
    cadence         TEXT,
    -- `active` while live, `ended` after expiry or cancellation.
    status          TEXT NOT NULL,
    activated_at    BIGINT NOT NULL,
    activated_by    TEXT NOT NULL,
    ended_at        BIGINT,
    -- The next day a grant is due (credits and balances of live benefits).
    next_grant_on   TEXT
);
CREATE INDEX benefits_by_org ON benefits (org_id, activated_at);
CREATE INDEX benefits_by_subscription ON benefits (subscription_id);
-- Activation happens once per live period: a second activation of the same subscription
-- cannot add a second set of benefits, even from two nodes at once.
CREATE UNIQUE INDEX benefits_one_live ON benefits (subscription_id, position) WHERE status = 'active';
CREATE INDEX benefits_grants_due ON benefits (next_grant_on) WHERE status = 'active';

CREATE TABLE benefit_units (
    id          TEXT PRIMARY KEY,
    benefit_id  TEXT NOT NULL REFERENCES benefits (id),
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    -- A license key or a service account's name; NULL for seats.
    code        TEXT,
    -- The user who holds the unit (no foreign key: removing a user releases it first).
    user_id     TEXT,
    assigned_at BIGINT,
    -- `active`, or `revoked` once the benefit ended.
    status      TEXT NOT NULL
);
CREATE INDEX benefit_units_by_benefit ON benefit_units (benefit_id, seq);
CREATE INDEX benefit_units_by_user ON benefit_units (user_id);
CREATE UNIQUE INDEX benefit_units_one_per_user ON benefit_units (benefit_id, user_id)
    WHERE user_id IS NOT NULL AND status = 'active';

CREATE TABLE benefit_ledger (
    id          TEXT PRIMARY KEY,
    benefit_id  TEXT NOT NULL REFERENCES benefits (id),
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    -- `grant` (positive amount) or `use` (negative amount).
    entry       TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    -- Names the entry so it is written once: a grant by its benefit and day, a use by the
    -- caller's idempotency key.
    dedupe_key  TEXT NOT NULL UNIQUE,
    -- A grant's day (YYYY-MM-DD).
    period      TEXT,
    memo        TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX benefit_ledger_by_benefit ON benefit_ledger (benefit_id, created_at);
