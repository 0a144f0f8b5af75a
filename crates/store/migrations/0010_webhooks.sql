-- Webhooks: endpoints that program admins register, the events written in the transaction of
-- the change they report (an outbox), one delivery per event and endpoint, and the log of
-- every attempt. A delivery waits for the earlier ones of its endpoint and ordering key (the
-- subscription, request or org it is about), so each receiver hears of one thing in order.

CREATE TABLE webhook_endpoints (
    id             TEXT PRIMARY KEY,
    url            TEXT NOT NULL,
    -- space-separated event types
    event_types    TEXT NOT NULL,
    -- the signing secret is derived from the server's key and this salt; it is never stored
    secret_salt    TEXT NOT NULL,
    -- enabled, disabled
    status         TEXT NOT NULL,
    disabled_reason TEXT,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);

CREATE TABLE webhook_events (
    id           TEXT PRIMARY KEY,
    event_type   TEXT NOT NULL,
    org_id       TEXT,
    ordering_key TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    event_id        TEXT NOT NULL REFERENCES webhook_events (id),
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    ordering_key    TEXT NOT NULL,
    -- the event's place in time: strictly increasing within a process, wall-clock microseconds
    -- across nodes (events about one subscription are written under its org's lock)
    sequence        BIGINT NOT NULL,
    -- pending, delivered, failed (retries spent)
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT,
    last_status     BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    delivered_at    BIGINT,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_in_order ON webhook_deliveries (endpoint_id, ordering_key, sequence);

CREATE TABLE webhook_attempts (
    id          TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at          BIGINT NOT NULL,
    status_code BIGINT,
    error       TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, at);
