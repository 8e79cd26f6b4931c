-- Issue 20, interval reports. Reports read a period's events by time (the history was only indexed by interaction):
-- a covering index of just the kinds reports count, so a month (a million events) is one ordered index scan without
-- a table lookup per row; interactions still open at the start of the period by their end (their earlier steps are
-- read for context); call-backs by their latest attempt. Figures with and without: docs/reports.md.
CREATE INDEX interaction_events_for_reports ON interaction_events (at, interaction_id, seq, kind, state, agent_id, queue_id, detail)
    WHERE kind IN ('stateChanged', 'offerRejected', 'offerTimedOut');
CREATE INDEX interactions_by_end ON interactions (ended_at, arrived_at);
CREATE INDEX callbacks_by_last_attempt ON callbacks (last_attempt_at) WHERE last_attempt_at IS NOT NULL;
