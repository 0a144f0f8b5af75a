-- The subscription lifecycle: renewal orders (manual, through the wizard, and automatic, made
-- by the renewal run), retries of failed automatic renewals, leases that let several workers
-- share the run, portal notifications (reminders, notices) each sent once, and e-mail delivery.

ALTER TABLE orders ADD COLUMN kind TEXT NOT NULL DEFAULT 'purchase';
-- For renewal orders: the end of the term being renewed (one automatic renewal per term).
ALTER TABLE orders ADD COLUMN renews_term_end TEXT;

DROP INDEX orders_one_open_draft;
CREATE UNIQUE INDEX orders_one_open_draft ON orders (org_id, offer_code)
    WHERE status IN ('draft', 'paying') AND kind <> 'auto_renewal';
CREATE UNIQUE INDEX orders_one_auto_renewal_per_term ON orders (subscription_id, renews_term_end)
    WHERE kind = 'auto_renewal';

ALTER TABLE subscriptions ADD COLUMN retries_done BIGINT NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN next_retry_on TEXT;
-- A worker holds a subscription while it renews it; a crashed worker's lease runs out.
ALTER TABLE subscriptions ADD COLUMN lease_until BIGINT;
CREATE INDEX subscriptions_due ON subscriptions (status, term_end);

CREATE TABLE notifications (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    subscription_id TEXT,
    -- Names the notice within its subscription and term, so that it is sent once.
    dedupe_key      TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX notifications_by_org ON notifications (org_id, created_at);

ALTER TABLE outbox_emails ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox_emails ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox_emails ADD COLUMN lease_until BIGINT;
ALTER TABLE outbox_emails ADD COLUMN last_error TEXT;
CREATE INDEX outbox_emails_unsent ON outbox_emails (sent_at, next_attempt_at);
