-- A user's orders and an order's lines are read from their indexes alone.
-- Listing a user's orders visited one heap page per order and one per order's
-- lines; at 10 M orders those pages are rarely in shared buffers, so each
-- request copied about 20 pages from the operating system's cache. The index
-- entries of one user's orders share a leaf page, and each order's lines share
-- one. The columns added are those a listed order and its lines show: a status
-- change already updates every index of `orders` (`status` is indexed), so the
-- wider entry does not cost a PATCH an update it did not have.
CREATE INDEX orders_user_id_created_at_id_covering_idx
    ON orders (user_id, created_at, id)
    INCLUDE (status, updated_at, total_amount_cents, total_quantity);
DROP INDEX orders_user_id_created_at_id_idx;

CREATE INDEX order_items_order_id_id_covering_idx
    ON order_items (order_id, id)
    INCLUDE (product_id, quantity, price_cents_at_purchase);
DROP INDEX order_items_order_id_idx;
