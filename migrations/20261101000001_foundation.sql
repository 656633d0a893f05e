-- Portable SQL: runs unchanged on SQLite and Postgres. Ids are TEXT derived from
-- (source, external id); timestamps are UTC RFC 3339 TEXT ('2026-11-21T07:30:00Z'), dates are
-- 'YYYY-MM-DD' TEXT; money is BIGINT minor units plus an ISO currency; lists are JSON TEXT.

CREATE TABLE stages (
    pipeline TEXT NOT NULL,
    stage_key TEXT NOT NULL,
    label TEXT NOT NULL,
    sort_order BIGINT NOT NULL,
    probability BIGINT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (pipeline, stage_key)
);

CREATE TABLE products (
    product_key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    family TEXT,
    list_price_minor BIGINT,
    currency TEXT
);

CREATE TABLE people (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    emails TEXT NOT NULL,
    role TEXT NOT NULL,
    manager_id TEXT,
    timezone TEXT NOT NULL,
    team TEXT,
    region TEXT,
    UNIQUE (source, external_id)
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    domains TEXT NOT NULL,
    segment TEXT,
    sector TEXT,
    UNIQUE (source, external_id)
);

CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    account_id TEXT,
    name TEXT NOT NULL,
    email TEXT,
    title TEXT,
    seniority TEXT NOT NULL,
    UNIQUE (source, external_id)
);
CREATE INDEX contacts_email ON contacts (email);
CREATE INDEX contacts_account ON contacts (account_id);

CREATE TABLE deals (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    account_id TEXT,
    owner_id TEXT NOT NULL,
    pipeline TEXT NOT NULL,
    stage TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    close_date TEXT,
    forecast_category TEXT NOT NULL,
    next_step TEXT,
    next_step_updated_at TEXT,
    products TEXT NOT NULL,
    revenue_type TEXT NOT NULL,
    term_months BIGINT,
    created_at TEXT NOT NULL,
    closed_at TEXT,
    -- Credit splits as JSON [{"person_id": …, "share_bp": …}]; empty means all to the owner.
    splits TEXT NOT NULL,
    UNIQUE (source, external_id)
);
CREATE INDEX deals_owner ON deals (owner_id);
CREATE INDEX deals_account ON deals (account_id);

CREATE TABLE deal_history (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    deal_id TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    changed_at TEXT NOT NULL,
    UNIQUE (source, external_id)
);
CREATE INDEX deal_history_deal ON deal_history (deal_id, changed_at);

CREATE TABLE deal_contact_roles (
    deal_id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (deal_id, contact_id, role)
);

CREATE TABLE activities (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    direction TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    duration_minutes BIGINT,
    subject TEXT,
    snippet TEXT,
    thread_id TEXT,
    participants TEXT NOT NULL,
    UNIQUE (source, external_id)
);
CREATE INDEX activities_occurred ON activities (occurred_at);

CREATE TABLE activity_deals (
    activity_id TEXT NOT NULL,
    deal_id TEXT NOT NULL,
    rule TEXT NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (activity_id, deal_id)
);
CREATE INDEX activity_deals_deal ON activity_deals (deal_id);

CREATE TABLE activity_signals (
    activity_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (activity_id, kind, detail)
);

CREATE TABLE quotas (
    person_id TEXT NOT NULL,
    period TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    PRIMARY KEY (person_id, period)
);

-- Synthetic-organisation ground truth, kept apart from observable data: only backtests and
-- evals read it, never the engine.
CREATE TABLE sim_truth (
    deal_id TEXT PRIMARY KEY,
    outcome TEXT NOT NULL,
    outcome_date TEXT,
    final_amount_minor BIGINT,
    detail TEXT NOT NULL
);

CREATE TABLE sim_meta (
    meta_key TEXT PRIMARY KEY,
    meta_value TEXT NOT NULL
);
