-- The count and totals of the orders of whole UTC days: the compacted day
-- totals plus the changes not compacted yet, read in one statement so that a
-- compaction is seen whole or not at all. Parameters: 1 a status (NULL for
-- any), 2 the first day (included), 3 the day after the last (each NULL for
-- open). A sum that does not fit in 64 bits is NULL.
SELECT sum_as_bigint(sum(orders)) AS orders,
       sum_as_bigint(sum(amount_cents)) AS amount,
       sum_as_bigint(sum(quantity)) AS quantity
  FROM (SELECT status, day, orders, amount_cents, quantity FROM order_day_totals
        UNION ALL
        SELECT status, day, orders, amount_cents, quantity FROM order_day_totals_pending) totals
 WHERE ($1::text IS NULL OR status = $1)
   AND ($2::date IS NULL OR day >= $2)
   AND ($3::date IS NULL OR day < $3)
