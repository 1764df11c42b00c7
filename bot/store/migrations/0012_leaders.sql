-- Migration 12. Several instances on one database: a role only one of them may play at a time
-- (Telegram's long polling: Telegram answers a second poller with 409 Conflict) is leased to
-- one instance, which renews the lease while it lives; once the lease runs out, another
-- instance takes the role over. Numbered 12 after 10 and 11, written alongside it.

CREATE TABLE leaders (
    role        TEXT PRIMARY KEY,             -- what is led, e.g. 'telegram-polling'
    holder      TEXT NOT NULL,                -- the instance leading it
    expires_at  REAL NOT NULL                 -- wall-clock seconds; taken over after it
);
