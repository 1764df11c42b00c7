-- Migration 7. The moderators' web panel: one-time sign-in links and the sessions they open.
-- Only a SHA-256 of each token is stored, so a copy of the database opens nothing. A link is
-- used at most once (used_at), within ten minutes; a session is bound to one scope and to the
-- moderator who asked for the link, as the platform described them then (is_admin, roles),
-- and every change it makes is checked again by the same moderation calls as chat commands.

CREATE TABLE panel_links (
    token_hash  TEXT PRIMARY KEY,
    platform    TEXT NOT NULL,
    scope       TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    is_admin    BIGINT NOT NULL,            -- 0 or 1, as in SQLite
    roles       TEXT NOT NULL,              -- JSON list of the moderator's platform role ids
    created_at  DOUBLE PRECISION NOT NULL,
    expires_at  DOUBLE PRECISION NOT NULL,
    used_at     DOUBLE PRECISION
);

CREATE TABLE panel_sessions (
    token_hash  TEXT PRIMARY KEY,
    platform    TEXT NOT NULL,
    scope       TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    is_admin    BIGINT NOT NULL,
    roles       TEXT NOT NULL,
    csrf        TEXT NOT NULL,              -- sent back with every form; not a secret at rest
    created_at  DOUBLE PRECISION NOT NULL,
    expires_at  DOUBLE PRECISION NOT NULL
);
CREATE INDEX panel_sessions_expiry ON panel_sessions (expires_at);
