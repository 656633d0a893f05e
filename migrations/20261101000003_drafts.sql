-- Drafts with their provenance: who they are for, which provider and model wrote them, the
-- prompt, ruleset and compliance versions, the tool-call transcript, tokens, the validator's
-- results and whether the deterministic fallback wrote them. input_hash keys the draft cache.

CREATE TABLE drafts (
    id TEXT PRIMARY KEY,
    run_key TEXT NOT NULL,
    recipient_id TEXT NOT NULL,
    recipient_role TEXT NOT NULL,
    kind TEXT NOT NULL,
    as_of TEXT NOT NULL,
    input_hash TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    ruleset_version TEXT NOT NULL,
    compliance_version TEXT NOT NULL,
    -- validated | repaired | fallback
    status TEXT NOT NULL,
    -- 1 when the stored draft itself passed the validator
    valid BIGINT NOT NULL,
    fallback BIGINT NOT NULL,
    fallback_reasons TEXT NOT NULL,
    stop_reason TEXT NOT NULL,
    draft TEXT NOT NULL,
    rendered TEXT NOT NULL,
    transcript TEXT NOT NULL,
    validator_results TEXT NOT NULL,
    model_findings TEXT NOT NULL,
    prompt_tokens BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL,
    model_calls BIGINT NOT NULL,
    wall_ms BIGINT NOT NULL,
    cached_from TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX drafts_input_hash ON drafts (input_hash);
CREATE INDEX drafts_run ON drafts (run_key, recipient_id);
