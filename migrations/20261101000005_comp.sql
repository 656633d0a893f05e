-- Pay and performance management: stored pay statements with the inputs that reproduce them,
-- compliance events (breaches, complaints, file reviews) that gate pay, and improvement plans
-- with their weekly check-ins. Portable SQL for SQLite and Postgres; documents are JSON TEXT,
-- dates 'YYYY-MM-DD', timestamps UTC RFC 3339.

CREATE TABLE comp_statements (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    period TEXT NOT NULL,
    as_of TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    plan_version BIGINT NOT NULL,
    -- Everything the statement is computed from; recomputing from it gives the same bytes.
    inputs TEXT NOT NULL,
    inputs_hash TEXT NOT NULL,
    statement TEXT NOT NULL,
    statement_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX comp_statements_person ON comp_statements (person_id, period, as_of);

CREATE TABLE comp_events (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    deal_id TEXT,
    detail TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX comp_events_person ON comp_events (person_id, occurred_on);

CREATE TABLE improvement_plans (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    created_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    status TEXT NOT NULL,
    plan TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX improvement_plans_person ON improvement_plans (person_id, created_on);

CREATE TABLE improvement_checkins (
    plan_id TEXT NOT NULL,
    as_of TEXT NOT NULL,
    checkin TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (plan_id, as_of)
);
