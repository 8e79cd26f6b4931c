-- PostgreSQL twin of ../0020_interaction_transcripts.sql.
CREATE TABLE interaction_transcripts (
    interaction_id TEXT NOT NULL,
    seq            BIGINT NOT NULL,
    at             TEXT COLLATE "C" NOT NULL,
    sender         TEXT NOT NULL,
    agent_id       TEXT,
    body           TEXT NOT NULL,
    PRIMARY KEY (interaction_id, seq)
);
