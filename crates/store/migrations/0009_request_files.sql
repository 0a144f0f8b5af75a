-- Attachments of service requests (the same columns as application_files; see store::files).
CREATE TABLE service_request_files (
    id           TEXT PRIMARY KEY,
    request_id   TEXT NOT NULL REFERENCES service_requests (id) ON DELETE CASCADE,
    org_id       TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    data         BYTEA NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  BIGINT NOT NULL
);
CREATE INDEX service_request_files_by_request ON service_request_files (request_id, uploaded_at);
