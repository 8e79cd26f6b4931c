-- PostgreSQL twin of ../0005_sip_bindings.sql.
CREATE TABLE sip_bindings (
    aor           TEXT COLLATE ccgw_nocase NOT NULL,
    contact_uri   TEXT NOT NULL,
    call_id       TEXT NOT NULL,
    cseq          BIGINT NOT NULL,
    expires_at    TEXT COLLATE "C" NOT NULL,
    q             TEXT,
    received_from TEXT NOT NULL,
    PRIMARY KEY (aor, contact_uri)
);

CREATE INDEX sip_bindings_expiry ON sip_bindings (expires_at);
