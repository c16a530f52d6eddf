-- Servers keep recently read products in memory. Whoever changes or removes a
-- product (oms, or any program writing plain SQL) tells them through NOTIFY on
-- channel `oms_products`, sent when the transaction commits. The payload is the
-- schema, a colon, and the changed ids separated by commas, or `*` when there are
-- too many to list (NOTIFY payloads are limited to 8000 bytes) or the table was
-- truncated. New products need no notice: a server only keeps products it read.
CREATE FUNCTION products_notify_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        ids := '*';
    ELSE
        SELECT CASE WHEN count(*) > 500 THEN '*' ELSE string_agg(id::text, ',') END
          INTO ids
          FROM changed;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM pg_notify('oms_products', TG_TABLE_SCHEMA || ':' || ids);
    END IF;
    RETURN NULL;
END
$$;

-- OLD rows name every id that may be cached: an UPDATE that gives a row a new
-- id leaves behind the old one, and the new one was not in use before.
CREATE TRIGGER products_notify_updates
    AFTER UPDATE ON products REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION products_notify_changes();
CREATE TRIGGER products_notify_deletes
    AFTER DELETE ON products REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION products_notify_changes();
CREATE TRIGGER products_notify_truncates
    AFTER TRUNCATE ON products
    FOR EACH STATEMENT EXECUTE FUNCTION products_notify_changes();
