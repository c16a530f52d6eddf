-- The one spelling of the overflow guard on sums of bigint columns, which
-- PostgreSQL computes as numeric: a sum that fits in a bigint as a bigint, 0 for
-- no rows, NULL when it does not fit (oms then answers that the totals are too
-- large rather than wrong). A plain SQL expression that uses its argument once,
-- so that the planner inlines it into each statement: it costs what the
-- expression costs. (The sums oms takes are of non-negative amounts.)
CREATE FUNCTION sum_as_bigint(total numeric) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT nullif(least(coalesce(total, 0), 9223372036854775808), 9223372036854775808)::bigint $$;
