-- The credit ledger: accounts, an append-only journal, limits, audit log and request keys.

CREATE TABLE accounts (
    id             INTEGER PRIMARY KEY,
    platform       TEXT    NOT NULL,
    scope          TEXT    NOT NULL,
    user_id        TEXT    NOT NULL,
    -- Cached from the journal in the same transaction as every entry; reconcile() proves it.
    balance        INTEGER NOT NULL DEFAULT 0,  -- grants + adjusts - captures
    held           INTEGER NOT NULL DEFAULT 0,  -- credits in open holds
    open_holds     INTEGER NOT NULL DEFAULT 0,  -- number of open holds (jobs in flight)
    allowance_day  TEXT,                        -- UTC day the daily allowance last topped up
    created_at     REAL    NOT NULL,
    UNIQUE (platform, scope, user_id),
    CHECK (held >= 0 AND open_holds >= 0),
    CHECK (balance - held >= 0)
);

CREATE TABLE journal (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('grant', 'hold', 'capture', 'release', 'adjust')),
    amount      INTEGER NOT NULL,
    hold_id     INTEGER REFERENCES journal (id),  -- capture/release: the hold they resolve
    job_id      TEXT,
    actor       TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    created_at  REAL    NOT NULL,
    expires_at  REAL,                              -- holds only
    CHECK (kind = 'adjust' OR amount >= 0),
    CHECK ((kind IN ('capture', 'release')) = (hold_id IS NOT NULL)),
    CHECK ((kind = 'hold') = (expires_at IS NOT NULL))
);
-- A hold resolves at most once: one capture or one release, never both, never twice.
CREATE UNIQUE INDEX journal_one_resolution ON journal (hold_id) WHERE hold_id IS NOT NULL;
CREATE INDEX journal_by_account ON journal (account_id, kind, created_at);
CREATE INDEX journal_open_holds ON journal (kind, expires_at) WHERE kind = 'hold';

CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;

-- Per-scope defaults; NULL columns fall back to the operator's settings.
CREATE TABLE scope_settings (
    platform           TEXT NOT NULL,
    scope              TEXT NOT NULL,
    starting_credits   INTEGER,
    daily_allowance    INTEGER,
    daily_spend_cap    INTEGER,
    max_concurrent     INTEGER,
    cooldown_seconds   INTEGER,
    price_multiplier   REAL,
    disabled_ops       TEXT,     -- JSON list of operation names members may not run
    pool_daily_budget  INTEGER,  -- credits the whole scope may spend per UTC day
    moderator_roles    TEXT,     -- JSON list of platform role ids that may moderate
    PRIMARY KEY (platform, scope)
);

-- Per-member overrides of the scope's limits.
CREATE TABLE member_limits (
    account_id        INTEGER PRIMARY KEY REFERENCES accounts (id),
    daily_allowance   INTEGER,
    daily_spend_cap   INTEGER,
    max_concurrent    INTEGER,
    cooldown_seconds  INTEGER,
    banned            INTEGER NOT NULL DEFAULT 0,
    ban_reason        TEXT
);

-- Who changed what, when and why. Append-only like the journal.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    scope       TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT,
    details     TEXT NOT NULL,  -- JSON
    reason      TEXT NOT NULL,
    created_at  REAL NOT NULL
);
CREATE INDEX audit_by_scope ON audit_log (platform, scope, id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- Idempotency: a platform event id runs once; its fingerprint catches a reuse with other arguments.
CREATE TABLE requests (
    platform     TEXT NOT NULL,
    request_key  TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    hold_id      INTEGER REFERENCES journal (id),
    created_at   REAL NOT NULL,
    PRIMARY KEY (platform, request_key)
);
