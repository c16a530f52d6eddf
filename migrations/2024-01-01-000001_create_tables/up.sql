-- The four tables of the order-management contract.
--
-- Written to adopt an existing seed database in place: every statement only
-- creates what is missing, and columns the seed typed differently (serial
-- ids, varchar text, timestamps without time zone, an enum status) are
-- brought to the types oms reads. Nothing is dropped and no row is lost.

CREATE TABLE IF NOT EXISTS users (
    id         BIGSERIAL PRIMARY KEY,
    email      TEXT NOT NULL,
    full_name  TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS products (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL,
    price_cents BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS orders (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NULL
);

CREATE TABLE IF NOT EXISTS order_items (
    id                      BIGSERIAL PRIMARY KEY,
    order_id                BIGINT NOT NULL,
    product_id              BIGINT NOT NULL,
    quantity                INTEGER NOT NULL,
    price_cents_at_purchase BIGINT NOT NULL
);

-- Seed databases predate updated_at (the seed added it by hand).
ALTER TABLE orders ADD COLUMN IF NOT EXISTS updated_at TIMESTAMPTZ NULL;

-- Bring a column of an adopted table to the type, default and nullability oms expects.
CREATE FUNCTION pg_temp.oms_conform(
    tbl text, col text, want text, conversion text, fill text, not_null boolean
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    have text;
    nullable boolean;
    seq text;
BEGIN
    SELECT format_type(a.atttypid, a.atttypmod), NOT a.attnotnull
      INTO have, nullable
      FROM pg_attribute a
     WHERE a.attrelid = to_regclass(quote_ident(tbl)) AND a.attname = col AND NOT a.attisdropped;
    IF have IS NULL THEN
        RAISE EXCEPTION 'table % has no column %', tbl, col;
    END IF;
    IF have <> want THEN
        EXECUTE format('ALTER TABLE %I ALTER COLUMN %I TYPE %s USING %s',
                       tbl, col, want, format(conversion, quote_ident(col)));
        seq := pg_get_serial_sequence(quote_ident(tbl), col);
        IF seq IS NOT NULL AND want = 'bigint' THEN
            EXECUTE format('ALTER SEQUENCE %s AS bigint', seq);
        END IF;
    END IF;
    IF not_null AND nullable THEN
        IF fill IS NOT NULL THEN
            EXECUTE format('UPDATE %I SET %I = %s WHERE %I IS NULL', tbl, col, fill, col);
        END IF;
        EXECUTE format('ALTER TABLE %I ALTER COLUMN %I SET NOT NULL', tbl, col);
    END IF;
END $$;

SELECT pg_temp.oms_conform('users', 'id', 'bigint', '%s::bigint', NULL, true);
SELECT pg_temp.oms_conform('users', 'email', 'text', '%s::text', NULL, true);
SELECT pg_temp.oms_conform('users', 'full_name', 'text', '%s::text', NULL, true);
SELECT pg_temp.oms_conform('users', 'created_at', 'timestamp with time zone', '%s AT TIME ZONE ''UTC''', 'now()', true);
SELECT pg_temp.oms_conform('products', 'id', 'bigint', '%s::bigint', NULL, true);
SELECT pg_temp.oms_conform('products', 'name', 'text', '%s::text', NULL, true);
SELECT pg_temp.oms_conform('products', 'price_cents', 'bigint', '%s::bigint', NULL, true);
SELECT pg_temp.oms_conform('orders', 'id', 'bigint', '%s::bigint', NULL, true);
SELECT pg_temp.oms_conform('orders', 'user_id', 'bigint', '%s::bigint', NULL, true);
SELECT pg_temp.oms_conform('orders', 'status', 'text', 'lower(%s::text)', '''pending''', true);
SELECT pg_temp.oms_conform('orders', 'created_at', 'timestamp with time zone', '%s AT TIME ZONE ''UTC''', 'now()', true);
SELECT pg_temp.oms_conform('orders', 'updated_at', 'timestamp with time zone', '%s AT TIME ZONE ''UTC''', NULL, false);
SELECT pg_temp.oms_conform('order_items', 'id', 'bigint', '%s::bigint', NULL, true);
SELECT pg_temp.oms_conform('order_items', 'order_id', 'bigint', '%s::bigint', NULL, true);
SELECT pg_temp.oms_conform('order_items', 'product_id', 'bigint', '%s::bigint', NULL, true);
SELECT pg_temp.oms_conform('order_items', 'quantity', 'integer', '%s::integer', NULL, true);
SELECT pg_temp.oms_conform('order_items', 'price_cents_at_purchase', 'bigint', '%s::bigint', NULL, true);

ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'pending';
ALTER TABLE orders ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE users ALTER COLUMN created_at SET DEFAULT now();

-- Add a constraint unless the table already has one of that name (the names
-- are PostgreSQL's defaults, so a seed table declared inline already has them).
CREATE FUNCTION pg_temp.oms_constrain(tbl text, name text, definition text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                    WHERE conrelid = to_regclass(quote_ident(tbl)) AND conname = name) THEN
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', tbl, name, definition);
    END IF;
END $$;

SELECT pg_temp.oms_constrain('products', 'products_price_cents_check', 'CHECK (price_cents >= 0)');
SELECT pg_temp.oms_constrain('orders', 'orders_status_check',
                             'CHECK (status IN (''pending'', ''paid'', ''shipped'', ''cancelled''))');
SELECT pg_temp.oms_constrain('orders', 'orders_user_id_fkey', 'FOREIGN KEY (user_id) REFERENCES users (id)');
SELECT pg_temp.oms_constrain('order_items', 'order_items_quantity_check', 'CHECK (quantity > 0)');
SELECT pg_temp.oms_constrain('order_items', 'order_items_price_cents_at_purchase_check',
                             'CHECK (price_cents_at_purchase >= 0)');
SELECT pg_temp.oms_constrain('order_items', 'order_items_order_id_fkey',
                             'FOREIGN KEY (order_id) REFERENCES orders (id)');
SELECT pg_temp.oms_constrain('order_items', 'order_items_product_id_fkey',
                             'FOREIGN KEY (product_id) REFERENCES products (id)');

-- E-mail addresses are unique whatever their case.
CREATE UNIQUE INDEX IF NOT EXISTS users_email_lower_key ON users (lower(email));

-- The order list: newest first, alone or within one status or one user.
CREATE INDEX IF NOT EXISTS orders_created_at_id_idx ON orders (created_at, id);
CREATE INDEX IF NOT EXISTS orders_status_created_at_id_idx ON orders (status, created_at, id);
CREATE INDEX IF NOT EXISTS orders_user_id_created_at_id_idx ON orders (user_id, created_at, id);
-- The lines of a page of orders, and the orders that contain a product.
CREATE INDEX IF NOT EXISTS order_items_order_id_idx ON order_items (order_id);
CREATE INDEX IF NOT EXISTS order_items_product_id_order_id_idx ON order_items (product_id, order_id);
