-- Service requests: what partners report under Support > Report problems > New request, and
-- the conversation with program staff in it. Numbers come from the gapless counter of the
-- series 'SR'.

CREATE TABLE service_requests (
    id              TEXT PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    org_id          TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    problem_type    TEXT NOT NULL,
    subscription_id TEXT,
    title           TEXT NOT NULL,
    contact_email   TEXT NOT NULL,
    contact_phone   TEXT,
    -- new, in_progress, waiting_for_partner, resolved, closed
    status          TEXT NOT NULL,
    assignee        TEXT,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    resolved_at     BIGINT
);
CREATE INDEX service_requests_by_org ON service_requests (org_id, created_at);
CREATE INDEX service_requests_by_status ON service_requests (status, created_at);

CREATE TABLE service_request_messages (
    id          TEXT PRIMARY KEY,
    request_id  TEXT NOT NULL REFERENCES service_requests (id) ON DELETE CASCADE,
    -- `partner` or `staff`
    author_kind TEXT NOT NULL,
    author_name TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX service_request_messages_by_request ON service_request_messages (request_id, created_at);
