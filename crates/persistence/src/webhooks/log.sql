-- One page of an endpoint's attempts, newest first: those made (the log) and
-- those waiting (the queue), by id. A waiting attempt set aside while its
-- endpoint is off has no due time.
--
-- Parameters: 1 the endpoint, 2 how many rows, 3 how many to skip, 4 the id
-- the page follows (NULL for offset paging).
SELECT d.id, e.id::text AS event_id, e.type AS event_type, d.attempt, d.status,
       d.response_status, d.latency_ms, d.error, d.attempted_at, d.next_attempt_at
  FROM (SELECT id, event_seq, attempt, status, response_status, latency_ms, error,
               attempted_at, next_attempt_at
          FROM webhook_deliveries
         WHERE endpoint_id = $1 AND ($4::bigint IS NULL OR id < $4::bigint)
        UNION ALL
        SELECT id, event_seq, attempt, 'pending', NULL, NULL, NULL, NULL,
               nullif(due_at, 'infinity')
          FROM webhook_queue
         WHERE endpoint_id = $1 AND ($4::bigint IS NULL OR id < $4::bigint)) d
       JOIN webhook_events e ON e.seq = d.event_seq
 ORDER BY d.id DESC
 LIMIT $2 OFFSET $3
