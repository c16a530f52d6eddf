-- Each order's totals, stored on the order: an order's lines never change once it
-- is placed, so Σ quantity × price and Σ quantity are computed once, not per read.
--
-- The totals are kept by triggers on order_items rather than by oms's code, because
-- other programs (imports, reporting jobs) write these tables with plain SQL that
-- names only the seed's columns. Statement-level triggers with transition tables
-- apply one set-based UPDATE per statement, so a bulk load of millions of lines
-- costs one pass over the touched orders, not one UPDATE per line.

ALTER TABLE orders
    ADD COLUMN IF NOT EXISTS total_amount_cents BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS total_quantity BIGINT NOT NULL DEFAULT 0;

-- search_path is pinned to the schema being migrated, so the trigger updates the
-- right orders table whatever search_path the writing session uses.
CREATE FUNCTION order_items_keep_order_totals() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    -- oms places an order and its lines in one statement with the order's totals
    -- already written, and says so for the rest of that transaction.
    IF TG_OP = 'INSERT' AND current_setting('oms.order_totals_written', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        UPDATE orders o
           SET total_amount_cents = o.total_amount_cents + d.amount,
               total_quantity = o.total_quantity + d.quantity
          FROM (SELECT order_id,
                       sum(quantity::bigint * price_cents_at_purchase) AS amount,
                       sum(quantity::bigint) AS quantity
                  FROM new_items GROUP BY order_id) d
         WHERE o.id = d.order_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE orders o
           SET total_amount_cents = o.total_amount_cents - d.amount,
               total_quantity = o.total_quantity - d.quantity
          FROM (SELECT order_id,
                       sum(quantity::bigint * price_cents_at_purchase) AS amount,
                       sum(quantity::bigint) AS quantity
                  FROM old_items GROUP BY order_id) d
         WHERE o.id = d.order_id;
    ELSE
        UPDATE orders o
           SET total_amount_cents = o.total_amount_cents + d.amount,
               total_quantity = o.total_quantity + d.quantity
          FROM (SELECT order_id, sum(amount) AS amount, sum(quantity) AS quantity
                  FROM (SELECT order_id, quantity::bigint * price_cents_at_purchase AS amount,
                               quantity::bigint AS quantity
                          FROM new_items
                        UNION ALL
                        SELECT order_id, -(quantity::bigint * price_cents_at_purchase),
                               -quantity::bigint
                          FROM old_items) changes
                 GROUP BY order_id) d
         WHERE o.id = d.order_id AND (d.amount <> 0 OR d.quantity <> 0);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER order_items_totals_on_insert
    AFTER INSERT ON order_items REFERENCING NEW TABLE AS new_items
    FOR EACH STATEMENT EXECUTE FUNCTION order_items_keep_order_totals();
CREATE TRIGGER order_items_totals_on_update
    AFTER UPDATE ON order_items REFERENCING OLD TABLE AS old_items NEW TABLE AS new_items
    FOR EACH STATEMENT EXECUTE FUNCTION order_items_keep_order_totals();
CREATE TRIGGER order_items_totals_on_delete
    AFTER DELETE ON order_items REFERENCING OLD TABLE AS old_items
    FOR EACH STATEMENT EXECUTE FUNCTION order_items_keep_order_totals();

-- Orders that already have lines (an adopted seed database) get their totals now.
UPDATE orders o
   SET total_amount_cents = d.amount, total_quantity = d.quantity
  FROM (SELECT order_id,
               sum(quantity::bigint * price_cents_at_purchase) AS amount,
               sum(quantity::bigint) AS quantity
          FROM order_items GROUP BY order_id) d
 WHERE o.id = d.order_id
   AND (o.total_amount_cents, o.total_quantity) IS DISTINCT FROM (d.amount, d.quantity);
