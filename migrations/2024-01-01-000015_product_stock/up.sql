-- Products may track their stock: NULL (every existing product, and the
-- default) is not tracked; a number is how many units are left. Orders take
-- from it and cancellations give back (see placing/place_orders.sql and
-- orders/change_status.sql); the constraint is the last guard against selling
-- what is not there. Adding a nullable column rewrites nothing; checking the
-- constraint reads the products once, which is as small as the catalogue.
ALTER TABLE products
    ADD COLUMN stock integer CONSTRAINT products_stock_not_negative CHECK (stock >= 0);
