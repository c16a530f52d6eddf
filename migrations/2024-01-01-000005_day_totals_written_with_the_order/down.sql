CREATE OR REPLACE FUNCTION order_day_totals_on_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO order_day_totals_pending (status, day, orders, amount_cents, quantity)
    SELECT status, (created_at AT TIME ZONE 'UTC')::date, count(*), sum(total_amount_cents), sum(total_quantity)
      FROM new_orders
     GROUP BY 1, 2;
    RETURN NULL;
END $$;
