DROP FUNCTION sum_as_bigint(numeric);
