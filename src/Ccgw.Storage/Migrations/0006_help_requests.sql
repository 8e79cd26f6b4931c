-- Web help requests on the call-back list: who asked (name, IM address, time zone for showing their time back),
-- dial attempts recorded before anything is dialled, and the last outcome (busy, noAnswer, connected, interrupted...).
ALTER TABLE callbacks ADD COLUMN name TEXT;
ALTER TABLE callbacks ADD COLUMN im_address TEXT;
ALTER TABLE callbacks ADD COLUMN time_zone TEXT;
ALTER TABLE callbacks ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE callbacks ADD COLUMN last_outcome TEXT;
ALTER TABLE callbacks ADD COLUMN last_attempt_at TEXT;

-- One pending call-back per customer (or number) and topic: found by number and by customer id.
CREATE INDEX callbacks_by_address ON callbacks (address, queue_id, status);
CREATE INDEX callbacks_by_customer ON callbacks (customer_id, queue_id, status) WHERE customer_id IS NOT NULL;
-- Slot caps and positions count a queue's call-backs by scheduled time.
CREATE INDEX callbacks_by_queue_time ON callbacks (queue_id, scheduled_at, status);
