-- Whether any of the four tables holds a row.
SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM products)
       OR EXISTS (SELECT 1 FROM orders) OR EXISTS (SELECT 1 FROM order_items) AS any
