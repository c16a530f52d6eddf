-- The lines of one product in one month (of the order dates they copy), newest
-- first, after the order a cursor names: one ordered range of the lines' index
-- on month, product and order date (migration 8), so an export of a product's
-- orders reads only the product's lines.
-- Parameters: 1 the month (its first instant, UTC, without a zone), 2 the
-- product, 3 and 4 the creation time and id of the order the chunk follows
-- (NULL for none), 5 the most lines to read.
SELECT i.order_id, i.order_created_at
  FROM order_items i
 WHERE date_trunc('month', i.order_created_at AT TIME ZONE 'UTC') = $1::timestamp
   AND i.product_id = $2
   AND ($3::timestamptz IS NULL OR (i.order_created_at, i.order_id) < ($3, $4::bigint))
 ORDER BY i.order_created_at DESC, i.order_id DESC
 LIMIT $5
