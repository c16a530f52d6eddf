-- An order with its user's name and its lines with their products' names: one
-- row per line, in line id order (one row with empty line columns for an order
-- without lines). Parameter 1: the order's id.
SELECT o.id, o.user_id, o.status, o.created_at, o.updated_at, o.total_amount_cents,
       o.total_quantity, o.version, u.full_name, i.id AS item_id, i.product_id, i.quantity,
       i.price_cents_at_purchase, p.name AS product_name
  FROM orders o
  JOIN users u ON u.id = o.user_id
  LEFT JOIN order_items i ON i.order_id = o.id
  LEFT JOIN products p ON p.id = i.product_id
 WHERE o.id = $1
 ORDER BY i.id
