-- Takes the attempts that are due, for the rest of the transaction: each is
-- the oldest one queued of its endpoint and subject (so an endpoint gets one
-- resource's events in commit order), of an enabled endpoint, and not taken
-- by another transaction (SKIP LOCKED: deliverers on other servers take other
-- rows rather than wait, and none sends what another is sending).
--
-- Parameters: 1 how many at most.
SELECT q.id, q.endpoint_id, q.attempt, w.url, w.secret, e.id::text AS event_id,
       e.type AS event_type, e.data::text AS data, e.created_at AS event_at
  FROM webhook_queue q
       JOIN webhook_endpoints w ON w.id = q.endpoint_id
       JOIN webhook_events e ON e.seq = q.event_seq
 WHERE q.due_at <= now()
   AND w.enabled
   AND NOT EXISTS (SELECT FROM webhook_queue before
                    WHERE before.endpoint_id = q.endpoint_id
                      AND before.subject = q.subject
                      AND before.event_seq < q.event_seq)
 ORDER BY q.due_at, q.id
 LIMIT $1
   FOR UPDATE OF q SKIP LOCKED
