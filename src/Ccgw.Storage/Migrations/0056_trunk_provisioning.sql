-- Trunks and DIDs provisioned at run time (issue 20). A trunk's settings are the configuration's Trunks[] shape as
-- JSON (without Dids); source says who owns the row: 'file' rows follow the configuration file at start and reload,
-- 'api' rows were changed through the admin API and a reload leaves them alone. A removal keeps the row (removed = 1),
-- so a reload does not bring back what the admin API removed. Audit entries go to provisioning_audit (0045).
CREATE TABLE provisioned_trunks (
    id             TEXT PRIMARY KEY,
    settings_json  TEXT NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('file', 'api')),
    removed        INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
    updated_at     TEXT NOT NULL
);

-- A dialled number to the flow it enters, through one trunk.
CREATE TABLE provisioned_dids (
    did         TEXT PRIMARY KEY,
    flow        TEXT NOT NULL,
    trunk       TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('file', 'api')),
    removed     INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
    updated_at  TEXT NOT NULL
);
