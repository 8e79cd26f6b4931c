-- PostgreSQL twin of ../0004_callbacks.sql.
CREATE TABLE callbacks (
    id                  TEXT PRIMARY KEY,
    queue_id            TEXT NOT NULL,
    channel             TEXT NOT NULL,
    address             TEXT NOT NULL,
    scheduled_at        TEXT COLLATE "C" NOT NULL,
    priority            INTEGER NOT NULL,
    original_started_at TEXT COLLATE "C" NOT NULL,
    status              TEXT NOT NULL,
    customer_id         TEXT,
    page_url            TEXT,
    topic               TEXT,
    product             TEXT,
    updated_at          TEXT COLLATE "C" NOT NULL
);

CREATE INDEX callbacks_pending ON callbacks (status, scheduled_at, priority DESC, original_started_at);
