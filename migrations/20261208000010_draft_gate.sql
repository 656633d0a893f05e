-- The review gate: why a draft waits for a person whatever its kind's policy says, what the
-- drafting model was shown of client and CRM text, and the model's refused draft kept beside
-- a deterministic fallback for the reviewer.
--
-- * hold_reason: set when the gate held the draft for a person (it failed validation, needed a
--   repair turn, or was written with quoted source text shown to the model); NULL otherwise.
-- * source_text: `signals` or `quoted` when a model drafted it, NULL when none did (the offline
--   drafter, or a draft recorded before this column existed).
-- * refused_draft: the model's last draft as JSON when the validator refused it and the
--   deterministic drafter's draft was recorded instead; NULL otherwise.
ALTER TABLE drafts ADD COLUMN hold_reason TEXT;
ALTER TABLE drafts ADD COLUMN source_text TEXT;
ALTER TABLE drafts ADD COLUMN refused_draft TEXT;
