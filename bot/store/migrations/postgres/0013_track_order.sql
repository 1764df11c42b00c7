-- Migration 13. A job's tracks keep the order they were written in (what "the first result"
-- means to a member) in a column of their own: SQLite's rowid said it, and PostgreSQL has none.
-- Rows copied from SQLite (chorus migrate --from) arrive with theirs.

ALTER TABLE tracks ADD COLUMN position BIGINT NOT NULL DEFAULT 0;
CREATE INDEX tracks_by_job ON tracks (job_id, position);
