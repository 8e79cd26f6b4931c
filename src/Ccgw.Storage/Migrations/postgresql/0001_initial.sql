-- PostgreSQL twin of ../0001_initial.sql (same version, same meaning). Times are ISO 8601 UTC text in both engines,
-- written by StoredTime with a fixed width, so that the repositories' comparisons and ordering are the same SQL;
-- COLLATE "C" makes text order byte order whatever the database's locale.
CREATE TABLE gateway_instance (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    instance_id TEXT NOT NULL,
    created_at  TEXT COLLATE "C" NOT NULL
);
