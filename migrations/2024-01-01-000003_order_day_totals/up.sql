-- Totals of orders per UTC day and status, so that list totals over millions of
-- orders read a few hundred rows instead of every matching order.
--
-- Each (day, status) is split over 8 shards by order id: concurrent writers of
-- today's orders update different rows instead of queueing on one. Sums are
-- numeric, so they cannot overflow however many orders a day holds.
--
-- Statement-level triggers on orders keep the table right for every writer,
-- including programs that write orders and order_items with plain SQL: a change of
-- an order's status, day or totals (the totals change when its lines are written)
-- moves it between buckets. Rows are upserted in key order, so two writers never
-- wait for each other's bucket rows in opposite orders.

CREATE TABLE order_day_totals (
    status       TEXT     NOT NULL,
    day          DATE     NOT NULL,
    shard        SMALLINT NOT NULL,
    orders       BIGINT   NOT NULL,
    amount_cents NUMERIC  NOT NULL,
    quantity     NUMERIC  NOT NULL,
    PRIMARY KEY (status, day, shard)
);

CREATE INDEX order_day_totals_day_idx ON order_day_totals (day);

-- A trigger with transition tables handles one event, so each event has its own
-- function.
CREATE FUNCTION order_day_totals_on_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO order_day_totals AS t (status, day, shard, orders, amount_cents, quantity)
    SELECT status, (created_at AT TIME ZONE 'UTC')::date, (id % 8)::smallint,
           count(*), sum(total_amount_cents), sum(total_quantity)
      FROM new_orders
     GROUP BY 1, 2, 3
     ORDER BY 1, 2, 3
    ON CONFLICT (status, day, shard) DO UPDATE
       SET orders = t.orders + excluded.orders,
           amount_cents = t.amount_cents + excluded.amount_cents,
           quantity = t.quantity + excluded.quantity;
    RETURN NULL;
END $$;

CREATE FUNCTION order_day_totals_on_delete() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO order_day_totals AS t (status, day, shard, orders, amount_cents, quantity)
    SELECT status, (created_at AT TIME ZONE 'UTC')::date, (id % 8)::smallint,
           -count(*), -sum(total_amount_cents), -sum(total_quantity)
      FROM old_orders
     GROUP BY 1, 2, 3
     ORDER BY 1, 2, 3
    ON CONFLICT (status, day, shard) DO UPDATE
       SET orders = t.orders + excluded.orders,
           amount_cents = t.amount_cents + excluded.amount_cents,
           quantity = t.quantity + excluded.quantity;
    RETURN NULL;
END $$;

CREATE FUNCTION order_day_totals_on_update() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO order_day_totals AS t (status, day, shard, orders, amount_cents, quantity)
    SELECT status, day, shard, sum(orders), sum(amount), sum(quantity)
      FROM (SELECT n.status, (n.created_at AT TIME ZONE 'UTC')::date AS day, (n.id % 8)::smallint AS shard,
                   1 AS orders, n.total_amount_cents::numeric AS amount, n.total_quantity::numeric AS quantity
              FROM new_orders n
            UNION ALL
            SELECT o.status, (o.created_at AT TIME ZONE 'UTC')::date, (o.id % 8)::smallint,
                   -1, -o.total_amount_cents::numeric, -o.total_quantity::numeric
              FROM old_orders o) changes
     GROUP BY status, day, shard
    HAVING sum(orders) <> 0 OR sum(amount) <> 0 OR sum(quantity) <> 0
     ORDER BY status, day, shard
    ON CONFLICT (status, day, shard) DO UPDATE
       SET orders = t.orders + excluded.orders,
           amount_cents = t.amount_cents + excluded.amount_cents,
           quantity = t.quantity + excluded.quantity;
    RETURN NULL;
END $$;

CREATE FUNCTION order_day_totals_on_truncate() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM order_day_totals;
    RETURN NULL;
END $$;

-- Recomputes the whole table from orders: for bulk loads that bypass triggers,
-- and to check the incremental totals.
CREATE FUNCTION order_day_totals_rebuild() RETURNS void
LANGUAGE sql SET search_path FROM CURRENT AS $$
    DELETE FROM order_day_totals;
    INSERT INTO order_day_totals (status, day, shard, orders, amount_cents, quantity)
    SELECT status, (created_at AT TIME ZONE 'UTC')::date, (id % 8)::smallint,
           count(*), sum(total_amount_cents), sum(total_quantity)
      FROM orders
     GROUP BY 1, 2, 3;
$$;

CREATE TRIGGER order_day_totals_insert
    AFTER INSERT ON orders REFERENCING NEW TABLE AS new_orders
    FOR EACH STATEMENT EXECUTE FUNCTION order_day_totals_on_insert();
CREATE TRIGGER order_day_totals_update
    AFTER UPDATE ON orders REFERENCING OLD TABLE AS old_orders NEW TABLE AS new_orders
    FOR EACH STATEMENT EXECUTE FUNCTION order_day_totals_on_update();
CREATE TRIGGER order_day_totals_delete
    AFTER DELETE ON orders REFERENCING OLD TABLE AS old_orders
    FOR EACH STATEMENT EXECUTE FUNCTION order_day_totals_on_delete();
CREATE TRIGGER order_day_totals_truncate
    AFTER TRUNCATE ON orders
    FOR EACH STATEMENT EXECUTE FUNCTION order_day_totals_on_truncate();

SELECT order_day_totals_rebuild();

-- The edges of a date range are summed from orders themselves; carrying the
-- totals in the list indexes lets PostgreSQL do that from the index alone.
DROP INDEX orders_status_created_at_id_idx;
CREATE INDEX orders_status_created_at_id_idx
    ON orders (status, created_at, id) INCLUDE (total_amount_cents, total_quantity);
DROP INDEX orders_created_at_id_idx;
CREATE INDEX orders_created_at_id_idx
    ON orders (created_at, id) INCLUDE (total_amount_cents, total_quantity);
