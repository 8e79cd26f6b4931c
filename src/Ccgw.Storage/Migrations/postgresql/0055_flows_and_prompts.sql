-- PostgreSQL twin of ../0055_flows_and_prompts.sql.
CREATE TABLE provisioned_flows (
    id               TEXT PRIMARY KEY,
    definition_json  TEXT NOT NULL,
    source           TEXT NOT NULL CHECK (source IN ('file', 'api')),
    removed          INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
    updated_at       TEXT COLLATE "C" NOT NULL
);

CREATE TABLE provisioned_prompts (
    id          TEXT PRIMARY KEY,
    text        TEXT NOT NULL,
    audio       BYTEA,
    source      TEXT NOT NULL CHECK (source IN ('file', 'api')),
    removed     INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
    updated_at  TEXT COLLATE "C" NOT NULL
);
