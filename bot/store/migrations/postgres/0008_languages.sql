-- Migration 8. The language Chorus speaks to a member, where they chose one with /language (kept
-- per platform, not per community: a member reads their own language everywhere), and the
-- language a community's moderators set for it (their posts and members without a choice).

CREATE TABLE member_languages (
    platform   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    language   TEXT NOT NULL,
    changed_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (platform, user_id)
);

CREATE TABLE scope_languages (
    platform   TEXT NOT NULL,
    scope      TEXT NOT NULL,
    language   TEXT NOT NULL,
    changed_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (platform, scope)
);
