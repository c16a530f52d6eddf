-- Moves an order to a new status if it is still at the version it was read at
-- (with the status read), and records the change in its history, in one
-- statement. Answers the order's new updated_at and version, or no row when
-- the order changed since it was read.
-- Parameters: 1 the order's id, 2 its status as read, 3 the new status, 4 the
-- API key making the change and 5 the request's id (either may be NULL), 6 its
-- version as read.
WITH changed AS (
    UPDATE orders
       SET status = $3, updated_at = now()
     WHERE id = $1 AND status = $2 AND version = $6
    RETURNING id, updated_at, version
),
recorded AS (
    INSERT INTO order_events (order_id, type, at, status_from, status_to, api_key_id, request_id)
    SELECT id, 'order.status_changed', updated_at, $2, $3, $4, $5 FROM changed
)
SELECT updated_at, version FROM changed
