-- Writes users 1 to parameter 1: e-mail userN@example.com, a name from two
-- lists picked by seeded hashes of N, created over 2022 in id order.
INSERT INTO users (id, email, full_name, created_at)
SELECT i, 'user' || i || '@example.com',
       (ARRAY['Ada','Alan','Barbara','Claude','Donald','Edsger','Frances','Grace',
              'Hedy','John','Katherine','Ken','Linus','Margaret','Niklaus','Radia'])
           [1 + (hashint8extended(i, 1) & 9223372036854775807) % 16]
       || ' ' ||
       (ARRAY['Lovelace','Turing','Liskov','Shannon','Knuth','Dijkstra','Allen','Hopper',
              'Lamarr','Backus','Johnson','Thompson','Torvalds','Hamilton','Wirth','Perlman'])
           [1 + (hashint8extended(i, 2) & 9223372036854775807) % 16],
       timestamptz '2022-01-01 00:00:00+00' + (i * 31536000 / $1) * interval '1 second'
  FROM generate_series(1, $1) AS i
