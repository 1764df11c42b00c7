-- Migration 6. How long recent jobs took at the vendor, per operation and model, so that the
-- engine polls near when a task is likely done and the progress bar can say how long is left.
-- Kept in the store so that what was learned survives a restart; only the newest rows of each
-- (op, model) are kept.

CREATE TABLE durations (
    id          INTEGER PRIMARY KEY,
    op          TEXT NOT NULL,
    model       TEXT NOT NULL,
    seconds     REAL NOT NULL CHECK (seconds >= 0),  -- in the vendor's seconds
    finished_at REAL NOT NULL
);

CREATE INDEX durations_recent ON durations (op, model, id);

-- A command tells its queue position (queued jobs created before it): with this index that
-- count reads the index alone instead of every queued job's row.
CREATE INDEX jobs_queue_order ON jobs (state, created_at);
