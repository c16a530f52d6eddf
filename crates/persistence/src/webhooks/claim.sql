-- Takes the attempts that are due, for the rest of the transaction: each is
-- the oldest one waiting of its endpoint and subject (so an endpoint gets one
-- resource's events in commit order), of an enabled endpoint, and not taken
-- by another transaction (SKIP LOCKED: deliverers on other servers take other
-- rows rather than wait, and none sends what another is sending).
--
-- Parameters: 1 how many at most.
SELECT d.id, d.endpoint_id, d.attempt, w.url, w.secret, e.id::text AS event_id,
       e.type AS event_type, e.data::text AS data, e.created_at AS event_at
  FROM webhook_deliveries d
       JOIN webhook_endpoints w ON w.id = d.endpoint_id
       JOIN webhook_events e ON e.seq = d.event_seq
 WHERE d.status = 'pending'
   AND d.next_attempt_at <= now()
   AND w.enabled
   AND NOT EXISTS (SELECT FROM webhook_deliveries before
                    WHERE before.endpoint_id = d.endpoint_id
                      AND before.subject = d.subject
                      AND before.status = 'pending'
                      AND before.event_seq < d.event_seq)
 ORDER BY d.next_attempt_at, d.id
 LIMIT $1
   FOR UPDATE OF d SKIP LOCKED
