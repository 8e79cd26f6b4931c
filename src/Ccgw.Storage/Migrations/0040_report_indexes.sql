-- Issue 20, interval reports. Reports read a period's events by time (the history was only indexed by interaction),
-- interactions still open at the start of the period by their end (their earlier steps are read for context), and
-- call-backs by their latest attempt. A month of 150,000 interactions reports in well under 2 s (docs/reports.md).
CREATE INDEX interaction_events_by_time ON interaction_events (at, interaction_id, seq, kind);
CREATE INDEX interactions_by_end ON interactions (ended_at, arrived_at);
CREATE INDEX callbacks_by_last_attempt ON callbacks (last_attempt_at) WHERE last_attempt_at IS NOT NULL;
