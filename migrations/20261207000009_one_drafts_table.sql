-- Drafts and their reviews become one table: one row per (week, kind, recipient) under one key
-- scheme (`<week>.<kind>.<recipient>`), holding the text under review, the review decision and
-- the draft's provenance (inputs hash, provider, model, versions, transcript, validator
-- results, tokens). The manager's brief has one spelling, `intervention_brief`.
--
-- Existing rows move here and nothing is lost:
-- * every review row, joined to the agent draft behind it (`weekly:<week>` run, same recipient
--   and kind); its former provenance summary is kept in `legacy_provenance`. Draft ids are kept
--   as issued, since the append-only audit log names them;
-- * every weekly agent draft that never reached review (the demo's, before it ran through the
--   job pipeline) becomes a draft awaiting its recipient's manager;
-- * drafts of other runs (one-off previews, evaluations) are not a week's drafts: they stay,
--   unchanged, in `draft_previews`, which nothing writes any more.

CREATE TABLE drafts_unified (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    week TEXT NOT NULL,
    -- rep_nudge | intervention_brief | forecast_memo
    kind TEXT NOT NULL,
    recipient_id TEXT NOT NULL,
    recipient_name TEXT NOT NULL,
    recipient_email TEXT,
    -- The data date the engine ran at (UTC, RFC 3339).
    as_of TEXT NOT NULL,
    -- auto_approve | recipient_manager | role:NAME, as it was when the draft was recorded.
    policy TEXT NOT NULL,
    -- drafted | approved | edited | rejected | delivered | failed
    state TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- The text as drafted, never changed; `body` is the text to deliver (the reviewer's edit).
    drafted_body TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    decision_reason TEXT,
    updated_at TEXT NOT NULL,
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
    fallback_reasons TEXT NOT NULL,
    stop_reason TEXT NOT NULL,
    -- The typed draft (JSON), `null` for a row recorded without one.
    draft TEXT NOT NULL,
    transcript TEXT NOT NULL,
    validator_results TEXT NOT NULL,
    model_findings TEXT NOT NULL,
    prompt_tokens BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL,
    model_calls BIGINT NOT NULL,
    wall_ms BIGINT NOT NULL,
    -- The draft whose identical inputs this one reused, spending no tokens.
    cached_from TEXT,
    legacy_provenance TEXT,
    UNIQUE (recipient_id, kind, week)
);

INSERT INTO drafts_unified
SELECT r.draft_id, r.run_id, r.week,
       CASE r.kind WHEN 'manager_brief' THEN 'intervention_brief' ELSE r.kind END,
       r.recipient_id, r.recipient_name, r.recipient_email,
       COALESCE((SELECT runs.as_of FROM runs WHERE runs.id = r.run_id), d.as_of, ''),
       r.policy, r.state, r.subject, r.drafted_body, r.body, r.created_at,
       r.decided_by, r.decided_at, r.decision_reason, r.updated_at,
       COALESCE(d.input_hash, ''), COALESCE(d.provider, ''), COALESCE(d.model, ''),
       COALESCE(d.prompt_version, ''), COALESCE(d.ruleset_version, ''), COALESCE(d.compliance_version, ''),
       COALESCE(d.status, 'fallback'), COALESCE(d.valid, 0), COALESCE(d.fallback_reasons, '[]'),
       COALESCE(d.stop_reason, 'null'), COALESCE(d.draft, 'null'), COALESCE(d.transcript, '[]'),
       COALESCE(d.validator_results, '[]'), COALESCE(d.model_findings, '[]'),
       COALESCE(d.prompt_tokens, 0), COALESCE(d.completion_tokens, 0), COALESCE(d.model_calls, 0),
       COALESCE(d.wall_ms, 0), d.cached_from, r.provenance
FROM reviews r
LEFT JOIN drafts d
  ON d.run_key = 'weekly:' || r.week
 AND d.recipient_id = r.recipient_id
 AND (d.kind = r.kind OR (r.kind = 'manager_brief' AND d.kind = 'intervention_brief'));

INSERT INTO drafts_unified
SELECT substr(d.run_key, 8) || '.' || d.kind || '.' || d.recipient_id,
       substr(d.run_key, 8), substr(d.run_key, 8), d.kind,
       d.recipient_id, COALESCE((SELECT p.name FROM people p WHERE p.id = d.recipient_id), d.recipient_id), NULL,
       d.as_of, 'recipient_manager', 'drafted',
       CASE d.kind WHEN 'rep_nudge' THEN 'Your coaching nudge for '
                   WHEN 'intervention_brief' THEN 'Your intervention brief for '
                   ELSE 'Your forecast-risk memo for ' END || substr(d.run_key, 8),
       d.rendered, d.rendered, d.created_at, NULL, NULL, NULL, d.created_at,
       d.input_hash, d.provider, d.model, d.prompt_version, d.ruleset_version, d.compliance_version,
       d.status, d.valid, d.fallback_reasons, d.stop_reason, d.draft, d.transcript,
       d.validator_results, d.model_findings, d.prompt_tokens, d.completion_tokens, d.model_calls,
       d.wall_ms, d.cached_from, NULL
FROM drafts d
WHERE d.run_key LIKE 'weekly:%'
  AND NOT EXISTS (
      SELECT 1 FROM drafts_unified u
      WHERE u.recipient_id = d.recipient_id AND u.week = substr(d.run_key, 8) AND u.kind = d.kind
  );

DELETE FROM drafts WHERE run_key LIKE 'weekly:%';
DROP INDEX drafts_input_hash;
DROP INDEX drafts_run;
ALTER TABLE drafts RENAME TO draft_previews;
DROP TABLE reviews;
ALTER TABLE drafts_unified RENAME TO drafts;
CREATE INDEX drafts_input_hash ON drafts (input_hash);
CREATE INDEX drafts_state ON drafts (state, created_at);
CREATE INDEX drafts_run ON drafts (run_id);
