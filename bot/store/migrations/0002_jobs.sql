-- Jobs, their tracks, the delivery outbox, user media, voices and webhook de-duplication.

CREATE TABLE jobs (
    id                TEXT PRIMARY KEY,           -- short id shown to members
    platform          TEXT NOT NULL,
    scope             TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    op                TEXT NOT NULL,
    params            TEXT NOT NULL,              -- JSON, validated by the catalog
    inputs            TEXT NOT NULL,              -- JSON: track ids and media ids
    target            TEXT NOT NULL,              -- JSON ReplyTarget: where results go
    hold_id           INTEGER NOT NULL REFERENCES journal (id),
    state             TEXT NOT NULL CHECK (state IN ('queued', 'submitting', 'running', 'succeeded', 'failed')),
    upstream          TEXT,                       -- sonic | producer
    task_id           TEXT UNIQUE,
    status_ref        TEXT,                       -- the platform message showing progress
    attempts          INTEGER NOT NULL DEFAULT 0,
    not_before        REAL NOT NULL,              -- queued: earliest submit; running: next poll
    error             TEXT,
    preview_url       TEXT,
    created_at        REAL NOT NULL,
    submitted_at      REAL,
    finished_at       REAL
);
CREATE INDEX jobs_by_state ON jobs (state, not_before);
CREATE INDEX jobs_by_user ON jobs (platform, scope, user_id, created_at);
-- Covers the per-member in-flight counts the scheduler reads on every tick.
CREATE INDEX jobs_in_flight ON jobs (state, platform, scope, user_id);
CREATE INDEX jobs_by_hold ON jobs (hold_id);

CREATE TABLE tracks (
    id          TEXT PRIMARY KEY,                 -- short id members type: /cover 1a2b
    job_id      TEXT NOT NULL REFERENCES jobs (id),
    platform    TEXT NOT NULL,
    scope       TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    clip_id     TEXT,                             -- the vendor's clip
    origin      TEXT NOT NULL,                    -- generated | upload | stem | file | text
    title       TEXT NOT NULL,
    tags        TEXT,
    lyrics      TEXT,
    duration    REAL,
    audio_url   TEXT,
    image_url   TEXT,
    created_at  REAL NOT NULL
);
CREATE INDEX tracks_by_user ON tracks (platform, scope, user_id, created_at);
CREATE UNIQUE INDEX tracks_by_clip ON tracks (job_id, clip_id);

-- Results waiting to be posted; a row is delivered once, keyed by its id on the platform side.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    job_id        TEXT NOT NULL REFERENCES jobs (id),
    kind          TEXT NOT NULL CHECK (kind IN ('result', 'notice')),
    payload       TEXT NOT NULL,                  -- JSON ResultCard or notice text
    target        TEXT NOT NULL,                  -- JSON ReplyTarget
    state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    not_before    REAL NOT NULL,
    delivered_ref TEXT,
    created_at    REAL NOT NULL,
    delivered_at  REAL
);
CREATE INDEX outbox_pending ON outbox (state, not_before);

-- Members' audio, content-addressed on disk; uploaded to the vendor at most once per day.
CREATE TABLE media (
    id              TEXT PRIMARY KEY,             -- sha256 of the bytes
    platform        TEXT NOT NULL,
    scope           TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    filename        TEXT NOT NULL,
    mime            TEXT NOT NULL,
    size            INTEGER NOT NULL,
    duration        REAL NOT NULL,
    created_at      REAL NOT NULL,
    expires_at      REAL NOT NULL,
    vendor_clip_id  TEXT,
    vendor_clip_at  REAL
);

CREATE TABLE voices (
    persona_id  TEXT PRIMARY KEY,
    platform    TEXT NOT NULL,
    scope       TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  REAL NOT NULL
);

CREATE TABLE webhook_events (
    event_id     TEXT PRIMARY KEY,
    received_at  REAL NOT NULL
);

-- One-off notices (e.g. "the vendor account is out of credits") sent once per scope per day.
CREATE TABLE notices (
    platform  TEXT NOT NULL,
    scope     TEXT NOT NULL,
    topic     TEXT NOT NULL,
    day       TEXT NOT NULL,
    PRIMARY KEY (platform, scope, topic, day)
);
