-- PostgreSQL twin of ../0056_trunk_provisioning.sql.
CREATE TABLE provisioned_trunks (
    id             TEXT PRIMARY KEY,
    settings_json  TEXT NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('file', 'api')),
    removed        INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
    updated_at     TEXT COLLATE "C" NOT NULL
);

CREATE TABLE provisioned_dids (
    did         TEXT PRIMARY KEY,
    flow        TEXT NOT NULL,
    trunk       TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('file', 'api')),
    removed     INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
    updated_at  TEXT COLLATE "C" NOT NULL
);
