-- Reads the entries of the lines' order index for the orders with ids from
-- parameter 1 (included) to 2 (excluded).
SELECT count(*) AS n FROM order_items WHERE order_id >= $1 AND order_id < $2
