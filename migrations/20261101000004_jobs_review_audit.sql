-- Durable jobs, weekly runs, the review workflow, deliveries and the hash-chained audit log.
-- Portable SQL as in the foundation: TEXT ids, UTC RFC 3339 TEXT timestamps with milliseconds
-- ('2026-11-21T07:30:00.000Z', so text order is time order), JSON as TEXT.

-- One weekly coaching run: a week, the kinds and time zones it covers, and its data date.
CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    week TEXT NOT NULL,
    selection TEXT NOT NULL,
    as_of TEXT NOT NULL,
    trigger_kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (week, selection)
);

-- The queue. A job is unique per (kind, scope, period): enqueuing it again changes nothing.
-- `attempts` doubles as the fencing token: a worker may only finish the attempt it claimed.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    period TEXT NOT NULL,
    run_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    priority BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    run_after TEXT NOT NULL,
    lease_owner TEXT,
    lease_expires_at TEXT,
    last_error TEXT,
    result TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    finished_at TEXT,
    UNIQUE (kind, scope, period)
);
CREATE INDEX jobs_claim ON jobs (state, run_after);
CREATE INDEX jobs_run ON jobs (run_id, kind, state);

-- Named leases held by one process at a time (the scheduler's leader lease).
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- The last slot each schedule fired for, per time zone, so downtime fires a missed slot once.
CREATE TABLE schedule_ticks (
    schedule_key TEXT PRIMARY KEY,
    last_slot TEXT NOT NULL,
    fired_at TEXT NOT NULL
);

-- One drafted message per (recipient, kind, week) and where it is in review and delivery.
CREATE TABLE reviews (
    draft_id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    week TEXT NOT NULL,
    kind TEXT NOT NULL,
    recipient_id TEXT NOT NULL,
    recipient_name TEXT NOT NULL,
    recipient_email TEXT,
    policy TEXT NOT NULL,
    state TEXT NOT NULL,
    subject TEXT NOT NULL,
    drafted_body TEXT NOT NULL,
    body TEXT NOT NULL,
    provenance TEXT NOT NULL,
    created_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    decision_reason TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (recipient_id, kind, week)
);
CREATE INDEX reviews_state ON reviews (state, created_at);
CREATE INDEX reviews_run ON reviews (run_id);

-- Every edit a reviewer made, as a unified diff against the text before it.
CREATE TABLE review_edits (
    draft_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    editor TEXT NOT NULL,
    edited_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    diff TEXT NOT NULL,
    PRIMARY KEY (draft_id, seq)
);

-- The outcome per draft and channel: at most one visible message each.
-- A row written as `pending` in the approval's transaction is the outbox entry; a relay turns
-- it into a `deliver` job.
CREATE TABLE deliveries (
    draft_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    run_id TEXT NOT NULL,
    week TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    target TEXT NOT NULL,
    external_ref TEXT,
    error TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (draft_id, channel)
);
CREATE INDEX deliveries_run ON deliveries (run_id, state);
CREATE INDEX deliveries_state ON deliveries (state);

-- Append-only, hash-chained: each entry's hash covers its fields and the previous hash.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    recorded_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject);

-- The chain's head: one row, locked by every append so appends are serial on any backend,
-- and the reference that reveals entries cut from the end of the log.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
