-- Writes orders parameter 1 to parameter 2 (of parameter 3 in all, for
-- parameter 4 users and parameter 5 products) with their lines; with
-- parameter 6, their totals too (else the triggers add them up). Every value
-- is a function of the order's number N through seeded hashes:
-- - N ending in 0-3 is paid, 4-6 shipped, 7-8 pending, 9 cancelled;
-- - created_at grows with N over 2023-01-01 .. 2025-01-01 UTC (with jitter);
-- - 1 to 5 lines of distinct products, quantities 1 to 5, at the product's price.
WITH picked AS MATERIALIZED (
    SELECT i AS order_id, k,
           1 + ((hashint8extended(i, 6) & 9223372036854775807) + k) % $5 AS product_id,
           (1 + (hashint8extended(i * 8 + k, 8) & 9223372036854775807) % 5)::int AS quantity
      FROM generate_series($1::bigint, $2::bigint) AS i
     CROSS JOIN LATERAL generate_series(0, (hashint8extended(i, 9) & 9223372036854775807) % 5) AS k
),
lines AS MATERIALIZED (
    SELECT picked.*, p.price_cents FROM picked JOIN products p ON p.id = picked.product_id
),
totals AS (
    SELECT order_id, sum(quantity * price_cents) AS amount, sum(quantity) AS quantity
      FROM lines GROUP BY order_id
),
new_orders AS (
    INSERT INTO orders (id, user_id, status, created_at, updated_at, total_amount_cents, total_quantity)
    SELECT o.id, o.user_id, o.status, o.created_at,
           CASE WHEN o.status = 'pending' THEN NULL
                ELSE o.created_at
                     + (1 + (hashint8extended(o.id, 10) & 9223372036854775807) % 48) * interval '1 hour'
           END,
           CASE WHEN $6 THEN t.amount ELSE 0 END,
           CASE WHEN $6 THEN t.quantity ELSE 0 END
      FROM (SELECT i AS id,
                   1 + (hashint8extended(i, 11) & 9223372036854775807) % $4 AS user_id,
                   CASE WHEN i % 10 < 4 THEN 'paid' WHEN i % 10 < 7 THEN 'shipped'
                        WHEN i % 10 < 9 THEN 'pending' ELSE 'cancelled' END AS status,
                   timestamptz '2023-01-01 00:00:00+00'
                       + ((i - 1) * 63072000.0 / $3
                          + ((hashint8extended(i, 12) & 9223372036854775807) % 1000) / 1000.0
                            * 63072000.0 / $3) * interval '1 second'
                       AS created_at
              FROM generate_series($1::bigint, $2::bigint) AS i) o
      JOIN totals t ON t.order_id = o.id
    RETURNING id, created_at
)
INSERT INTO order_items (order_id, order_created_at, product_id, quantity, price_cents_at_purchase)
SELECT lines.order_id, new_orders.created_at, lines.product_id, lines.quantity, lines.price_cents
  FROM lines JOIN new_orders ON new_orders.id = lines.order_id
 ORDER BY lines.order_id, lines.k
