-- PostgreSQL twin of ../0006_help_requests.sql.
ALTER TABLE callbacks ADD COLUMN name TEXT;
ALTER TABLE callbacks ADD COLUMN im_address TEXT;
ALTER TABLE callbacks ADD COLUMN time_zone TEXT;
ALTER TABLE callbacks ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE callbacks ADD COLUMN last_outcome TEXT;
ALTER TABLE callbacks ADD COLUMN last_attempt_at TEXT COLLATE "C";

CREATE INDEX callbacks_by_address ON callbacks (address, queue_id, status);
CREATE INDEX callbacks_by_customer ON callbacks (customer_id, queue_id, status) WHERE customer_id IS NOT NULL;
CREATE INDEX callbacks_by_queue_time ON callbacks (queue_id, scheduled_at, status);
