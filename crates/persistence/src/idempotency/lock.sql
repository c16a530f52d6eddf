-- Takes the lock of each idempotency key given (by its lock number) for the
-- rest of the transaction, without waiting, and answers whether each was
-- taken, in the order given. A lock not taken is held by a request with the
-- key that is still running.
-- Parameter: 1 the keys' lock numbers.
SELECT pg_try_advisory_xact_lock(t.n) AS taken
  FROM unnest($1::bigint[]) WITH ORDINALITY AS t(n, k)
 ORDER BY t.k
