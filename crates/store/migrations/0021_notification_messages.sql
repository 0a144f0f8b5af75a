-- A notification's title and body as message keys with their values (JSON written by the app),
-- so that each reader reads it in their own language. Rows from before have none and show their
-- title and body as stored.
ALTER TABLE notifications ADD COLUMN message TEXT;
