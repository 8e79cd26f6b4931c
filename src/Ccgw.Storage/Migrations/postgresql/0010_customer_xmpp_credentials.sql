-- PostgreSQL twin of ../0010_customer_xmpp_credentials.sql.
CREATE TABLE customer_xmpp_credentials (
    customer_id TEXT PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
    credential  TEXT NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL
);
