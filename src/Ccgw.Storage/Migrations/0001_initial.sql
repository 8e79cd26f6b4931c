-- The gateway's identity: one row, made on first start. The instance id names this installation
-- (MQTT client id, SIP instance) and lets a restored backup be told apart from a fresh database.
CREATE TABLE gateway_instance (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    instance_id TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
