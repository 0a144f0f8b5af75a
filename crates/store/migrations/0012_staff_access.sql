-- A staff account whose access was removed: it no longer signs in, its sessions and API tokens
-- are ended, and it stays for the record (audit rows and request messages name it).
ALTER TABLE staff_users ADD COLUMN disabled_at BIGINT;
