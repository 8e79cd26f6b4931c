-- PostgreSQL twin of ../0051_help_medium.sql.
ALTER TABLE callbacks ADD COLUMN medium TEXT NOT NULL DEFAULT 'voice';
ALTER TABLE interactions ADD COLUMN medium TEXT;
