-- Reads the orders with ids from parameter 1 (included) to 2 (excluded), by
-- their primary key, rows included.
SELECT count(total_quantity) AS n FROM orders WHERE id >= $1 AND id < $2
