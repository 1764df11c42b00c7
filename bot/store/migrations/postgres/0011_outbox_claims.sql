-- Migration 11. Several instances deliver from one outbox: an instance claims the rows it is
-- about to post (claimed_by, until claimed_until), so no other posts them meanwhile; a claim
-- that is not renewed expires and the rows go to whoever claims next (an instance that died).
-- Telegram's webhook updates may reach several instances (Telegram retries; a load balancer
-- sends the retry anywhere): the ids seen are kept here for a while, so each is handled once.

ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until DOUBLE PRECISION;

CREATE TABLE platform_updates (
    source    TEXT NOT NULL,                     -- the bot that received it, e.g. telegram-123
    update_id BIGINT NOT NULL,
    seen_at   DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (source, update_id)
);
CREATE INDEX platform_updates_by_age ON platform_updates (seen_at);
