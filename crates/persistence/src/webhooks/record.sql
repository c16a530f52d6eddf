-- Records the attempts made, queues the retries of those that failed and will
-- be tried again, and disables the endpoints that answered 410 Gone.
--
-- Parameters, one element per attempt: 1 its id, 2 'delivered' or 'failed',
-- 3 the endpoint's HTTP status (NULL without an answer), 4 how long it took in
-- milliseconds, 5 the error (NULL when delivered), 6 when it was made, 7 when
-- the retry is due (NULL for none); 8 the endpoints to disable.
WITH attempted AS (
    SELECT *
      FROM unnest($1::bigint[], $2::text[], $3::smallint[], $4::int[], $5::text[],
                  $6::timestamptz[], $7::timestamptz[])
               AS a(id, status, response_status, latency_ms, error, attempted_at, next_attempt_at)
),
recorded AS (
    UPDATE webhook_deliveries d
       SET status = a.status, response_status = a.response_status, latency_ms = a.latency_ms,
           error = a.error, attempted_at = a.attempted_at, next_attempt_at = a.next_attempt_at
      FROM attempted a
     WHERE d.id = a.id
    RETURNING d.endpoint_id, d.event_seq, d.subject, d.attempt, d.next_attempt_at
),
retries AS (
    INSERT INTO webhook_deliveries (endpoint_id, event_seq, subject, attempt, next_attempt_at)
    SELECT endpoint_id, event_seq, subject, attempt + 1, next_attempt_at
      FROM recorded
     WHERE next_attempt_at IS NOT NULL
     ORDER BY event_seq
),
disabled AS (
    UPDATE webhook_endpoints SET enabled = false WHERE id = ANY ($8::bigint[])
)
SELECT count(*) AS n FROM recorded
