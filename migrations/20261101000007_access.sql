-- Who may use the API and the web app: users (each optionally a person of the organisation,
-- whose place in the hierarchy sets what they see), personal API tokens and browser sessions
-- (only hashes of the secrets are kept), and readers' feedback on drafts.

CREATE TABLE users (
    -- The sign-in name, usually an email address, lower case.
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- rep, manager, leader, compliance or admin.
    role TEXT NOT NULL,
    -- The person in `people` this user is; NULL for staff outside the sales hierarchy.
    person_id TEXT,
    -- PBKDF2-HMAC-SHA256 as `pbkdf2-sha256$iterations$salt$hash`; NULL: tokens only.
    password_hash TEXT,
    created_at TEXT NOT NULL,
    disabled_at TEXT
);

CREATE TABLE api_tokens (
    -- Public, short: names the token in listings and for revocation.
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    label TEXT NOT NULL,
    -- SHA-256 of the whole token, hex; the token itself is shown once and never stored.
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE web_sessions (
    -- SHA-256 of the cookie's secret, hex.
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    -- Every form post must carry it.
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

CREATE TABLE draft_feedback (
    draft_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    -- useful or not_useful.
    rating TEXT NOT NULL,
    comment TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (draft_id, user_id)
);
