-- Invitations to live help (issue 18): an agent invites a customer who is present, or a customer one of their past
-- agents. Kept for history; answered once (pending -> accepted | declined) while not expired.
CREATE TABLE invitations (
    invitation_id TEXT PRIMARY KEY,
    direction     TEXT NOT NULL CHECK (direction IN ('agentToCustomer', 'customerToAgent')),
    agent_id      TEXT NOT NULL,
    customer_id   TEXT NOT NULL,
    medium        TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'declined')),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    answered_at   TEXT
);

CREATE INDEX invitations_by_customer ON invitations (customer_id, created_at);

-- How each customer wants status alerts (order status changed, ...): page, chat or e-mail. No row: page.
CREATE TABLE customer_alert_media (
    customer_id TEXT PRIMARY KEY,
    medium      TEXT NOT NULL CHECK (medium IN ('page', 'chat', 'email')),
    updated_at  TEXT NOT NULL
);
