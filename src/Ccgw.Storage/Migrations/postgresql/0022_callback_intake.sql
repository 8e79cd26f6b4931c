-- PostgreSQL twin of ../0022_callback_intake.sql.
CREATE TABLE callback_intake (
    at          TEXT COLLATE "C" NOT NULL,
    address     TEXT NOT NULL,
    source      TEXT,
    queue_id    TEXT NOT NULL,
    created     INTEGER NOT NULL
);

CREATE INDEX callback_intake_by_address ON callback_intake (address, at);
CREATE INDEX callback_intake_by_source ON callback_intake (source, at);
CREATE INDEX callback_intake_by_queue ON callback_intake (queue_id, at);
CREATE INDEX callback_intake_by_time ON callback_intake (at);

CREATE TABLE callback_aliases (
    alias_id        TEXT PRIMARY KEY,
    callback_id     TEXT NOT NULL,
    attempts_before INTEGER NOT NULL,
    created_at      TEXT COLLATE "C" NOT NULL
);

ALTER TABLE customer_alerts ADD COLUMN source TEXT;
CREATE INDEX customer_alerts_by_threshold ON customer_alerts (queue_id, status, threshold_seconds, id);
CREATE INDEX customer_alerts_by_source ON customer_alerts (source, created_at);
