-- Each line carries its order's created_at, so that "the orders of a product
-- within dates" is one range of one index, (product_id, order_created_at,
-- order_id), instead of every order that ever contained the product, each
-- looked up by primary key for its date (about 300 random reads per request at
-- 10 M orders, for some 40 matches).
--
-- The copy is kept by triggers, so it holds for every writer: a line written by
-- any program takes its order's date; a line moved to another order takes that
-- order's date; an order whose created_at changes passes it to its lines. Only
-- oms, whose placing statement writes the date itself and says so for the rest
-- of its transaction (`oms.order_totals_written`), skips the lookup.

ALTER TABLE order_items ADD COLUMN order_created_at TIMESTAMPTZ;

UPDATE order_items i
   SET order_created_at = o.created_at
  FROM orders o
 WHERE o.id = i.order_id;

ALTER TABLE order_items ALTER COLUMN order_created_at SET NOT NULL;

-- A line of a missing order is refused here, with the error its foreign key would
-- give at the end of the statement, rather than as a NULL order_created_at.
CREATE FUNCTION order_items_take_order_date() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    SELECT created_at INTO NEW.order_created_at FROM orders WHERE id = NEW.order_id;
    IF NOT FOUND THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'insert or update on table "order_items" violates foreign key constraint "order_items_order_id_fkey"',
            DETAIL = format('Key (order_id)=(%s) is not present in table "orders".', NEW.order_id),
            SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, CONSTRAINT = 'order_items_order_id_fkey';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER order_items_order_date_on_insert
    BEFORE INSERT ON order_items
    FOR EACH ROW
    WHEN (current_setting('oms.order_totals_written', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION order_items_take_order_date();

CREATE TRIGGER order_items_order_date_on_update
    BEFORE UPDATE OF order_id, order_created_at ON order_items
    FOR EACH ROW
    WHEN (NEW.order_id IS DISTINCT FROM OLD.order_id
          OR NEW.order_created_at IS DISTINCT FROM OLD.order_created_at)
    EXECUTE FUNCTION order_items_take_order_date();

CREATE FUNCTION orders_pass_date_to_lines() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE order_items SET order_created_at = NEW.created_at WHERE order_id = NEW.id;
    RETURN NULL;
END $$;

-- A row trigger limited to changes of created_at: a status change (every PATCH)
-- does not call it.
CREATE TRIGGER orders_date_to_lines
    AFTER UPDATE OF created_at ON orders
    FOR EACH ROW
    WHEN (NEW.created_at IS DISTINCT FROM OLD.created_at)
    EXECUTE FUNCTION orders_pass_date_to_lines();

DROP INDEX IF EXISTS order_items_product_id_order_id_idx;
CREATE INDEX order_items_product_id_order_created_at_idx
    ON order_items (product_id, order_created_at, order_id);
