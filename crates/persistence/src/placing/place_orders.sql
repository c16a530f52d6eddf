-- Places a batch of orders in one statement, so in one transaction: reads the
-- users and the products' current prices, and writes each order with its lines
-- if its user and every product exist, its total fits in 64 bits and the stock
-- of its tracked products serves it. Answers one row per order, in batch order,
-- with its outcome; a refused order writes nothing and does not stop the
-- others. An order's user is reported missing before any of its products, and
-- stock is only looked at for orders that pass every other check. Order ids are
-- drawn before the orders are written, so that each answer row knows its
-- order's place in the batch; the lines' ids are drawn in request order.
--
-- Stock: the tracked products the batch orders are locked in id order (two
-- batches lock what they share in the same order, so they cannot deadlock) and
-- read as last committed; the orders are then served one after the other in
-- batch order, each taking all it asks of every tracked product or, when one
-- has too little left, nothing. What the served orders took is subtracted in
-- the same statement, under the lock, so no other transaction can take it in
-- between; the column's CHECK (stock >= 0) is the last guard.
--
-- Each order written gets its `order.created` event, naming who placed it, and
-- its webhook event when an enabled endpoint wants it (see the migration
-- `webhooks`): written here from what the statement holds, so that the
-- trigger on order_events, told so by `oms.order_events_published`, need not
-- read each order back.
--
-- Parameters: 1 the orders' users and 2 their statuses, in batch order; 3 the
-- place in the batch (from 1) of each line's order, 4 its product and
-- 5 its quantity, every order's lines one after the other; 6 the API key and
-- 7 the request that placed each order (either may be NULL), in batch order.
WITH RECURSIVE params AS (
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
    SELECT lines.n, lines.k, lines.product_id, lines.quantity, p.name, p.price_cents,
           p.stock IS NOT NULL AS tracked
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
           set_config('oms.order_totals_written', 'on', true) AS totals_written,
           set_config('oms.order_events_published', 'on', true) AS events_published
      FROM batch
           LEFT JOIN users u ON u.id = batch.user_id
           JOIN priced ON priced.k = batch.k
     GROUP BY batch.k, batch.user_id, batch.status, u.full_name
),
candidates AS (
    SELECT k
      FROM verdict
     WHERE user_name IS NOT NULL AND cardinality(missing) = 0 AND amount IS NOT NULL
),
-- Only products that tracked stock when the statement began are locked: one
-- that starts tracking it meanwhile is served untracked this once, and a batch
-- without tracked products looks nothing up here.
tracked AS MATERIALIZED (
    SELECT p.id, p.stock
      FROM products p
     WHERE p.id = ANY (ARRAY(SELECT priced.product_id FROM priced JOIN candidates USING (k)
                              WHERE priced.tracked))
       AND p.stock IS NOT NULL
     ORDER BY p.id
       FOR NO KEY UPDATE
),
-- The tracked products, and their stock, as two arrays in id order: the
-- aggregate reads every locked row before anything is served.
stock AS (
    SELECT coalesce(array_agg(id ORDER BY id), '{}') AS ids,
           coalesce(array_agg(stock ORDER BY id), '{}') AS units
      FROM tracked
),
-- The candidates that order tracked products, each with its turn, and what
-- it asks of every tracked product (0 of those it does not order), in the order
-- of stock.ids; repeated lines of a product count together. The others need
-- no stock and are served whatever is left.
contenders AS (
    SELECT c.k, row_number() OVER (ORDER BY c.k) AS turn
      FROM candidates c
     WHERE EXISTS (SELECT FROM lines l JOIN tracked t ON t.id = l.product_id WHERE l.k = c.k)
),
wants AS (
    SELECT c.turn, c.k,
           ARRAY(SELECT coalesce(sum(l.quantity), 0)::int
                   FROM unnest(stock.ids) WITH ORDINALITY AS t(id, i)
                        LEFT JOIN lines l ON l.product_id = t.id AND l.k = c.k
                  GROUP BY t.i
                  ORDER BY t.i) AS units
      FROM contenders c, stock
),
-- The contenders served in turn: `remaining` is the stock left after the turn,
-- `before` what the turn's order found.
serving (turn, k, served, before, remaining) AS (
    SELECT 0::bigint, NULL::bigint, NULL::boolean, NULL::int[], units FROM stock
    UNION ALL
    SELECT w.turn, w.k, enough.served, s.remaining,
           CASE WHEN enough.served
                THEN ARRAY(SELECT x.left_units - x.wanted
                             FROM unnest(s.remaining, w.units) WITH ORDINALITY AS x(left_units, wanted, i)
                            ORDER BY x.i)
                ELSE s.remaining
           END
      FROM serving s
           JOIN wants w ON w.turn = s.turn + 1
           CROSS JOIN LATERAL (
               SELECT coalesce(bool_and(x.wanted <= x.left_units), true) AS served
                 FROM unnest(s.remaining, w.units) AS x(left_units, wanted)
           ) enough
),
-- For each order refused for stock, the products it asked too much of and what
-- they had left.
short AS (
    SELECT s.k, array_agg(x.id ORDER BY x.id) AS ids, array_agg(x.left_units ORDER BY x.id) AS left_units
      FROM serving s
           JOIN wants w USING (k)
           CROSS JOIN stock
           CROSS JOIN LATERAL unnest(stock.ids, s.before, w.units) AS x(id, left_units, wanted)
     WHERE NOT s.served AND x.wanted > x.left_units
     GROUP BY s.k
),
taken AS (
    UPDATE products p
       SET stock = p.stock - x.units
      FROM (SELECT x.id, x.before - x.after AS units
              FROM stock,
                   (SELECT remaining FROM serving ORDER BY turn DESC LIMIT 1) last,
                   unnest(stock.ids, stock.units, last.remaining) AS x(id, before, after)) x
     WHERE p.id = x.id AND x.units > 0
),
accepted AS (
    SELECT v.k, nextval(sequence.name) AS id, v.user_id, v.status, v.amount, v.quantity
      FROM (SELECT pg_get_serial_sequence('orders', 'id')::regclass AS name) sequence,
           (SELECT verdict.*
              FROM verdict
                   JOIN candidates USING (k)
                   LEFT JOIN serving USING (k)
             WHERE serving.served IS NOT FALSE
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
    RETURNING id, order_id, product_id, quantity, price_cents_at_purchase
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
),
-- Each order's lines as the API writes them (JSON without spaces). Only read
-- when an endpoint wants the orders' events.
order_lines AS (
    SELECT i.order_id,
           string_agg(format('{"id":%s,"product_id":%s,"product_name":%s,"quantity":%s,"price_cents_at_purchase":%s}',
                             i.id, i.product_id, to_json(names.name), i.quantity,
                             i.price_cents_at_purchase),
                      ',' ORDER BY i.id) AS items
      FROM new_items i
           JOIN (SELECT DISTINCT product_id, name FROM priced) names USING (product_id)
     GROUP BY i.order_id
),
published AS (
    INSERT INTO webhook_events (type, subject, data)
    SELECT 'order.created', 'order:' || a.id,
           format('{"order_id":%s,"user_id":%s,"user_name":%s,"status":%s,"created_at":%s,"updated_at":null,"items":[%s],"total_amount_cents":%s,"total_quantity":%s,"version":1}',
                  a.id, a.user_id, to_json(v.user_name), to_json(a.status),
                  to_json(api_timestamp(o.created_at)), l.items, a.amount, a.quantity)::json
      FROM accepted a
           JOIN new_orders o USING (id)
           JOIN verdict v USING (k)
           JOIN order_lines l ON l.order_id = a.id
     WHERE (SELECT 'order.created' = ANY (t) OR '*' = ANY (t) FROM webhook_wanted_types() t)
     ORDER BY a.k
    RETURNING seq, type, subject, created_at
),
queued AS (
    INSERT INTO webhook_queue (id, endpoint_id, event_seq, subject, attempt, due_at)
    SELECT nextval('webhook_deliveries_id_seq'), w.id, e.seq, e.subject, 1, e.created_at
      FROM published e
           JOIN webhook_endpoints w
             ON w.enabled AND (w.events @> ARRAY[e.type] OR w.events @> ARRAY['*'])
     ORDER BY e.seq, w.id
)
SELECT verdict.k, verdict.user_name, verdict.missing, verdict.amount IS NOT NULL AS fits,
       coalesce(short.ids, '{}') AS short_ids, coalesce(short.left_units, '{}') AS short_left,
       new_orders.id AS order_id, new_orders.created_at, item_ids.ids AS item_ids,
       verdict.names, verdict.prices
  FROM verdict
       LEFT JOIN short USING (k)
       LEFT JOIN accepted USING (k)
       LEFT JOIN new_orders USING (id)
       LEFT JOIN item_ids ON item_ids.order_id = new_orders.id
 ORDER BY verdict.k
