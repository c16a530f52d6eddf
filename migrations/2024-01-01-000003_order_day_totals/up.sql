-- Totals of orders per UTC day and status, so that list totals over millions of
-- orders read a few thousand small rows instead of every matching order.
--
-- Writers never update a shared row: triggers on orders append each statement's
-- change (grouped by day and status) to order_day_totals_pending, an insert-only
-- table, so concurrent writers do not wait for each other. order_day_totals_compact()
-- folds the pending changes into order_day_totals in one statement; the server runs
-- it every second, and readers add both tables (in one statement, so they see a
-- compaction entirely or not at all). Sums are numeric, so they cannot overflow.
--
-- The triggers are statement-level, so they keep the totals right for every
-- writer, including programs that write orders and order_items with plain SQL: a
-- change of an order's status, day or totals (its totals change when its lines are
-- written) moves it between days and statuses.

CREATE TABLE order_day_totals (
    status       TEXT    NOT NULL,
    day          DATE    NOT NULL,
    orders       BIGINT  NOT NULL,
    amount_cents NUMERIC NOT NULL,
    quantity     NUMERIC NOT NULL,
    PRIMARY KEY (status, day)
);

CREATE TABLE order_day_totals_pending (
    id           BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    status       TEXT    NOT NULL,
    day          DATE    NOT NULL,
    orders       BIGINT  NOT NULL,
    amount_cents NUMERIC NOT NULL,
    quantity     NUMERIC NOT NULL
);

-- A trigger with transition tables handles one event, so each event has its own
-- function.
CREATE FUNCTION order_day_totals_on_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO order_day_totals_pending (status, day, orders, amount_cents, quantity)
    SELECT status, (created_at AT TIME ZONE 'UTC')::date, count(*), sum(total_amount_cents), sum(total_quantity)
      FROM new_orders
     GROUP BY 1, 2;
    RETURN NULL;
END $$;

CREATE FUNCTION order_day_totals_on_update() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO order_day_totals_pending (status, day, orders, amount_cents, quantity)
    SELECT status, day, sum(orders), sum(amount), sum(quantity)
      FROM (SELECT status, (created_at AT TIME ZONE 'UTC')::date AS day, 1 AS orders,
                   total_amount_cents::numeric AS amount, total_quantity::numeric AS quantity
              FROM new_orders
            UNION ALL
            SELECT status, (created_at AT TIME ZONE 'UTC')::date, -1,
                   -total_amount_cents::numeric, -total_quantity::numeric
              FROM old_orders) changes
     GROUP BY status, day
    HAVING sum(orders) <> 0 OR sum(amount) <> 0 OR sum(quantity) <> 0;
    RETURN NULL;
END $$;

CREATE FUNCTION order_day_totals_on_delete() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO order_day_totals_pending (status, day, orders, amount_cents, quantity)
    SELECT status, (created_at AT TIME ZONE 'UTC')::date, -count(*), -sum(total_amount_cents), -sum(total_quantity)
      FROM old_orders
     GROUP BY 1, 2;
    RETURN NULL;
END $$;

CREATE FUNCTION order_day_totals_on_truncate() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    TRUNCATE order_day_totals, order_day_totals_pending;
    RETURN NULL;
END $$;

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

-- Folds the pending changes into order_day_totals. Rows deleted here are added
-- there in the same statement; a concurrent compaction waits on the rows and then
-- finds them gone, so nothing is counted twice. Upserts go in key order, so two
-- compactions never wait for each other in opposite orders.
CREATE FUNCTION order_day_totals_compact() RETURNS bigint
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH moved AS (
        DELETE FROM order_day_totals_pending RETURNING status, day, orders, amount_cents, quantity
    ), folded AS (
        INSERT INTO order_day_totals AS t (status, day, orders, amount_cents, quantity)
        SELECT status, day, sum(orders), sum(amount_cents), sum(quantity)
          FROM moved
         GROUP BY status, day
         ORDER BY status, day
        ON CONFLICT (status, day) DO UPDATE
           SET orders = t.orders + excluded.orders,
               amount_cents = t.amount_cents + excluded.amount_cents,
               quantity = t.quantity + excluded.quantity
        RETURNING 1
    )
    SELECT count(*) FROM moved;
$$;

-- Recomputes the totals from orders: for bulk loads that bypass the triggers.
CREATE FUNCTION order_day_totals_rebuild() RETURNS void
LANGUAGE sql SET search_path FROM CURRENT AS $$
    TRUNCATE order_day_totals, order_day_totals_pending;
    INSERT INTO order_day_totals (status, day, orders, amount_cents, quantity)
    SELECT status, (created_at AT TIME ZONE 'UTC')::date, count(*), sum(total_amount_cents), sum(total_quantity)
      FROM orders
     GROUP BY 1, 2;
$$;

SELECT order_day_totals_rebuild();

-- The edges of a date range are summed from orders themselves; carrying the
-- totals in the list indexes lets PostgreSQL do that from the index alone.
DROP INDEX orders_status_created_at_id_idx;
CREATE INDEX orders_status_created_at_id_idx
    ON orders (status, created_at, id) INCLUDE (total_amount_cents, total_quantity);
DROP INDEX orders_created_at_id_idx;
CREATE INDEX orders_created_at_id_idx
    ON orders (created_at, id) INCLUDE (total_amount_cents, total_quantity);
