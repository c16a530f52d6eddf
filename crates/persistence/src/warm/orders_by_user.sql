-- Reads the entries of the orders' user index for the users with ids from
-- parameter 1 (included) to 2 (excluded).
SELECT count(*) AS n FROM orders WHERE user_id >= $1 AND user_id < $2
