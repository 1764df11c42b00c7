-- 'unconfirmed': the answer to the job's submission was lost, so the vendor may be making (and
-- charging for) it under a task id Chorus never learnt. The job keeps its hold until a webhook
-- naming the job adopts the task, or until not_before (the end of the window) releases it.
-- SQLite rebuilds the table to change the CHECK (with the same columns in the same order and
-- the same indexes); PostgreSQL replaces the constraint in place, to the same end.
-- not_before now also means, for an unconfirmed job, the end of the window.

ALTER TABLE jobs DROP CONSTRAINT jobs_state_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_state_check
    CHECK (state IN ('queued', 'submitting', 'unconfirmed', 'running', 'succeeded', 'failed'));
