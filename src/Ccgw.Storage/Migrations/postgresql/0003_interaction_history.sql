-- PostgreSQL twin of ../0003_interaction_history.sql.
CREATE TABLE interactions (
    interaction_id      TEXT PRIMARY KEY,
    channel             TEXT NOT NULL,
    queue_id            TEXT NOT NULL,
    customer_id         TEXT,
    address             TEXT,
    product             TEXT,
    agent_id            TEXT,
    state               TEXT NOT NULL,
    arrived_at          TEXT COLLATE "C" NOT NULL,
    original_started_at TEXT COLLATE "C",
    ended_at            TEXT COLLATE "C"
);

CREATE INDEX interactions_by_agent ON interactions (agent_id, arrived_at);
CREATE INDEX interactions_by_customer ON interactions (customer_id, arrived_at);
CREATE INDEX interactions_by_product ON interactions (product, arrived_at);
CREATE INDEX interactions_by_time ON interactions (arrived_at);

CREATE TABLE interaction_events (
    interaction_id TEXT NOT NULL REFERENCES interactions(interaction_id) ON DELETE CASCADE,
    seq            BIGINT NOT NULL,
    at             TEXT COLLATE "C" NOT NULL,
    kind           TEXT NOT NULL,
    state          TEXT,
    agent_id       TEXT,
    queue_id       TEXT,
    detail         TEXT,
    PRIMARY KEY (interaction_id, seq)
);
