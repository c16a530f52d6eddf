-- Counts the orders whose stored totals differ from the sums over their lines
-- (as column `n`); 0 when every stored total is right.
SELECT count(*) AS n FROM orders o
LEFT JOIN (SELECT order_id, sum(quantity::bigint * price_cents_at_purchase) AS amount,
                  sum(quantity) AS quantity
             FROM order_items GROUP BY order_id) s ON s.order_id = o.id
WHERE o.total_amount_cents <> coalesce(s.amount, 0)
   OR o.total_quantity <> coalesce(s.quantity, 0)
