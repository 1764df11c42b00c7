-- Migration 9. Several instances on one database: the outbox names the platform a row is bound
-- for in a column of its own (each instance delivers for the platforms it serves, found by an
-- index instead of by reading JSON, which the two dialects spell differently).

ALTER TABLE outbox ADD COLUMN platform TEXT;
UPDATE outbox SET platform = target::json ->> 'platform';
CREATE INDEX outbox_by_platform ON outbox (platform, state, not_before);
