-- The index migration 13 replaces, dropped without blocking reads or writes.
DROP INDEX CONCURRENTLY IF EXISTS orders_user_id_created_at_id_covering_idx
