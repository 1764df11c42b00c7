-- Migration 5. The daily allowance is its own pot, spent first and reset each UTC day, so it never
-- eats credits a moderator granted. It is no longer topped up with grants: what is left of today's
-- allowance is derived from the day's holds, whose ``allowance`` column says how much of each hold
-- (and of each capture) came from the allowance rather than from the member's own credits. The
-- accounts' cached balance and held credits count own credits only. Old entries keep 0: allowance
-- credits granted by earlier versions stay with their members as their own.
-- (Adding a column with a default rewrites no row through UPDATE, so the journal's append-only
-- triggers do not fire, in PostgreSQL as in SQLite.)

ALTER TABLE journal ADD COLUMN allowance BIGINT NOT NULL DEFAULT 0;
ALTER TABLE journal ADD CONSTRAINT journal_allowance_check
    CHECK (allowance = 0 OR (kind IN ('hold', 'capture') AND allowance BETWEEN 0 AND amount));
ALTER TABLE accounts DROP COLUMN allowance_day;
