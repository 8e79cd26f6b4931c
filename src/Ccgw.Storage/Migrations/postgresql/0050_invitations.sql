-- PostgreSQL twin of ../0050_invitations.sql.
CREATE TABLE invitations (
    invitation_id TEXT PRIMARY KEY,
    direction     TEXT NOT NULL CHECK (direction IN ('agentToCustomer', 'customerToAgent')),
    agent_id      TEXT NOT NULL,
    customer_id   TEXT NOT NULL,
    medium        TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'declined')),
    created_at    TEXT COLLATE "C" NOT NULL,
    expires_at    TEXT COLLATE "C" NOT NULL,
    answered_at   TEXT COLLATE "C"
);

CREATE INDEX invitations_by_customer ON invitations (customer_id, created_at);

-- How each customer wants status alerts (order status changed, ...): page, chat or e-mail. No row: page.
CREATE TABLE customer_alert_media (
    customer_id TEXT PRIMARY KEY,
    medium      TEXT NOT NULL CHECK (medium IN ('page', 'chat', 'email')),
    updated_at  TEXT COLLATE "C" NOT NULL
);
