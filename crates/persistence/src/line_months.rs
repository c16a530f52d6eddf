//! Which months of the lines' product index a date range covers.
//!
//! The index on the lines that lists a product's orders leads with the calendar
//! month (UTC) of each line's order, so that new lines all go into the current
//! month's part of it (see migration 8). Finding a product's lines between two
//! dates is then one index descent per month of the range. The condition below
//! names those months; it is spelt out in each statement rather than called as a
//! function, because PostgreSQL cannot fold a function with queries in it into
//! the statement's plan, and calling one per request cost a third of the list's
//! throughput.
//!
//! The months are computed in the statement, once per execution: every month
//! from the lower bound to the upper one. A missing bound, or a range wider than
//! five years, is narrowed to the months from the first order to the last (two
//! probes of the orders' date index), so that no request walks centuries of
//! empty months. The keys of infinite dates, which a program writing plain SQL
//! may store, are always included.

/// The condition's SQL up to its lower bound (a `timestamptz`, or NULL for none).
pub(crate) const UP_TO_FROM: &str = "date_trunc('month', order_created_at AT TIME ZONE 'UTC') \
     = ANY (ARRAY(SELECT generate_series(\
       date_trunc('month', CASE WHEN bounds.from_at > bounds.before - interval '5 years' \
                                THEN bounds.from_at \
                                ELSE greatest(bounds.from_at, (SELECT min(created_at) FROM orders \
                                                                WHERE created_at > '-infinity')) \
                           END AT TIME ZONE 'UTC'), \
       date_trunc('month', CASE WHEN bounds.before < bounds.from_at + interval '5 years' \
                                THEN bounds.before \
                                ELSE least(bounds.before, (SELECT max(created_at) FROM orders \
                                                            WHERE created_at < 'infinity')) \
                           END AT TIME ZONE 'UTC'), \
       interval '1 month') \
     FROM (SELECT ";

/// Between the lower bound and the upper one (excluded; NULL for none).
pub(crate) const UP_TO_BEFORE: &str = "::timestamptz AS from_at, ";

/// After the upper bound.
pub(crate) const REST: &str =
    "::timestamptz AS before) bounds) || '{-infinity,infinity}'::timestamp[])";

/// The condition without bounds: every month from the first order to the last.
pub(crate) fn every_month() -> String {
    format!("{UP_TO_FROM}NULL{UP_TO_BEFORE}NULL{REST}")
}
