-- Records when keys were last used, for many keys at once.
-- Parameters: 1 the keys' ids, 2 the times they were last used, in the same
-- order. A later time already recorded (by another server) is kept.
UPDATE api_keys AS k
   SET last_used_at = used.at
  FROM unnest($1::bigint[], $2::timestamptz[]) AS used (id, at)
 WHERE k.id = used.id
   AND (k.last_used_at IS NULL OR k.last_used_at < used.at)
