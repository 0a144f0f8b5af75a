-- Lookups the renewal run makes for every subscription of a batch go by key, never by a
-- status range: on PostgreSQL a range of an index on status keeps the entries of every row
-- that has left it until vacuum runs, and a big renewal day leaves a million of them.
CREATE INDEX orders_by_subscription ON orders (subscription_id);
CREATE INDEX payment_attempts_by_order ON payment_attempts (order_id);
