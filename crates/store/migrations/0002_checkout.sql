-- Checkout: order drafts and their terms acceptance, payment methods, payment attempts (written
-- before the gateway is called), subscriptions, invoices with gapless numbers, API idempotency
-- keys, and the sandbox gateway's own books. Dates of terms are TEXT 'YYYY-MM-DD'.

CREATE TABLE gateway_customers (
    org_id       TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    gateway      TEXT NOT NULL,
    customer_ref TEXT NOT NULL,
    PRIMARY KEY (org_id, gateway)
);

CREATE TABLE payment_methods (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    gateway     TEXT NOT NULL,
    gateway_ref TEXT NOT NULL,
    brand       TEXT NOT NULL,
    last4       TEXT NOT NULL,
    exp_month   BIGINT NOT NULL,
    exp_year    BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX payment_methods_by_org ON payment_methods (org_id, created_at);

CREATE TABLE orders (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    offer_code        TEXT NOT NULL,
    offer_name        TEXT NOT NULL,
    -- draft (in the wizard), paying (an attempt is out at the gateway), paid
    status            TEXT NOT NULL,
    -- the wizard step the draft is at: terms, payment, review
    step              TEXT NOT NULL,
    country           TEXT NOT NULL,
    currency          TEXT NOT NULL,
    net_minor         BIGINT NOT NULL,
    tax_minor         BIGINT NOT NULL,
    total_minor       BIGINT NOT NULL,
    tax_rate_bp       BIGINT NOT NULL,
    terms_code        TEXT NOT NULL,
    terms_version     TEXT,
    payment_method_id TEXT REFERENCES payment_methods (id),
    last_decline      TEXT,
    created_by        TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    paid_at           BIGINT,
    term_start        TEXT,
    term_end          TEXT,
    subscription_id   TEXT,
    invoice_id        TEXT
);
CREATE INDEX orders_by_org ON orders (org_id, created_at);
-- One open draft per org and offer: Subscribe now in a second tab finds the same draft.
CREATE UNIQUE INDEX orders_one_open_draft ON orders (org_id, offer_code) WHERE status IN ('draft', 'paying');

CREATE TABLE terms_acceptances (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    order_id      TEXT NOT NULL REFERENCES orders (id),
    user_id       TEXT NOT NULL,
    user_name     TEXT NOT NULL,
    terms_code    TEXT NOT NULL,
    terms_version TEXT NOT NULL,
    accepted_at   BIGINT NOT NULL,
    address       TEXT
);

CREATE TABLE payment_attempts (
    id                TEXT PRIMARY KEY,
    order_id          TEXT NOT NULL REFERENCES orders (id),
    idempotency_key   TEXT NOT NULL UNIQUE,
    payment_method_id TEXT NOT NULL REFERENCES payment_methods (id),
    gateway           TEXT NOT NULL,
    amount_minor      BIGINT NOT NULL,
    currency          TEXT NOT NULL,
    -- pending (sent or about to be sent), succeeded, declined, abandoned (never reached the gateway)
    status            TEXT NOT NULL,
    charge_ref        TEXT,
    decline_code      TEXT,
    decline_message   TEXT,
    created_at        BIGINT NOT NULL,
    settled_at        BIGINT
);
CREATE UNIQUE INDEX payment_attempts_one_pending ON payment_attempts (order_id) WHERE status = 'pending';
CREATE INDEX payment_attempts_pending ON payment_attempts (status, created_at);

CREATE TABLE subscriptions (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    offer_code  TEXT NOT NULL,
    offer_name  TEXT NOT NULL,
    status      TEXT NOT NULL,
    auto_renew  BIGINT NOT NULL,
    anchor_date TEXT NOT NULL,
    term_start  TEXT NOT NULL,
    term_end    TEXT NOT NULL,
    currency    TEXT NOT NULL,
    price_minor BIGINT NOT NULL,
    payment_method_id TEXT REFERENCES payment_methods (id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX subscriptions_by_org ON subscriptions (org_id);

-- The last number given out per series; taken inside the transaction that issues the document,
-- so numbers have no gaps: a rolled-back issue gives its number back.
CREATE TABLE document_counters (
    series TEXT PRIMARY KEY,
    last   BIGINT NOT NULL
);

CREATE TABLE invoices (
    id             TEXT PRIMARY KEY,
    number         TEXT NOT NULL UNIQUE,
    org_id         TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    order_id       TEXT NOT NULL UNIQUE REFERENCES orders (id),
    issued_at      BIGINT NOT NULL,
    currency       TEXT NOT NULL,
    net_minor      BIGINT NOT NULL,
    tax_minor      BIGINT NOT NULL,
    total_minor    BIGINT NOT NULL,
    tax_rate_bp    BIGINT NOT NULL,
    description    TEXT NOT NULL,
    period_start   TEXT NOT NULL,
    period_end     TEXT NOT NULL,
    seller_name    TEXT NOT NULL,
    seller_address TEXT NOT NULL,
    buyer_name     TEXT NOT NULL,
    buyer_partner_id TEXT NOT NULL,
    buyer_country  TEXT NOT NULL,
    paid_with      TEXT NOT NULL,
    charge_ref     TEXT NOT NULL
);
CREATE INDEX invoices_by_org ON invoices (org_id, issued_at);

-- API requests with an Idempotency-Key: the first response, replayed for a repeat.
CREATE TABLE idempotency_keys (
    principal       TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    response_status BIGINT,
    response_body   TEXT,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (principal, idempotency_key)
);

CREATE TABLE sandbox_cards (
    token         TEXT PRIMARY KEY,
    customer      TEXT NOT NULL,
    declines_with TEXT
);

CREATE TABLE sandbox_charges (
    idempotency_key TEXT PRIMARY KEY,
    card_token      TEXT NOT NULL,
    amount_minor    BIGINT NOT NULL,
    currency        TEXT NOT NULL,
    charge_ref      TEXT NOT NULL,
    declined_with   TEXT
);

CREATE TABLE sandbox_refunds (
    idempotency_key TEXT PRIMARY KEY,
    charge_ref      TEXT NOT NULL,
    amount_minor    BIGINT NOT NULL,
    refund_ref      TEXT NOT NULL
);
