-- One page of the orders that contain a product, newest first, with their
-- lines (one row per line, lines in id order), and the count and totals of
-- every matching order on each row. Parameters: 1 the product; 2 a status,
-- 3 created at or after, 4 created before (each NULL for any); 5 the page size,
-- 6 the offset; 7 a user (NULL for any); 8 and 9 the creation time and id of
-- the row a cursor names (NULL without a cursor). The first six are those of
-- orders_of_user.sql, whose 7 and 8 are 8 and 9 here.
--
-- The orders are found from the product's lines in the index on the lines'
-- month, product and copy of their order's date: one descent per month of the
-- date range (migration 8). The months are computed here, once per execution:
-- every month from the lower bound to the upper one; a missing bound, or a
-- range wider than five years, is narrowed to the months from the first order
-- to the last (two probes of the orders' date index), so that no request walks
-- centuries of empty months; the months of infinite dates, which a program
-- writing plain SQL may store, are always included. The condition is spelt out
-- here rather than called as a function: PostgreSQL does not fold a function
-- with queries in it into the statement's plan.
--
-- A product's matching orders are few, so the window aggregates (computed
-- before LIMIT) cost little and spare a second statement; one prepared plan
-- serves every combination of the optional filters. Products' names are added
-- by the caller (from its cache, mostly).
WITH matching AS (
    SELECT o.id, o.user_id, o.status, o.created_at, o.updated_at,
           o.total_amount_cents, o.total_quantity, o.version,
           count(*) OVER () AS matched,
           sum_as_bigint(sum(o.total_amount_cents) OVER ()) AS matched_amount,
           sum_as_bigint(sum(o.total_quantity) OVER ()) AS matched_quantity
      FROM orders o
     WHERE o.id IN (
               SELECT order_id
                 FROM order_items
                WHERE date_trunc('month', order_created_at AT TIME ZONE 'UTC') = ANY (ARRAY(
                          SELECT generate_series(
                                     date_trunc('month',
                                         CASE WHEN bounds.from_at > bounds.before - interval '5 years'
                                              THEN bounds.from_at
                                              ELSE greatest(bounds.from_at,
                                                            (SELECT min(created_at) FROM orders
                                                              WHERE created_at > '-infinity'))
                                         END AT TIME ZONE 'UTC'),
                                     date_trunc('month',
                                         CASE WHEN bounds.before < bounds.from_at + interval '5 years'
                                              THEN bounds.before
                                              ELSE least(bounds.before,
                                                         (SELECT max(created_at) FROM orders
                                                           WHERE created_at < 'infinity'))
                                         END AT TIME ZONE 'UTC'),
                                     interval '1 month')
                            FROM (SELECT $3::timestamptz AS from_at, $4::timestamptz AS before) bounds
                      ) || '{-infinity,infinity}'::timestamp[])
                  AND product_id = $1
                  AND order_created_at >= coalesce($3::timestamptz, '-infinity')
                  AND order_created_at < coalesce($4::timestamptz, 'infinity'))
       AND ($2::text IS NULL OR o.status = $2)
       AND ($7::bigint IS NULL OR o.user_id = $7)
       AND ($3::timestamptz IS NULL OR o.created_at >= $3)
       AND ($4::timestamptz IS NULL OR o.created_at < $4)
),
-- The page: after the row a cursor names (the totals above are of every
-- match, so the cursor's condition comes after them), or from an offset.
page AS (
    SELECT *
      FROM matching
     WHERE $8::timestamptz IS NULL OR (created_at, id) < ($8, $9::bigint)
     ORDER BY created_at DESC, id DESC
     LIMIT $5 OFFSET $6
)
SELECT page.id, page.user_id, page.status, page.created_at, page.updated_at,
       page.total_amount_cents, page.total_quantity, page.version, u.full_name,
       i.id AS item_id, i.product_id, i.quantity, i.price_cents_at_purchase,
       NULL::text AS product_name,
       page.matched, page.matched_amount, page.matched_quantity
  FROM page
  JOIN users u ON u.id = page.user_id
  LEFT JOIN order_items i ON i.order_id = page.id
 ORDER BY page.created_at DESC, page.id DESC, i.id
