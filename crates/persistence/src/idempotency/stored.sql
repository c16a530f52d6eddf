-- The stored answers of those of these idempotency keys that have one, each
-- with the place (from 1) of its key in the parameters.
-- Parameters: 1 the API keys' ids (0 for none) and 2 the idempotency keys,
-- pairwise.
SELECT t.k, i.fingerprint, i.status, i.body, i.location, i.etag
  FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS t(api_key_id, idempotency_key, k)
       JOIN idempotency_keys i
         ON i.api_key_id = t.api_key_id AND i.idempotency_key = t.idempotency_key
