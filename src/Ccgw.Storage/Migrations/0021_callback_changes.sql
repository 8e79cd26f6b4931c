-- Which call-back rows changed, in commit order, whoever wrote them. The help request writer keeps positions in memory
-- (CallbackPositionIndex) and catches up on these ids instead of reloading every counted call-back whenever another
-- connection has committed: under dialling that reload ran before every intake batch and held the write lock for a
-- quarter of a second with 40,000 call-backs listed. Only the latest 10,000 entries are kept (each change trims the
-- oldest: trimming every thousandth change instead cost more, as SQLite still walked the range on the other 999); a
-- reader that fell further behind sees the gap (its next sequence is gone) and reloads.
CREATE TABLE callback_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id  TEXT NOT NULL
);

CREATE TRIGGER callbacks_changes_insert AFTER INSERT ON callbacks
BEGIN
    INSERT INTO callback_changes (id) VALUES (new.id);
    DELETE FROM callback_changes WHERE seq <= last_insert_rowid() - 10000;
END;

CREATE TRIGGER callbacks_changes_update AFTER UPDATE OF queue_id, scheduled_at, priority, original_started_at, status ON callbacks
BEGIN
    INSERT INTO callback_changes (id) VALUES (new.id);
    DELETE FROM callback_changes WHERE seq <= last_insert_rowid() - 10000;
END;

CREATE TRIGGER callbacks_changes_delete AFTER DELETE ON callbacks
BEGIN
    INSERT INTO callback_changes (id) VALUES (old.id);
    DELETE FROM callback_changes WHERE seq <= last_insert_rowid() - 10000;
END;
