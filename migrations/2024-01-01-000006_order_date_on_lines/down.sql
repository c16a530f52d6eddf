CREATE INDEX IF NOT EXISTS order_items_product_id_order_id_idx ON order_items (product_id, order_id);
DROP INDEX order_items_product_id_order_created_at_idx;
DROP TRIGGER orders_date_to_lines ON orders;
DROP FUNCTION orders_pass_date_to_lines();
DROP TRIGGER order_items_order_date_on_update ON order_items;
DROP TRIGGER order_items_order_date_on_insert ON order_items;
DROP FUNCTION order_items_take_order_date();
ALTER TABLE order_items DROP COLUMN order_created_at;
