-- PostgreSQL twin of ../0040_report_indexes.sql.
CREATE INDEX interaction_events_for_reports ON interaction_events (at, interaction_id, seq, kind, state, agent_id, queue_id, detail)
    WHERE kind IN ('stateChanged', 'offerRejected', 'offerTimedOut');
CREATE INDEX interactions_by_end ON interactions (ended_at, arrived_at);
CREATE INDEX callbacks_by_last_attempt ON callbacks (last_attempt_at) WHERE last_attempt_at IS NOT NULL;
