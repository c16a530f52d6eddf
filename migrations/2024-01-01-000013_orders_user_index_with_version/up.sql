-- A user's orders are read from this index alone (see migration 7); it now
-- holds each order's version too. Built without blocking writes, so outside a
-- transaction and alone in its file.
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_created_at_id_listed_idx
    ON orders (user_id, created_at, id)
    INCLUDE (status, updated_at, total_amount_cents, total_quantity, version)
