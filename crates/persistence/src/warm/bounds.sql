-- The first and last ids of the users, products and orders (NULL when a table
-- is empty): the ranges the walks cut into parts.
SELECT (SELECT min(id) FROM users) AS first_user, (SELECT max(id) FROM users) AS last_user,
       (SELECT min(id) FROM products) AS first_product,
       (SELECT max(id) FROM products) AS last_product,
       (SELECT min(id) FROM orders) AS first_order, (SELECT max(id) FROM orders) AS last_order
