DROP TRIGGER products_notify_truncates ON products;
DROP TRIGGER products_notify_deletes ON products;
DROP TRIGGER products_notify_updates ON products;
DROP FUNCTION products_notify_changes();
