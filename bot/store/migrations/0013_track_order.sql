-- Migration 13. A job's tracks keep the order they were written in (what "the first result"
-- means to a member) in a column of their own: SQLite's rowid said it, and PostgreSQL has none.
-- Existing rows take their rowid, which orders them as before.

ALTER TABLE tracks ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
UPDATE tracks SET position = rowid;
CREATE INDEX tracks_by_job ON tracks (job_id, position);
