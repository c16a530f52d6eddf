-- Users, products and orders carry a version: 1 when created, one more on every
-- update that changes the row, whoever writes it (a trigger, so plain SQL counts
-- too; writing the same values again is not a new version). A constant default
-- needs no table rewrite (PostgreSQL 11 and newer): existing rows, however many,
-- get version 1 at once.
ALTER TABLE users ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE products ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE orders ADD COLUMN version integer NOT NULL DEFAULT 1;

CREATE FUNCTION bump_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END
$$;

CREATE TRIGGER users_bump_version BEFORE UPDATE ON users
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION bump_version();
CREATE TRIGGER products_bump_version BEFORE UPDATE ON products
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION bump_version();
CREATE TRIGGER orders_bump_version BEFORE UPDATE ON orders
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION bump_version();
