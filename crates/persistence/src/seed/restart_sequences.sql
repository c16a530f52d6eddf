-- Moves each table's id sequence past the ids written with explicit values.
-- (Functions in FROM are always run; the answer has no columns.)
SELECT
  FROM setval(pg_get_serial_sequence('users', 'id'),
              greatest((SELECT max(id) FROM users), 1)) AS users,
       setval(pg_get_serial_sequence('products', 'id'),
              greatest((SELECT max(id) FROM products), 1)) AS products,
       setval(pg_get_serial_sequence('orders', 'id'),
              greatest((SELECT max(id) FROM orders), 1)) AS orders,
       setval(pg_get_serial_sequence('order_items', 'id'),
              greatest((SELECT max(id) FROM order_items), 1)) AS order_items
