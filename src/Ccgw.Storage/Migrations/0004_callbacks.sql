-- The combined call-back list (web, IM form, IVR). Listing order: scheduled time, then priority (higher first),
-- then the customer's original start time, which is also what routing orders the call-back by once it is due.
CREATE TABLE callbacks (
    id                  TEXT PRIMARY KEY,
    queue_id            TEXT NOT NULL,
    channel             TEXT NOT NULL,
    address             TEXT NOT NULL,
    scheduled_at        TEXT NOT NULL,
    priority            INTEGER NOT NULL,
    original_started_at TEXT NOT NULL,
    status              TEXT NOT NULL,
    customer_id         TEXT,
    page_url            TEXT,
    topic               TEXT,
    product             TEXT,
    updated_at          TEXT NOT NULL
);

CREATE INDEX callbacks_pending ON callbacks (status, scheduled_at, priority DESC, original_started_at);
