CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_created_at_id_covering_idx
    ON orders (user_id, created_at, id)
    INCLUDE (status, updated_at, total_amount_cents, total_quantity)
