-- Counts the (status, day) pairs where `order_day_totals` disagrees with a
-- full recomputation from `orders` (as column `n`); 0 when the fast path is
-- right.
SELECT count(*) AS n FROM (
    SELECT status, (created_at AT TIME ZONE 'UTC')::date AS day, count(*)::numeric AS orders,
           sum(total_amount_cents) AS amount, sum(total_quantity) AS quantity
      FROM orders GROUP BY 1, 2) full_recount
FULL JOIN (
    SELECT status, day, sum(orders)::numeric AS orders, sum(amount_cents) AS amount,
           sum(quantity) AS quantity
      FROM (SELECT status, day, orders, amount_cents, quantity FROM order_day_totals
            UNION ALL
            SELECT status, day, orders, amount_cents, quantity FROM order_day_totals_pending) both_tables
     GROUP BY 1, 2
    HAVING sum(orders) <> 0 OR sum(amount_cents) <> 0 OR sum(quantity) <> 0) kept
USING (status, day)
WHERE full_recount.orders IS DISTINCT FROM kept.orders
   OR full_recount.amount IS DISTINCT FROM kept.amount
   OR full_recount.quantity IS DISTINCT FROM kept.quantity
