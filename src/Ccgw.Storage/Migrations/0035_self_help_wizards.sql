-- Self-help wizards authored by staff (issue 17). Each save is a version; at most one draft and one published version
-- per wizard (partial unique indexes), publishing retires the previous published version, which is kept.
CREATE TABLE wizard_versions (
    wizard_id    TEXT NOT NULL,
    version      INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    title        TEXT NOT NULL,
    content_json TEXT NOT NULL,
    saved_at     TEXT NOT NULL,
    published_at TEXT,
    PRIMARY KEY (wizard_id, version)
);

CREATE UNIQUE INDEX wizard_one_draft ON wizard_versions (wizard_id) WHERE status = 'draft';
CREATE UNIQUE INDEX wizard_one_published ON wizard_versions (wizard_id) WHERE status = 'published';

-- Every step a customer took; interaction_id is set when the steps go to an agent with the customer's next interaction.
CREATE TABLE self_help_trail (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id    TEXT NOT NULL,
    wizard_id      TEXT NOT NULL,
    wizard_version INTEGER NOT NULL,
    step_id        TEXT NOT NULL,
    step_title     TEXT NOT NULL,
    at             TEXT NOT NULL,
    interaction_id TEXT
);

CREATE INDEX self_help_trail_by_customer ON self_help_trail (customer_id, id);
CREATE INDEX self_help_trail_unclaimed ON self_help_trail (customer_id) WHERE interaction_id IS NULL;
