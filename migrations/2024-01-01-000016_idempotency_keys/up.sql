-- The answers to requests sent with an Idempotency-Key, each written in the
-- transaction that made the request's change, so that a retry of the request
-- is answered the same and changes nothing. Keys belong to the API key that
-- sent them (api_key_id 0 when the server runs with AUTH=off). Rows are
-- removed once older than the retention; the BRIN index finds them for the
-- cost of a few pages, and rows are added in time order.
CREATE TABLE idempotency_keys (
    api_key_id bigint NOT NULL,
    idempotency_key text NOT NULL,
    -- SHA-256 of the request's method, path and canonical body.
    fingerprint bytea NOT NULL,
    status smallint NOT NULL,
    body bytea NOT NULL,
    location text,
    etag text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (api_key_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys USING brin (created_at);
