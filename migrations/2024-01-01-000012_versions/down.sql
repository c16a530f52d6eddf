DROP TRIGGER orders_bump_version ON orders;
DROP TRIGGER products_bump_version ON products;
DROP TRIGGER users_bump_version ON users;
DROP FUNCTION bump_version();
ALTER TABLE orders DROP COLUMN version;
ALTER TABLE products DROP COLUMN version;
ALTER TABLE users DROP COLUMN version;
