-- Secrets every server of a database shares, made once, here: `cursor` signs
-- the cursors of lists, so that a cursor one server issued is honoured by
-- another and one a client made up is refused. gen_random_uuid() draws from
-- the operating system's strong random source; two of them give 244 random
-- bits.
CREATE TABLE secrets (
    name text PRIMARY KEY,
    value bytea NOT NULL CHECK (length(value) = 32)
);
INSERT INTO secrets (name, value)
VALUES ('cursor', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));
