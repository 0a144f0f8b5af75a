-- Cancellation by staff and the refunds it gives: one refund per invoice at most (a second
-- cancellation refunds nothing more), written before the gateway is called and retried by the
-- worker until the gateway takes it; then its credit note, numbered without gaps in its own
-- series ('CN-2027').

ALTER TABLE subscriptions ADD COLUMN cancelled_at BIGINT;

CREATE TABLE refunds (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    invoice_id      TEXT NOT NULL UNIQUE REFERENCES invoices (id),
    request_id      TEXT REFERENCES service_requests (id),
    gateway         TEXT NOT NULL,
    charge_ref      TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    currency        TEXT NOT NULL,
    amount_minor    BIGINT NOT NULL,
    -- what the offer's policy gave, and why the agent gave less (if they did)
    due_minor       BIGINT NOT NULL,
    basis           TEXT NOT NULL,
    lowered_because TEXT,
    -- pending (to be sent or sent without an answer), succeeded
    status          TEXT NOT NULL,
    refund_ref      TEXT,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT,
    last_error      TEXT,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    refunded_at     BIGINT
);
CREATE INDEX refunds_due ON refunds (status, next_attempt_at);
CREATE INDEX refunds_by_request ON refunds (request_id);

CREATE TABLE credit_notes (
    id               TEXT PRIMARY KEY,
    number           TEXT NOT NULL UNIQUE,
    org_id           TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    refund_id        TEXT NOT NULL UNIQUE REFERENCES refunds (id),
    invoice_id       TEXT NOT NULL REFERENCES invoices (id),
    invoice_number   TEXT NOT NULL,
    issued_at        BIGINT NOT NULL,
    currency         TEXT NOT NULL,
    net_minor        BIGINT NOT NULL,
    tax_minor        BIGINT NOT NULL,
    total_minor      BIGINT NOT NULL,
    tax_rate_bp      BIGINT NOT NULL,
    description      TEXT NOT NULL,
    period_start     TEXT NOT NULL,
    period_end       TEXT NOT NULL,
    seller_name      TEXT NOT NULL,
    seller_address   TEXT NOT NULL,
    buyer_name       TEXT NOT NULL,
    buyer_partner_id TEXT NOT NULL,
    buyer_country    TEXT NOT NULL,
    refunded_to      TEXT NOT NULL
);
CREATE INDEX credit_notes_by_org ON credit_notes (org_id, issued_at);
