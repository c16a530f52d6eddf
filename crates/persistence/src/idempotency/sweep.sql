-- Removes at most $2 idempotency keys stored more than $1 seconds ago (by the
-- database's clock, which wrote created_at) and answers how many it removed;
-- run again until it removes fewer, so that no statement holds many rows
-- locked for long.
WITH gone AS (
    DELETE FROM idempotency_keys
     WHERE ctid = ANY (ARRAY(
               SELECT ctid FROM idempotency_keys
                WHERE created_at < now() - make_interval(secs => $1)
                LIMIT $2))
    RETURNING 1
)
SELECT count(*) AS n FROM gone
