-- Migration 4. Results that could not be posted anywhere: kept as 'undelivered' (listed in /mysongs with their
-- files) instead of being retried forever or recorded as delivered. ``tried_at`` is when the
-- first attempt was made, so a later retry knows whether the platform may still remember it
-- (Discord forgets message nonces after a few minutes). SQLite rebuilds the table to widen the
-- CHECK and appends the two new columns at its end; PostgreSQL widens the constraint in place
-- and ADD COLUMN appends them, so the columns end in the same order.

ALTER TABLE outbox DROP CONSTRAINT outbox_state_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_state_check
    CHECK (state IN ('pending', 'delivered', 'undelivered'));
ALTER TABLE outbox ADD COLUMN tried_at DOUBLE PRECISION;  -- the first attempt to post it
ALTER TABLE outbox ADD COLUMN error TEXT;                 -- why it is undelivered, for the member
CREATE INDEX outbox_by_job ON outbox (job_id, state);
