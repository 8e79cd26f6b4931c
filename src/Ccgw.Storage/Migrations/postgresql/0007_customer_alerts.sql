-- PostgreSQL twin of ../0007_customer_alerts.sql.
CREATE TABLE customer_alerts (
    id                     TEXT PRIMARY KEY,
    queue_id               TEXT NOT NULL,
    threshold_seconds      INTEGER NOT NULL,
    channel                TEXT NOT NULL,
    address                TEXT,
    created_at             TEXT COLLATE "C" NOT NULL,
    status                 TEXT NOT NULL,
    triggered_at           TEXT COLLATE "C",
    ewt_seconds_at_trigger DOUBLE PRECISION
);

CREATE INDEX customer_alerts_waiting ON customer_alerts (queue_id, status);
