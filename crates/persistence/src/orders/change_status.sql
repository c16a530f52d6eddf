-- Moves an order to a new status if it is still at the version it was read at
-- (with the status read), records the change in its history and, when the
-- order is cancelled, gives its units back to the stock of its tracked
-- products, in one statement. Answers the order's new updated_at and version,
-- or no row when the order changed since it was read.
--
-- The products given back to are locked in id order before any is updated, as
-- placing orders locks them, so that the two cannot deadlock; the array
-- subquery is evaluated whole, once, before the first row is updated.
--
-- Parameters: 1 the order's id, 2 its status as read, 3 the new status, 4 the
-- API key making the change and 5 the request's id (either may be NULL), 6 its
-- version as read.
WITH changed AS (
    UPDATE orders
       SET status = $3, updated_at = now()
     WHERE id = $1 AND status = $2 AND version = $6
    RETURNING id, updated_at, version
),
recorded AS (
    INSERT INTO order_events (order_id, type, at, status_from, status_to, api_key_id, request_id)
    SELECT id, 'order.status_changed', updated_at, $2, $3, $4, $5 FROM changed
),
given_back AS (
    SELECT product_id, sum(quantity)::int AS units
      FROM order_items
     WHERE order_id = $1 AND $3 = 'cancelled' AND EXISTS (SELECT FROM changed)
     GROUP BY product_id
),
tracked AS MATERIALIZED (
    SELECT p.id
      FROM products p
     WHERE p.id IN (SELECT product_id FROM given_back) AND p.stock IS NOT NULL
     ORDER BY p.id
       FOR NO KEY UPDATE
),
restocked AS (
    UPDATE products p
       SET stock = p.stock + given_back.units
      FROM given_back
     WHERE p.id = given_back.product_id
       AND p.id = ANY (ARRAY(SELECT id FROM tracked))
)
SELECT updated_at, version FROM changed
