-- Migration 10. Several instances on one database share the work: a job being submitted or
-- running is leased to the instance working on it (its lease renewed while that instance lives,
-- taken over by another once it expires), and the vendor's submission rate is one bucket for
-- them all. PostgreSQL version of ../0010_leases.sql.

ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
ALTER TABLE jobs ADD COLUMN lease_until DOUBLE PRECISION;
CREATE INDEX jobs_by_lease ON jobs (lease_owner, state);

-- A token bucket shared by every instance: refilled by the time elapsed since ``stamp`` (wall
-- clock seconds) at the bucket's rate, up to its capacity; a submission takes one token.
CREATE TABLE rate_buckets (
    name    TEXT PRIMARY KEY,
    tokens  DOUBLE PRECISION NOT NULL,
    stamp   DOUBLE PRECISION NOT NULL
);
