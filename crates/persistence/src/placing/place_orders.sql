-- Places a batch of orders in one statement, so in one transaction: reads the
-- users and the products' current prices, and writes each order with its lines
-- if its user and every product exist and its total fits in 64 bits. Answers
-- one row per order, in batch order, with its outcome; a refused order writes
-- nothing and does not stop the others. An order's user is reported missing
-- before any of its products. Order ids are drawn before the orders are
-- written, so that each answer row knows its order's place in the batch; the
-- lines' ids are drawn in request order.
--
-- Each order written gets its `order.created` event, naming who placed it.
--
-- Parameters: 1 the orders' users and 2 their statuses, in batch order; 3 the
-- place in the batch (from 1) of each line's order, 4 its product and
-- 5 its quantity, every order's lines one after the other; 6 the API key and
-- 7 the request that placed each order (either may be NULL), in batch order.
WITH params AS (
    SELECT $1::bigint[] AS user_ids, $2::text[] AS statuses, $3::int[] AS line_orders,
           $4::bigint[] AS product_ids, $5::int[] AS quantities,
           $6::bigint[] AS api_key_ids, $7::text[] AS request_ids
),
batch AS (
    SELECT b.k, b.user_id, b.status, b.api_key_id, b.request_id
      FROM params,
           unnest(params.user_ids, params.statuses, params.api_key_ids, params.request_ids)
               WITH ORDINALITY AS b(user_id, status, api_key_id, request_id, k)
),
lines AS (
    SELECT l.n, l.k, l.product_id, l.quantity
      FROM params,
           unnest(params.line_orders, params.product_ids, params.quantities)
               WITH ORDINALITY AS l(k, product_id, quantity, n)
),
priced AS (
    SELECT lines.n, lines.k, lines.product_id, lines.quantity, p.name, p.price_cents
      FROM lines LEFT JOIN products p ON p.id = lines.product_id
),
verdict AS (
    SELECT batch.k, batch.user_id, batch.status, u.full_name AS user_name,
           coalesce(array_agg(DISTINCT priced.product_id) FILTER (WHERE priced.price_cents IS NULL), '{}') AS missing,
           -- NULL when the total does not fit in 64 bits.
           sum_as_bigint(sum(priced.quantity::numeric * priced.price_cents)) AS amount,
           sum(priced.quantity) AS quantity,
           array_agg(priced.name ORDER BY priced.n) AS names,
           array_agg(priced.price_cents ORDER BY priced.n) AS prices,
           -- The totals, the day-totals change and the lines' copy of the order's
           -- date are written here: the triggers on orders and order_items need
           -- not add them.
           set_config('oms.order_totals_written', 'on', true) AS totals_written
      FROM batch
           LEFT JOIN users u ON u.id = batch.user_id
           JOIN priced ON priced.k = batch.k
     GROUP BY batch.k, batch.user_id, batch.status, u.full_name
),
accepted AS (
    SELECT v.k, nextval(sequence.name) AS id, v.user_id, v.status, v.amount, v.quantity
      FROM (SELECT pg_get_serial_sequence('orders', 'id')::regclass AS name) sequence,
           (SELECT * FROM verdict
             WHERE user_name IS NOT NULL AND cardinality(missing) = 0 AND amount IS NOT NULL
             ORDER BY k) v
),
new_orders AS (
    INSERT INTO orders (id, user_id, status, total_amount_cents, total_quantity)
    SELECT id, user_id, status, amount, quantity FROM accepted ORDER BY k
    RETURNING id, created_at
),
day_change AS (
    INSERT INTO order_day_totals_pending (status, day, orders, amount_cents, quantity)
    SELECT accepted.status, (new_orders.created_at AT TIME ZONE 'UTC')::date,
           count(*), sum(accepted.amount), sum(accepted.quantity)
      FROM accepted JOIN new_orders USING (id)
     GROUP BY 1, 2
),
new_items AS (
    INSERT INTO order_items (order_id, order_created_at, product_id, quantity, price_cents_at_purchase)
    SELECT accepted.id, new_orders.created_at, priced.product_id, priced.quantity, priced.price_cents
      FROM priced JOIN accepted USING (k) JOIN new_orders USING (id)
     ORDER BY priced.n
    RETURNING id, order_id
),
created AS (
    INSERT INTO order_events (order_id, type, at, status_to, api_key_id, request_id)
    SELECT accepted.id, 'order.created', new_orders.created_at, accepted.status,
           batch.api_key_id, batch.request_id
      FROM accepted JOIN new_orders USING (id) JOIN batch USING (k)
     ORDER BY accepted.k
),
item_ids AS (
    SELECT order_id, array_agg(id ORDER BY id) AS ids FROM new_items GROUP BY order_id
)
SELECT verdict.k, verdict.user_name, verdict.missing, verdict.amount IS NOT NULL AS fits,
       new_orders.id AS order_id, new_orders.created_at, item_ids.ids AS item_ids,
       verdict.names, verdict.prices
  FROM verdict
       LEFT JOIN accepted USING (k)
       LEFT JOIN new_orders USING (id)
       LEFT JOIN item_ids ON item_ids.order_id = new_orders.id
 ORDER BY verdict.k
