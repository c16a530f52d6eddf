-- The indexes of the four tables that no constraint depends on (primary keys
-- and the keys foreign keys point at are left out), with their definitions.
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
  FROM pg_index i
  JOIN pg_class t ON t.oid = i.indrelid
 WHERE t.relnamespace = current_schema()::regnamespace
   AND t.relname IN ('users', 'products', 'orders', 'order_items')
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
 ORDER BY 1
