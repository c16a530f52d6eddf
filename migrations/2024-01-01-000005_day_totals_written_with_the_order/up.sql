-- oms places an order with one statement that also appends the order's change to
-- order_day_totals_pending, and says so for the rest of that transaction
-- (`oms.order_totals_written`, as for the lines' trigger). The trigger then has
-- nothing to add; skipping its query made placing an order about 14 % faster.
CREATE OR REPLACE FUNCTION order_day_totals_on_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF current_setting('oms.order_totals_written', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO order_day_totals_pending (status, day, orders, amount_cents, quantity)
    SELECT status, (created_at AT TIME ZONE 'UTC')::date, count(*), sum(total_amount_cents), sum(total_quantity)
      FROM new_orders
     GROUP BY 1, 2;
    RETURN NULL;
END $$;
