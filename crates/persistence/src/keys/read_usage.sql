-- A key's shared request window (no row until the key is first limited) and
-- the current second by the database's clock, which every server shares.
-- Parameters: 1 the key's id.
SELECT usage.revision,
       usage.newest_second,
       usage.counts,
       floor(extract(epoch FROM clock_timestamp()))::bigint AS now_second
  FROM (SELECT 1) AS one
  LEFT JOIN api_key_usage AS usage ON usage.api_key_id = $1
