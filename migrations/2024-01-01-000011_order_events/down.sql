DROP TABLE order_events;
DROP FUNCTION order_events_refuse_change();
