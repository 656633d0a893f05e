-- Risk-engine snapshots, stored per run: the run's summary and forecast, every open deal's
-- probabilities, every flag with its evidence, rep scorecards and team roll-ups. Each row keeps
-- the ruleset version it was computed with. Portable SQL as in the foundation; JSON as TEXT.

CREATE TABLE feature_snapshots (
    run_id TEXT PRIMARY KEY,
    as_of TEXT NOT NULL,
    ruleset_version TEXT NOT NULL,
    period TEXT NOT NULL,
    currency TEXT NOT NULL,
    -- SHA-256 of the report's canonical JSON: equal inputs, equal hash.
    report_hash TEXT NOT NULL,
    model TEXT NOT NULL,
    forecast TEXT NOT NULL
);

CREATE TABLE deal_snapshots (
    run_id TEXT NOT NULL,
    deal_id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    close_date TEXT,
    forecast_category TEXT NOT NULL,
    win_probability DOUBLE PRECISION NOT NULL,
    slip_probability DOUBLE PRECISION NOT NULL,
    in_period_probability DOUBLE PRECISION NOT NULL,
    highest_severity TEXT,
    ruleset_version TEXT NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (run_id, deal_id)
);
CREATE INDEX deal_snapshots_owner ON deal_snapshots (run_id, owner_id);
CREATE INDEX deal_snapshots_deal ON deal_snapshots (deal_id);

CREATE TABLE deal_flags (
    run_id TEXT NOT NULL,
    deal_id TEXT NOT NULL,
    signal TEXT NOT NULL,
    severity TEXT NOT NULL,
    reason TEXT NOT NULL,
    measure DOUBLE PRECISION NOT NULL,
    threshold DOUBLE PRECISION NOT NULL,
    -- JSON lists of the activity and history ids behind the flag.
    activity_ids TEXT NOT NULL,
    history_ids TEXT NOT NULL,
    ruleset_version TEXT NOT NULL,
    PRIMARY KEY (run_id, deal_id, signal)
);
CREATE INDEX deal_flags_severity ON deal_flags (run_id, severity);

CREATE TABLE rep_snapshots (
    run_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    ruleset_version TEXT NOT NULL,
    scorecard TEXT NOT NULL,
    PRIMARY KEY (run_id, person_id)
);

CREATE TABLE team_snapshots (
    run_id TEXT NOT NULL,
    manager_id TEXT NOT NULL,
    ruleset_version TEXT NOT NULL,
    rollup TEXT NOT NULL,
    PRIMARY KEY (run_id, manager_id)
);
