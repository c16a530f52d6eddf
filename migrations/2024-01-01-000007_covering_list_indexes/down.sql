CREATE INDEX orders_user_id_created_at_id_idx ON orders (user_id, created_at, id);
DROP INDEX orders_user_id_created_at_id_covering_idx;
CREATE INDEX order_items_order_id_idx ON order_items (order_id);
DROP INDEX order_items_order_id_id_covering_idx;
