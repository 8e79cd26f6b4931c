-- PostgreSQL twin of ../0002_customers.sql. SQLite's COLLATE NOCASE becomes a case-insensitive ICU collation
-- (equality only, as NOCASE is used here); SQLite's implicit rowid (the order numbers were given in) becomes an
-- identity column.
CREATE COLLATION IF NOT EXISTS ccgw_nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

CREATE TABLE customers (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    preferred_channel TEXT,
    preferred_address TEXT,
    preferred_hours   TEXT,
    products_json     TEXT NOT NULL DEFAULT '[]',
    orders_json       TEXT NOT NULL DEFAULT '[]',
    updated_at        TEXT COLLATE "C" NOT NULL
);

CREATE TABLE customer_phones (
    phone       TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    ordinal     BIGINT GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (phone, customer_id)
);

CREATE TABLE customer_im_addresses (
    address     TEXT COLLATE ccgw_nocase NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    ordinal     BIGINT GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (address, customer_id)
);

CREATE INDEX customer_phones_by_customer ON customer_phones (customer_id);
CREATE INDEX customer_im_by_customer ON customer_im_addresses (customer_id);
