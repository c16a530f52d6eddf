-- Sends one of an endpoint's events again, now: its attempt still queued is
-- made due, or a new attempt is queued when none is (or the one queued is being
-- sent at this moment). Answers the attempt that will be made; no row when the
-- endpoint has no such attempt.
--
-- Parameters: 1 the endpoint, 2 one of its attempts (made or queued).
WITH target AS (
    SELECT t.endpoint_id, t.event_seq, e.subject
      FROM (SELECT endpoint_id, event_seq FROM webhook_deliveries WHERE id = $2 AND endpoint_id = $1
            UNION ALL
            SELECT endpoint_id, event_seq FROM webhook_queue WHERE id = $2 AND endpoint_id = $1) t
           JOIN webhook_events e ON e.seq = t.event_seq
     LIMIT 1
),
waiting AS (
    SELECT q.id
      FROM webhook_queue q JOIN target t USING (endpoint_id, event_seq)
     LIMIT 1
       FOR UPDATE OF q SKIP LOCKED
),
hurried AS (
    UPDATE webhook_queue q
       SET due_at = now()
      FROM waiting w
     WHERE q.id = w.id
    RETURNING q.id, q.event_seq, q.attempt, q.due_at
),
added AS (
    INSERT INTO webhook_queue (id, endpoint_id, event_seq, subject, attempt, due_at)
    SELECT nextval('webhook_deliveries_id_seq'), t.endpoint_id, t.event_seq, t.subject,
           1 + greatest((SELECT max(d.attempt) FROM webhook_deliveries d
                          WHERE d.event_seq = t.event_seq AND d.endpoint_id = t.endpoint_id),
                        (SELECT max(q.attempt) FROM webhook_queue q
                          WHERE q.event_seq = t.event_seq AND q.endpoint_id = t.endpoint_id)),
           now()
      FROM target t
     WHERE NOT EXISTS (SELECT FROM waiting)
    RETURNING id, event_seq, attempt, due_at
)
SELECT d.id, e.id::text AS event_id, e.type AS event_type, d.attempt, 'pending' AS status,
       NULL::smallint AS response_status, NULL::int AS latency_ms, NULL::text AS error,
       NULL::timestamptz AS attempted_at, d.due_at AS next_attempt_at
  FROM (SELECT * FROM hurried UNION ALL SELECT * FROM added) d
       JOIN webhook_events e ON e.seq = d.event_seq
