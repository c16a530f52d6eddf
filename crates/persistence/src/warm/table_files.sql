-- The files users, orders and order_items are stored in (summed): they change
-- when a table is rewritten (TRUNCATE, VACUUM FULL, CLUSTER), not when rows are
-- added or changed. Reads the catalogue only, so a bulk load that holds the
-- tables locked does not delay it.
SELECT sum(relfilenode::bigint)::bigint AS files
  FROM pg_class
 WHERE oid IN ('users'::regclass, 'orders'::regclass, 'order_items'::regclass)
