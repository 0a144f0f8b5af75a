-- A subscription that staff cancelled at the end of its term: it runs to its end without
-- renewal reminders and then ends as cancelled (not expired). Renewing it clears the mark.
ALTER TABLE subscriptions ADD COLUMN ends_cancelled BIGINT NOT NULL DEFAULT 0;
