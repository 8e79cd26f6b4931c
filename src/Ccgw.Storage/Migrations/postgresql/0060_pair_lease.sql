-- The active/standby pair's lease (issue 22, docs/operations.md): one row per lease, its holder's node id and a
-- fencing token that grows by one on every change of holder. Times are timestamptz and set only by the database
-- clock (now()), never by a node's: the two nodes' clocks may disagree, the database's is the one both compare to.
-- (Unlike the repositories' tables, no SQL here is shared with SQLite, so the ISO-text convention does not apply.)
CREATE TABLE ccgw_lease (
    name        TEXT COLLATE "C" PRIMARY KEY,
    holder      TEXT NOT NULL,
    token       BIGINT NOT NULL,
    acquired_at TIMESTAMPTZ NOT NULL,
    renewed_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);

-- The gateway's one lease, held by nobody and long expired, so that taking it is always a single UPDATE.
INSERT INTO ccgw_lease (name, holder, token, acquired_at, renewed_at, expires_at)
VALUES ('gateway', '', 0, '-infinity', '-infinity', '-infinity');
