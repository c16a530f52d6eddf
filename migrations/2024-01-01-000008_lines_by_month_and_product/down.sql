CREATE INDEX order_items_product_id_order_created_at_idx
    ON order_items (product_id, order_created_at, order_id);
DROP INDEX order_items_month_product_idx;
