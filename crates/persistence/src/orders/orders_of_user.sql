-- One page of a user's orders, newest first, with their lines (one row per
-- line, lines in id order), and the count and totals of every matching order on
-- each row. Parameters: 1 the user; 2 a status, 3 created at or after, 4 created
-- before (each NULL for any); 5 the page size, 6 the offset; 7 and 8 the
-- creation time and id of the row a cursor names (NULL without a cursor).
--
-- A user has few orders, so the window aggregates (computed before LIMIT) cost
-- little and spare a second statement. Whatever the optional filters are, the
-- best plan starts from the user's orders, so one prepared plan serves them
-- all. Products' names are added by the caller (from its cache, mostly).
WITH matching AS (
    SELECT o.id, o.user_id, o.status, o.created_at, o.updated_at,
           o.total_amount_cents, o.total_quantity, o.version,
           count(*) OVER () AS matched,
           sum_as_bigint(sum(o.total_amount_cents) OVER ()) AS matched_amount,
           sum_as_bigint(sum(o.total_quantity) OVER ()) AS matched_quantity
      FROM orders o
     WHERE o.user_id = $1
       AND ($2::text IS NULL OR o.status = $2)
       AND ($3::timestamptz IS NULL OR o.created_at >= $3)
       AND ($4::timestamptz IS NULL OR o.created_at < $4)
),
-- The page: after the row a cursor names (the totals above are of every
-- match, so the cursor's condition comes after them), or from an offset.
page AS (
    SELECT *
      FROM matching
     WHERE $7::timestamptz IS NULL OR (created_at, id) < ($7, $8::bigint)
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
