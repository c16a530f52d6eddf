-- The lines' index for "the orders of a product within dates" leads with the
-- calendar month (UTC) of the line's order, then the product. Led by the
-- product, every new line went into a leaf at a random place in the whole
-- index; at 10 M orders those leaves were rarely in memory, and each one changed
-- for the first time after a checkpoint went to the WAL whole: three of the four
-- pages at random places that placing an order changed. Led by the month, new
-- lines all go into the current month's part of the index, which stays in
-- memory. A list looks the product up once per month of its date range (see
-- crates/persistence/src/line_months.rs): three index descents for a quarter
-- instead of one.
CREATE INDEX order_items_month_product_idx
    ON order_items (date_trunc('month', order_created_at AT TIME ZONE 'UTC'),
                    product_id, order_created_at, order_id);
DROP INDEX order_items_product_id_order_created_at_idx;
