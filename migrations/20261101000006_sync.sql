-- Live-connector bookkeeping. Portable SQL (SQLite and Postgres).

-- Where each source's sync of each object got to: a modification high-water mark, a delta
-- link, a sync token or a history id, as the vendor defines it. Written only after the records
-- it covers are committed, so a crash re-reads at most one page.
CREATE TABLE sync_cursors (
    source TEXT NOT NULL,
    object TEXT NOT NULL,
    cursor_value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (source, object)
);

-- Records a source reported deleted, and when they were removed here.
CREATE TABLE sync_tombstones (
    source TEXT NOT NULL,
    object TEXT NOT NULL,
    external_id TEXT NOT NULL,
    deleted_at TEXT NOT NULL,
    PRIMARY KEY (source, object, external_id)
);

-- Vendor item ids that differ from the external id a record is stored under: one meeting or
-- message seen in several mailboxes lands once, under its iCalendar UID or Message-ID, while a
-- deletion names only the mailbox's own item id.
CREATE TABLE sync_item_links (
    source TEXT NOT NULL,
    scope TEXT NOT NULL,
    item_id TEXT NOT NULL,
    external_id TEXT NOT NULL,
    PRIMARY KEY (source, scope, item_id)
);
CREATE INDEX sync_item_links_external ON sync_item_links (source, external_id);

-- Change notifications pushed by a source (HubSpot webhooks), applied by the next sync.
CREATE TABLE sync_webhook_events (
    event_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    object TEXT NOT NULL,
    object_id TEXT NOT NULL,
    change TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    processed_at TEXT
);
CREATE INDEX sync_webhook_events_pending ON sync_webhook_events (source, processed_at);
