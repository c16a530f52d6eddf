-- Folds the pending day-totals changes into the day totals (migration 3's
-- function); how many changes were folded.
SELECT order_day_totals_compact() AS folded
