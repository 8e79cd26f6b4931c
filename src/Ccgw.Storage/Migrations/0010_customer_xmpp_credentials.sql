-- Customers who may log in to the built-in XMPP server: only the derived credential (salt, iterations and SCRAM keys,
-- the text form of ccgwctl hash-password), never the password.
CREATE TABLE customer_xmpp_credentials (
    customer_id TEXT PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
    credential  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
