-- PostgreSQL twin of ../0036_catalogue_orders.sql.
CREATE TABLE catalogue_items (
    item_id     TEXT PRIMARY KEY,
    product     TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('part', 'service')),
    name        TEXT NOT NULL,
    description TEXT,
    price_minor BIGINT,
    currency    TEXT,
    updated_at  TEXT COLLATE "C" NOT NULL
);

CREATE INDEX catalogue_by_product ON catalogue_items (product);

CREATE TABLE orders (
    order_id    TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    item_id     TEXT NOT NULL,
    product     TEXT NOT NULL,
    item_name   TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    status      TEXT NOT NULL,
    placed_at   TEXT COLLATE "C" NOT NULL
);

CREATE INDEX orders_by_customer ON orders (customer_id, placed_at);

CREATE TABLE order_status_changes (
    order_id TEXT NOT NULL REFERENCES orders(order_id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    status   TEXT NOT NULL,
    at       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (order_id, seq)
);
