-- 'unconfirmed': the answer to the job's submission was lost, so the vendor may be making (and
-- charging for) it under a task id Chorus never learnt. The job keeps its hold until a webhook
-- naming the job adopts the task, or until not_before (the end of the window) releases it.
-- SQLite changes a CHECK only by rebuilding the table; the runner turns foreign keys off for
-- this and checks them before committing.

CREATE TABLE jobs_new (
    id                TEXT PRIMARY KEY,
    platform          TEXT NOT NULL,
    scope             TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    op                TEXT NOT NULL,
    params            TEXT NOT NULL,
    inputs            TEXT NOT NULL,
    target            TEXT NOT NULL,
    hold_id           INTEGER NOT NULL REFERENCES journal (id),
    state             TEXT NOT NULL CHECK (state IN ('queued', 'submitting', 'unconfirmed', 'running', 'succeeded', 'failed')),
    upstream          TEXT,
    task_id           TEXT UNIQUE,
    status_ref        TEXT,
    attempts          INTEGER NOT NULL DEFAULT 0,
    not_before        REAL NOT NULL,              -- queued: earliest submit; running: next poll; unconfirmed: end of the window
    error             TEXT,
    preview_url       TEXT,
    created_at        REAL NOT NULL,
    submitted_at      REAL,
    finished_at       REAL
);
INSERT INTO jobs_new (id, platform, scope, user_id, op, params, inputs, target, hold_id, state,
                      upstream, task_id, status_ref, attempts, not_before, error, preview_url,
                      created_at, submitted_at, finished_at)
SELECT id, platform, scope, user_id, op, params, inputs, target, hold_id, state, upstream, task_id,
       status_ref, attempts, not_before, error, preview_url, created_at, submitted_at, finished_at
FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;
CREATE INDEX jobs_by_state ON jobs (state, not_before);
CREATE INDEX jobs_by_user ON jobs (platform, scope, user_id, created_at);
CREATE INDEX jobs_in_flight ON jobs (state, platform, scope, user_id);
CREATE INDEX jobs_by_hold ON jobs (hold_id);
