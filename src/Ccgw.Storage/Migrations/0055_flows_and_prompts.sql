-- Flows and prompts provisioned at run time (issue 20). A flow's definition is the configuration's Flows:{id} shape as
-- JSON (start and steps); source says who owns the row: 'file' rows follow the configuration file at start and reload,
-- 'api' rows were changed through the admin API and a reload leaves them alone. A removal keeps the row (removed = 1),
-- so a reload does not bring back what the admin API removed. Audit entries go to provisioning_audit (0045).
CREATE TABLE provisioned_flows (
    id               TEXT PRIMARY KEY,
    definition_json  TEXT NOT NULL,
    source           TEXT NOT NULL CHECK (source IN ('file', 'api')),
    removed          INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
    updated_at       TEXT NOT NULL
);

-- A prompt: the text the IM channel shows and, for one uploaded through the admin API, its audio (the accepted WAV or
-- raw codec format, size-bounded by the API); a file prompt keeps its audio in the prompt directory (audio NULL).
CREATE TABLE provisioned_prompts (
    id          TEXT PRIMARY KEY,
    text        TEXT NOT NULL,
    audio       BLOB,
    source      TEXT NOT NULL CHECK (source IN ('file', 'api')),
    removed     INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
    updated_at  TEXT NOT NULL
);
