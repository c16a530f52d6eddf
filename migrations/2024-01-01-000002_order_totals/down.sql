DROP TRIGGER IF EXISTS order_items_totals_on_delete ON order_items;
DROP TRIGGER IF EXISTS order_items_totals_on_update ON order_items;
DROP TRIGGER IF EXISTS order_items_totals_on_insert ON order_items;
DROP FUNCTION IF EXISTS order_items_keep_order_totals();
ALTER TABLE orders DROP COLUMN IF EXISTS total_quantity, DROP COLUMN IF EXISTS total_amount_cents;
