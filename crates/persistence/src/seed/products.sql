-- Writes products 1 to parameter 1: a name from two lists picked by seeded
-- hashes of N (with N appended, so names are distinct), a price from 50 to
-- 50,000 cents.
INSERT INTO products (id, name, price_cents)
SELECT i,
       (ARRAY['Plain','Bright','Sturdy','Compact','Deluxe','Travel','Classic','Smart'])
           [1 + (hashint8extended(i, 3) & 9223372036854775807) % 8]
       || ' ' ||
       (ARRAY['Mug','Lamp','Desk','Chair','Cable','Backpack','Speaker','Notebook',
              'Kettle','Monitor','Keyboard','Bottle'])
           [1 + (hashint8extended(i, 4) & 9223372036854775807) % 12]
       || ' ' || i,
       50 + (hashint8extended(i, 5) & 9223372036854775807) % 49951
  FROM generate_series(1, $1) AS i
