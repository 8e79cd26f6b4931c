-- The customer portal (issue 17): an e-mail address to send sign-in links to, the interests the customer gives, every
-- change they make to their details (who, when, before, after), and one-time sign-in links kept only as SHA-256
-- hashes of their tokens.
ALTER TABLE customers ADD COLUMN email TEXT;
ALTER TABLE customers ADD COLUMN interests_json TEXT NOT NULL DEFAULT '[]';

-- One customer per address: a sign-in link must go to exactly one record.
CREATE UNIQUE INDEX customers_by_email ON customers (email COLLATE NOCASE) WHERE email IS NOT NULL;

CREATE TABLE customer_changes (
    id          INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    field       TEXT NOT NULL,
    old_value   TEXT,
    new_value   TEXT
);

CREATE INDEX customer_changes_by_customer ON customer_changes (customer_id, id);

CREATE TABLE customer_sign_in_links (
    token_hash  BLOB PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);

CREATE INDEX customer_sign_in_links_by_expiry ON customer_sign_in_links (expires_at);
