-- Chat transcripts (IM channel), kept with the interaction history. No foreign key to interactions: the IM channel
-- may write a transcript before the history recorder, which follows the core's event stream, wrote the row.
CREATE TABLE interaction_transcripts (
    interaction_id TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    at             TEXT NOT NULL,
    sender         TEXT NOT NULL,
    agent_id       TEXT,
    body           TEXT NOT NULL,
    PRIMARY KEY (interaction_id, seq)
);
