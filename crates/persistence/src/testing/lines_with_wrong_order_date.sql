-- Counts the lines whose copy of their order's date differs from the order's
-- `created_at` (as column `n`); 0 when every copy is right.
SELECT count(*) AS n FROM order_items i
JOIN orders o ON o.id = i.order_id
WHERE i.order_created_at <> o.created_at
