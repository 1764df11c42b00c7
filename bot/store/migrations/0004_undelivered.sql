-- Migration 4. Results that could not be posted anywhere: kept as 'undelivered' (listed in /mysongs with their
-- files) instead of being retried forever or recorded as delivered. ``tried_at`` is when the
-- first attempt was made, so a later retry knows whether the platform may still remember it
-- (Discord forgets message nonces after a few minutes). SQLite cannot widen a CHECK in place,
-- so the table is rebuilt.

CREATE TABLE outbox_next (
    id            INTEGER PRIMARY KEY,
    job_id        TEXT NOT NULL REFERENCES jobs (id),
    kind          TEXT NOT NULL CHECK (kind IN ('result', 'notice')),
    payload       TEXT NOT NULL,                  -- JSON ResultCard or notice text
    target        TEXT NOT NULL,                  -- JSON ReplyTarget
    state         TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'delivered', 'undelivered')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    not_before    REAL NOT NULL,
    delivered_ref TEXT,
    created_at    REAL NOT NULL,
    delivered_at  REAL,
    tried_at      REAL,                           -- the first attempt to post it
    error         TEXT                            -- why it is undelivered, for the member
);

INSERT INTO outbox_next (id, job_id, kind, payload, target, state, attempts, not_before,
                         delivered_ref, created_at, delivered_at)
SELECT id, job_id, kind, payload, target, state, attempts, not_before, delivered_ref, created_at,
       delivered_at
FROM outbox;

DROP TABLE outbox;
ALTER TABLE outbox_next RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox (state, not_before);
CREATE INDEX outbox_by_job ON outbox (job_id, state);
