-- Removes at most $2 attempts made more than $1 seconds ago, and at most $2
-- events older than that which no queued or logged attempt refers to; answers
-- how many of each it removed. An event whose last attempts this statement
-- removes goes in the next one: run it again until it removes nothing; no
-- statement holds many rows locked for long.
WITH attempts AS (
    DELETE FROM webhook_deliveries
     WHERE id = ANY (ARRAY(
               SELECT id FROM webhook_deliveries
                WHERE attempted_at < now() - make_interval(secs => $1)
                LIMIT $2))
    RETURNING 1
),
events AS (
    DELETE FROM webhook_events
     WHERE seq = ANY (ARRAY(
               SELECT e.seq FROM webhook_events e
                WHERE e.created_at < now() - make_interval(secs => $1)
                  AND NOT EXISTS (SELECT FROM webhook_queue q WHERE q.event_seq = e.seq)
                  AND NOT EXISTS (SELECT FROM webhook_deliveries d WHERE d.event_seq = e.seq)
                LIMIT $2))
    RETURNING 1
)
SELECT (SELECT count(*) FROM attempts) AS attempts, (SELECT count(*) FROM events) AS events
