-- One page of an endpoint's delivery log, newest attempt first.
--
-- Parameters: 1 the endpoint, 2 how many rows, 3 how many to skip, 4 the id
-- the page follows (NULL for offset paging).
SELECT d.id, e.id::text AS event_id, e.type AS event_type, d.attempt, d.status,
       d.response_status, d.latency_ms, d.error, d.attempted_at, d.next_attempt_at
  FROM webhook_deliveries d
       JOIN webhook_events e ON e.seq = d.event_seq
 WHERE d.endpoint_id = $1 AND ($4::bigint IS NULL OR d.id < $4::bigint)
 ORDER BY d.id DESC
 LIMIT $2 OFFSET $3
