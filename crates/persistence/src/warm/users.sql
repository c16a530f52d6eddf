-- Reads the users with ids from parameter 1 (included) to 2 (excluded), by
-- their primary key, rows included.
SELECT count(email) AS n FROM users WHERE id >= $1 AND id < $2
