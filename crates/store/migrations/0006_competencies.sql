-- Competencies: an org applies for a level with evidence, staff approve or reject it, and an
-- approved org pays the level's annual fee through checkout (an offer named after the level).
-- An upgrade from Silver to Gold credits the unused Silver time on the Gold order and ends the
-- Silver subscription when the Gold fee is paid.

CREATE TABLE competency_applications (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    competency_code  TEXT NOT NULL,
    tier             TEXT NOT NULL,
    -- submitted, under_review, approved, rejected, expired
    status           TEXT NOT NULL,
    -- The evidence as JSON: certified people, customer references, the attestation.
    evidence         TEXT NOT NULL,
    submitted_by     TEXT NOT NULL,
    submitted_at     BIGINT NOT NULL,
    reviewer         TEXT,
    decided_at       BIGINT,
    -- Why it was rejected, in staff's words to the partner.
    reason           TEXT,
    -- The subscription its fee bought, once paid.
    subscription_id  TEXT
);
CREATE INDEX competency_applications_by_org ON competency_applications (org_id, submitted_at);
CREATE INDEX competency_applications_by_status ON competency_applications (status, submitted_at);
-- One open application per org and competency, even from two requests at once.
CREATE UNIQUE INDEX competency_applications_one_open ON competency_applications (org_id, competency_code)
    WHERE status IN ('submitted', 'under_review', 'approved') AND subscription_id IS NULL;

-- What an order takes off the price (the unused Silver time on a Gold order), and the
-- subscription its payment replaces.
ALTER TABLE orders ADD COLUMN credit_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN replaces_subscription_id TEXT;

-- Evidence files attached to an application (checked by their bytes: PDF, PNG, JPEG or plain
-- text, 2 MB at most). BYTEA is PostgreSQL's binary type; SQLite keeps the bytes as a BLOB
-- whatever the declared type.
CREATE TABLE application_files (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES competency_applications (id) ON DELETE CASCADE,
    org_id         TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size_bytes     BIGINT NOT NULL,
    data           BYTEA NOT NULL,
    uploaded_by    TEXT NOT NULL,
    uploaded_at    BIGINT NOT NULL
);
CREATE INDEX application_files_by_application ON application_files (application_id, uploaded_at);
