-- Records the attempts made in the log, takes them off the queue, queues the
-- retries of those that failed and will be tried again, and disables the
-- endpoints that answered 410 Gone, setting what is queued for them aside (due
-- at the end of time, as `endpoints::update` does).
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
made AS (
    DELETE FROM webhook_queue q
     USING attempted a
     WHERE q.id = a.id
    RETURNING q.id, q.endpoint_id, q.event_seq, q.subject, q.attempt
),
logged AS (
    INSERT INTO webhook_deliveries (id, endpoint_id, event_seq, attempt, status, response_status,
                                    latency_ms, error, attempted_at, next_attempt_at)
    SELECT m.id, m.endpoint_id, m.event_seq, m.attempt, a.status, a.response_status,
           a.latency_ms, a.error, a.attempted_at, a.next_attempt_at
      FROM made m JOIN attempted a USING (id)
),
retries AS (
    INSERT INTO webhook_queue (id, endpoint_id, event_seq, subject, attempt, due_at)
    SELECT nextval('webhook_deliveries_id_seq'), m.endpoint_id, m.event_seq, m.subject,
           m.attempt + 1, a.next_attempt_at
      FROM made m JOIN attempted a USING (id)
     WHERE a.next_attempt_at IS NOT NULL
),
disabled AS (
    UPDATE webhook_endpoints SET enabled = false WHERE id = ANY ($8::bigint[])
),
set_aside AS (
    UPDATE webhook_queue
       SET due_at = 'infinity'
     WHERE endpoint_id = ANY ($8::bigint[]) AND id <> ALL ($1::bigint[])
)
SELECT count(*) AS n FROM made
