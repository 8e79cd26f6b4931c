-- "Tell me when the wait for a topic drops below N minutes": sent once (triggered_at set exactly once).
CREATE TABLE customer_alerts (
    id                     TEXT PRIMARY KEY,
    queue_id               TEXT NOT NULL,
    threshold_seconds      INTEGER NOT NULL,
    channel                TEXT NOT NULL,
    address                TEXT,
    created_at             TEXT NOT NULL,
    status                 TEXT NOT NULL,
    triggered_at           TEXT,
    ewt_seconds_at_trigger REAL
);

CREATE INDEX customer_alerts_waiting ON customer_alerts (queue_id, status);
