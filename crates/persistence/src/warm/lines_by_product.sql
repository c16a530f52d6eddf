-- Reads the entries of the lines' product index (led by the month of the
-- line's order, migration 8) for the products with ids from parameter 1
-- (included) to 2 (excluded), in every month from the first order to the last
-- and the months of infinite dates.
SELECT count(*) AS n
  FROM order_items
 WHERE date_trunc('month', order_created_at AT TIME ZONE 'UTC') = ANY (ARRAY(
           SELECT generate_series(
                      date_trunc('month', (SELECT min(created_at) FROM orders
                                            WHERE created_at > '-infinity') AT TIME ZONE 'UTC'),
                      date_trunc('month', (SELECT max(created_at) FROM orders
                                            WHERE created_at < 'infinity') AT TIME ZONE 'UTC'),
                      interval '1 month')
       ) || '{-infinity,infinity}'::timestamp[])
   AND product_id >= $1 AND product_id < $2
