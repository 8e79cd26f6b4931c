-- The customer information store. Products and orders are kept as JSON on the row: they are read whole with the
-- customer (screen pops) and never queried by field; phones and IM addresses get lookup tables because channels
-- find customers by them.
CREATE TABLE customers (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    preferred_channel TEXT,
    preferred_address TEXT,
    preferred_hours   TEXT,
    products_json     TEXT NOT NULL DEFAULT '[]',
    orders_json       TEXT NOT NULL DEFAULT '[]',
    updated_at        TEXT NOT NULL
);

CREATE TABLE customer_phones (
    phone       TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    PRIMARY KEY (phone, customer_id)
);

CREATE TABLE customer_im_addresses (
    address     TEXT NOT NULL COLLATE NOCASE,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    PRIMARY KEY (address, customer_id)
);

CREATE INDEX customer_phones_by_customer ON customer_phones (customer_id);
CREATE INDEX customer_im_by_customer ON customer_im_addresses (customer_id);
