-- Indexes that hold only the rows their queries look for. Every Buy writes an attempt that is
-- pending and then settled, and a purchase order gets its subscription only when paid: an
-- index of all attempts by status, or of all orders with an empty subscription, changes one
-- more page of the database (and of its log) on each, for entries that no query reads.
DROP INDEX payment_attempts_pending;
CREATE INDEX payment_attempts_pending ON payment_attempts (created_at) WHERE status = 'pending';
DROP INDEX orders_by_subscription;
CREATE INDEX orders_by_subscription ON orders (subscription_id) WHERE subscription_id IS NOT NULL;
