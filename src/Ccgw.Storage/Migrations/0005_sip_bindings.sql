-- SIP registrar bindings (RFC 3261 §10.3), kept so that agents' phones stay reachable across a restart.
CREATE TABLE sip_bindings (
    aor           TEXT NOT NULL COLLATE NOCASE,
    contact_uri   TEXT NOT NULL,
    call_id       TEXT NOT NULL,
    cseq          INTEGER NOT NULL,
    expires_at    TEXT NOT NULL,
    q             TEXT,
    received_from TEXT NOT NULL,
    PRIMARY KEY (aor, contact_uri)
);

CREATE INDEX sip_bindings_expiry ON sip_bindings (expires_at);
