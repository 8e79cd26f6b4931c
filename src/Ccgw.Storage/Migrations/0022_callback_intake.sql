-- Issue 16, dial-out policy and private merges. callback_intake: one row per accepted call-back request (merged repeats
-- too), so the per-number, per-source and per-topic caps of any 24 hours are counted inside the intake's transaction;
-- rows older than two days are deleted by the intake as it goes, so the table stays bounded by the caps themselves.
CREATE TABLE callback_intake (
    at          TEXT NOT NULL,
    address     TEXT NOT NULL,
    source      TEXT,
    queue_id    TEXT NOT NULL,
    created     INTEGER NOT NULL
);

CREATE INDEX callback_intake_by_address ON callback_intake (address, at);
CREATE INDEX callback_intake_by_source ON callback_intake (source, at);
CREATE INDEX callback_intake_by_queue ON callback_intake (queue_id, at);
CREATE INDEX callback_intake_by_time ON callback_intake (at);

-- A second request for a pending call-back gets an id of its own, never the first request's: whoever knows a number
-- must not learn another person's request id (and through it its status) by asking again. attempts_before hides
-- the attempts made before the alias was given.
CREATE TABLE callback_aliases (
    alias_id        TEXT PRIMARY KEY,
    callback_id     TEXT NOT NULL,
    attempts_before INTEGER NOT NULL,
    created_at      TEXT NOT NULL
);

-- Customer alerts: the source that created one (the web client's address), for the per-source cap; the watcher reads
-- the due ones by threshold, all of them (it read only the oldest 10,000 waiting before).
ALTER TABLE customer_alerts ADD COLUMN source TEXT;
CREATE INDEX customer_alerts_by_threshold ON customer_alerts (queue_id, status, threshold_seconds, id);
CREATE INDEX customer_alerts_by_source ON customer_alerts (source, created_at);
