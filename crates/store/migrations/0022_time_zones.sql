-- The time zone a person chose under Account to read times in (an IANA name such as
-- "Asia/Tokyo"), or NULL for the program's time zone.
ALTER TABLE users ADD COLUMN time_zone TEXT;
ALTER TABLE staff_users ADD COLUMN time_zone TEXT;
