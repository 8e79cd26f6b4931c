-- Provisioning at run time (issue 20). People who log in, with only the derived credential (the text form of
-- ccgwctl hash-password: salt, iterations, digest HA1s, SCRAM keys), never a password; an agent's routing settings
-- as JSON. The configuration file seeds these tables once (provisioning_seed); afterwards the store wins.
CREATE TABLE provisioned_staff (
    id          TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('Agent', 'Supervisor')),
    name        TEXT NOT NULL,
    credential  TEXT NOT NULL,
    agent_json  TEXT,
    updated_at  TEXT NOT NULL
);

-- A queue's routing settings changed through the admin API, applied over the file's queue of the same id at start.
CREATE TABLE provisioned_queues (
    id               TEXT PRIMARY KEY,
    settings_json    TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

-- One row once the file has seeded the store: an admin who removes every agent does not get the file's back.
CREATE TABLE provisioning_seed (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    seeded_at  TEXT NOT NULL
);

-- Every change: who (the admin token's identity), when, what, and the record before and after (JSON, no credential).
CREATE TABLE provisioning_audit (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    resource     TEXT NOT NULL,
    resource_id  TEXT NOT NULL,
    before_json  TEXT,
    after_json   TEXT
);
CREATE INDEX provisioning_audit_resource ON provisioning_audit (resource, resource_id, seq);
