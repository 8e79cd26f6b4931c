-- PostgreSQL twin of ../0021_callback_changes.sql: the same feed of changed call-back ids, kept to the latest 10,000.
-- Unlike SQLite (one writer at a time), PostgreSQL hands out identity values before commit, so two concurrent writers
-- can commit their changes out of sequence order: a reader must not treat a missing sequence number as "nothing
-- there" while an older transaction is still open. The writer takes this advisory lock for the whole transaction
-- (as SQLite's write lock serialises it), which keeps sequence order equal to commit order.
CREATE TABLE callback_changes (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id  TEXT NOT NULL
);

CREATE FUNCTION callback_changes_record() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    latest BIGINT;
BEGIN
    PERFORM pg_advisory_xact_lock(7261001);
    INSERT INTO callback_changes (id) VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END) RETURNING seq INTO latest;
    DELETE FROM callback_changes WHERE seq <= latest - 10000;
    RETURN NULL;
END;
$$;

CREATE TRIGGER callbacks_changes_insert AFTER INSERT ON callbacks
    FOR EACH ROW EXECUTE FUNCTION callback_changes_record();

CREATE TRIGGER callbacks_changes_update AFTER UPDATE OF queue_id, scheduled_at, priority, original_started_at, status ON callbacks
    FOR EACH ROW EXECUTE FUNCTION callback_changes_record();

CREATE TRIGGER callbacks_changes_delete AFTER DELETE ON callbacks
    FOR EACH ROW EXECUTE FUNCTION callback_changes_record();
