-- Sends one of an endpoint's events again, now: its attempt still waiting is
-- made due, or a new attempt is queued when none waits (or the one waiting is
-- being sent at this moment). Answers the attempt that
-- will be made; no row when the endpoint has no such delivery.
--
-- Parameters: 1 the endpoint, 2 one of its deliveries.
WITH target AS (
    SELECT d.endpoint_id, d.event_seq, d.subject
      FROM webhook_deliveries d
     WHERE d.id = $2 AND d.endpoint_id = $1
),
waiting AS (
    SELECT d.id
      FROM webhook_deliveries d JOIN target t USING (endpoint_id, event_seq)
     WHERE d.status = 'pending'
     LIMIT 1
       FOR UPDATE OF d SKIP LOCKED
),
hurried AS (
    UPDATE webhook_deliveries d
       SET next_attempt_at = now()
      FROM waiting w
     WHERE d.id = w.id
    RETURNING d.*
),
added AS (
    INSERT INTO webhook_deliveries (endpoint_id, event_seq, subject, attempt, next_attempt_at)
    SELECT t.endpoint_id, t.event_seq, t.subject,
           (SELECT max(d.attempt) + 1 FROM webhook_deliveries d
             WHERE d.endpoint_id = t.endpoint_id AND d.event_seq = t.event_seq),
           now()
      FROM target t
     WHERE NOT EXISTS (SELECT FROM waiting)
    RETURNING *
)
SELECT d.id, e.id::text AS event_id, e.type AS event_type, d.attempt, d.status,
       d.response_status, d.latency_ms, d.error, d.attempted_at, d.next_attempt_at
  FROM (SELECT * FROM hurried UNION ALL SELECT * FROM added) d
       JOIN webhook_events e ON e.seq = d.event_seq
