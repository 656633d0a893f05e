-- The forecast's pipeline by stage sums a run's deals; this index covers that sum, so it reads
-- the index instead of every deal's stored record.
CREATE INDEX deal_snapshots_pipeline ON deal_snapshots (run_id, stage, currency, owner_id, amount_minor, win_probability);
