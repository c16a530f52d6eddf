-- The creation dates of the oldest and newest orders, leaving out the infinite
-- ones plain SQL may store: two probes of the orders' date index.
SELECT (SELECT min(created_at) FROM orders WHERE created_at > '-infinity') AS oldest,
       (SELECT max(created_at) FROM orders WHERE created_at < 'infinity') AS newest
