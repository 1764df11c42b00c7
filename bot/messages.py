"""Every sentence a member or moderator reads, in one place, translated where it is made.

Functions, not constants, because most sentences carry numbers; each is plain, specific and
says what to do next. Each sentence is one whole template for translators (``_()``), with named
``{placeholders}``; a sentence that counts something is an ``ngettext()`` pair, so each language
picks its own plural form. Numbers, durations and dates are written the current language's way
(:mod:`bot.i18n`).

Module-level text (the UPPER_CASE names) is declared in :data:`_TEXTS` with ``N_()`` and
translated each time it is read (``messages.AUDIO_EMPTY`` goes through the module's
``__getattr__``): it exists before any language is chosen, so it is translated lazily rather
than frozen in English at import.
"""

from __future__ import annotations

import math
import shlex
from datetime import UTC, datetime

from bot import i18n
from bot.i18n import C_, N_, _, fixed, general, grouped, ngettext, number


def credits(n: int) -> str:
    return ngettext("{n} credit", "{n} credits", n).format(n=number(n))


def duration(seconds: float) -> str:
    seconds = max(1, math.ceil(seconds))
    if seconds < 90:
        # TRANSLATORS: a short duration in seconds ("45 s").
        return _("{n} s").format(n=number(seconds))
    if seconds < 3600:
        # TRANSLATORS: a short duration in minutes ("12 min").
        return _("{n} min").format(n=number(math.ceil(seconds / 60)))
    # TRANSLATORS: a short duration in hours, with one decimal ("1.5 h").
    return _("{n} h").format(n=fixed(seconds / 3600, 1))


def songs_left(available: int, song_price: int) -> int:
    return available // song_price if song_price > 0 else 0


def _balance_notes(held: int, allowance: int) -> str:
    notes = ""
    if allowance:
        notes += " " + ngettext(
            "{credits} of that is today's allowance, spent first; it resets at midnight UTC.",
            "{credits} of that are today's allowance, spent first; it resets at midnight UTC.",
            allowance,
        ).format(credits=credits(allowance))
    if held:
        notes += " " + ngettext(
            "({credits} is reserved for jobs in progress.)",
            "({credits} are reserved for jobs in progress.)",
            held,
        ).format(credits=credits(held))
    return notes


def balance(available: int, held: int, song_price: int, allowance: int = 0) -> str:
    """A member's own balance: ``available`` includes what is left of today's ``allowance``."""
    songs = songs_left(available, song_price)
    worth = ngettext(
        "You have {credits}: enough for {songs} song.",
        "You have {credits}: enough for {songs} songs.",
        songs,
    ).format(credits=credits(available), songs=number(songs))
    return worth + _balance_notes(held, allowance)


def member_balance(who: str, available: int, held: int, song_price: int, allowance: int = 0) -> str:
    """Another member's balance, for a moderator; ``who`` is how the platform names them."""
    songs = songs_left(available, song_price)
    worth = ngettext(
        "{who} has {credits}: enough for {songs} song.",
        "{who} has {credits}: enough for {songs} songs.",
        songs,
    ).format(who=who, credits=credits(available), songs=number(songs))
    return worth + _balance_notes(held, allowance)


def insufficient(available: int, needed: int) -> str:
    return _(
        "This costs {needed} but you have {available}. "
        "Ask a moderator for more, or wait for your daily allowance."
    ).format(needed=credits(needed), available=credits(available))


def banned(reason: str | None) -> str:
    if reason:
        return _("You can't use Chorus here: {reason}.").format(reason=reason)
    return _("You can't use Chorus here.")


def cooling_down(wait: float, op: str | None = None) -> str:
    if op:
        return _("Slow down a little: you can run /{op} in {wait}.").format(
            op=op, wait=duration(wait)
        )
    return _("Slow down a little: you can run another command in {wait}.").format(
        wait=duration(wait)
    )


def too_many_jobs(limit: int, op: str | None = None) -> str:
    if op:
        return ngettext(
            "You already have {n} job in progress; wait for one to finish before running /{op}.",
            "You already have {n} jobs in progress; wait for one to finish before running /{op}.",
            limit,
        ).format(n=number(limit), op=op)
    return ngettext(
        "You already have {n} job in progress; wait for one to finish.",
        "You already have {n} jobs in progress; wait for one to finish.",
        limit,
    ).format(n=number(limit))


def daily_cap(cap: int, left: int, needed: int) -> str:
    return _(
        "That would pass your daily limit of {cap} ({left} left today, "
        "this costs {needed}). It resets at midnight UTC."
    ).format(cap=credits(cap), left=credits(left), needed=credits(needed))


def pool_exhausted(budget: int) -> str:
    return _(
        "This community has used its daily budget of {budget}. It resets at midnight UTC."
    ).format(budget=credits(budget))


def operation_disabled(op: str) -> str:
    return _("The moderators have turned off /{op} here.").format(op=op)


def request_conflict() -> str:
    return _("That request was already used for something else; please run the command again.")


def not_moderator() -> str:
    return _("Only moderators can do that (Manage Server, a moderator role, or chat admin).")


def revoke_too_much(who: str, available: int, asked: int) -> str:
    return _(
        "{who} has only {available} of their own available; you cannot take "
        "{asked}. (Today's allowance is not theirs to keep, so it cannot be taken.)"
    ).format(who=who, available=credits(available), asked=credits(asked))


# --- what moderators read ------------------------------------------------------------------------


def moment(ts: float) -> str:
    """A journal or audit time, in UTC like the allowance's day."""
    # TRANSLATORS: {when} is a date and time, already in your language's order.
    return _("{when} UTC").format(when=i18n.moment(datetime.fromtimestamp(ts, UTC)))


def moderated(sentence: str) -> str:
    """A moderator's change went through; ``sentence`` says where it leaves the member."""
    return _("Done. {sentence}").format(sentence=sentence)


def spent_today(amount: int) -> str:
    return _("Spent today: {amount}.").format(amount=credits(amount))


def _none() -> str:
    # TRANSLATORS: a setting that is not set ("daily spend cap none").
    return _("none")


def member_limits(
    daily_allowance: int, daily_spend_cap: int | None, max_concurrent: int, cooldown: int
) -> str:
    cap = _none() if daily_spend_cap is None else credits(daily_spend_cap)
    wait = _none() if not cooldown else duration(cooldown)
    return ngettext(
        "Limits: daily allowance {allowance}; daily spend cap {cap}; "
        "{n} job at once; cooldown {wait}.",
        "Limits: daily allowance {allowance}; daily spend cap {cap}; "
        "{n} jobs at once; cooldown {wait}.",
        max_concurrent,
    ).format(allowance=credits(daily_allowance), cap=cap, n=number(max_concurrent), wait=wait)


def limits_updated(who: str, limits: str) -> str:
    return _("{who}'s limits are updated. {limits}").format(who=who, limits=limits)


def ban_state(banned: bool, reason: str | None) -> str:
    if not banned:
        return _("Not banned.")
    if reason:
        return _("Banned: {reason}.").format(reason=echo(reason, 200))
    return _("Banned.")


def banned_member(who: str) -> str:
    return _("{who} is banned: their running jobs finish, new ones are refused.").format(who=who)


def unbanned_member(who: str) -> str:
    return _("{who} is no longer banned.").format(who=who)


def journal_entry(
    when: float, kind: str, amount: int, job: str | None, by: str | None, reason: str
) -> str:
    """One line of a member's journal; ``by`` names the moderator behind a grant or adjustment.
    Each kind, with or without its moderator (or job) and reason, is its own whole line in
    :data:`JOURNAL_LINES`; a reason Chorus stored itself is translated as it is shown."""
    if kind == "adjust":
        kind = "taken_back" if amount < 0 else "added"
    elif kind not in JOURNAL_LINES_KINDS:
        kind = "release"
    who = by if kind in ("grant", "taken_back", "added") else job
    why = _journal_reason(reason) if reason and kind != "capture" else ""
    line = _(JOURNAL_LINES[(kind, bool(who), bool(why))])
    n = credits(-amount if kind == "taken_back" else amount)
    return f"{moment(when)}  {line.format(n=n, by=who, job=who, why=why)}"


# A journal line by (kind, with its moderator or job, with a reason): {n} credits, {by} the
# moderator, {job} the job, {why} the reason. A capture's reason is never shown.
JOURNAL_LINES = {
    # TRANSLATORS: a line of a member's journal: {n} is an amount ("5 credits"), {by} the
    # moderator who made the change, {why} their reason (or why Chorus moved the credits).
    ("grant", True, True): N_("+{n} granted by {by} ({why})"),
    ("grant", True, False): N_("+{n} granted by {by}"),
    ("grant", False, True): N_("+{n} granted ({why})"),
    ("grant", False, False): N_("+{n} granted"),
    ("taken_back", True, True): N_("{n} taken back by {by} ({why})"),
    ("taken_back", True, False): N_("{n} taken back by {by}"),
    ("taken_back", False, True): N_("{n} taken back ({why})"),
    ("taken_back", False, False): N_("{n} taken back"),
    ("added", True, True): N_("+{n} added by {by} ({why})"),
    ("added", True, False): N_("+{n} added by {by}"),
    ("added", False, True): N_("+{n} added ({why})"),
    ("added", False, False): N_("+{n} added"),
    # TRANSLATORS: a line of a member's journal: {n} is an amount ("5 credits"), {job} a job's
    # id, {why} why the credits moved.
    ("hold", True, True): N_("{n} reserved for job {job} ({why})"),
    ("hold", True, False): N_("{n} reserved for job {job}"),
    ("hold", False, True): N_("{n} reserved for a job ({why})"),
    ("hold", False, False): N_("{n} reserved for a job"),
    ("capture", True, False): N_("{n} spent on job {job}"),
    ("capture", False, False): N_("{n} spent on a job"),
    ("release", True, True): N_("{n} returned from job {job} ({why})"),
    ("release", True, False): N_("{n} returned from job {job}"),
    ("release", False, True): N_("{n} returned from a job ({why})"),
    ("release", False, False): N_("{n} returned from a job"),
}
JOURNAL_LINES_KINDS = frozenset(key[0] for key in JOURNAL_LINES)

# Why Chorus itself moved credits, as a member's journal stores it. The row keeps this English
# text as a key, never a translation (a stored sentence would freeze one language into the
# database), and the journal translates it as it is shown (:func:`_journal_reason`). Declared
# with N_() so the catalogs carry them, read as plain names so they stay the English key.
JOURNAL_STARTING_CREDITS = N_("starting credits")
JOURNAL_UNCONFIRMED = N_("job unconfirmed")
JOURNAL_EXPIRED = N_("expired")
STORED_REASONS = frozenset({JOURNAL_STARTING_CREDITS, JOURNAL_UNCONFIRMED, JOURNAL_EXPIRED})
# A moderator's action given without a reason, as the audit log stores it: a key like the
# journal's reasons, translated by :func:`audit_entry` as it is shown.
NO_REASON_GIVEN = N_("no reason given")


def _journal_reason(reason: str) -> str:
    """A journal row's reason as shown: Chorus's own (a key) translated, "job <kind>" (why a
    job failed) with its code, a moderator's as written."""
    if reason in STORED_REASONS:
        return _(reason)
    if reason.startswith("job ") and reason[4:] in REASONS:
        # TRANSLATORS: a journal line's reason: a job failed; {kind} is a code such as "timeout".
        return _("job {kind}").format(kind=reason[4:])
    return echo(reason, 200)


def recent_entries(lines: list[str]) -> str:
    return _("Recent entries:") + "\n" + "\n".join(lines) if lines else _("No entries yet.")


def audit_entry(
    entry: int, when: float, actor: str, action: str, target: str | None, details: str, why: str
) -> str:
    on = f" {target}" if target else ""
    changed = f" ({details})" if details else ""
    done = _(AUDIT_ACTIONS[action]) if action in AUDIT_ACTIONS else action
    shown = _(NO_REASON_GIVEN) if why == NO_REASON_GIVEN else echo(why, 200)
    return f"#{entry} {moment(when)} {actor} {done}{on}{changed}: {shown}"


# What a moderator did, in the audit log: the /mod action's name, as a word of the language.
AUDIT_ACTIONS = {
    # TRANSLATORS: audit log: "#2 <when> alice grant bob (amount=5): why"; a verb or noun.
    "grant": N_("grant"),
    "revoke": N_("revoke"),
    "set_limits": N_("set_limits"),
    "clear_limits": N_("clear_limits"),
    "ban": N_("ban"),
    "unban": N_("unban"),
    "settings": N_("settings"),
}


def audit_empty() -> str:
    return _("Nothing yet.")


def scope_settings(
    *,
    starting_credits: int,
    daily_allowance: int,
    daily_spend_cap: int | None,
    max_concurrent: int,
    cooldown: int,
    price_multiplier: float,
    pool_daily_budget: int | None,
    disabled: list[str],
    moderator_roles: list[str],
) -> str:
    """A scope's settings, one per line, in the words the README uses."""
    cap = _none() if daily_spend_cap is None else credits(daily_spend_cap)
    pool = _none() if pool_daily_budget is None else credits(pool_daily_budget)
    return "\n".join(
        (
            _("New members start with {credits}.").format(credits=credits(starting_credits)),
            _("Daily allowance: {credits} (spent first, resets at midnight UTC).").format(
                credits=credits(daily_allowance)
            ),
            _("Daily spend cap per member: {cap}.").format(cap=cap),
            _("Jobs at once per member: {n}.").format(n=number(max_concurrent)),
            _("Cooldown: {wait}.").format(wait=_none() if not cooldown else duration(cooldown)),
            _("Prices: ×{multiplier}.").format(multiplier=general(price_multiplier)),
            _("Daily budget for the whole community: {pool}.").format(pool=pool),
            _("Turned off: {commands}.").format(
                # TRANSLATORS: no command is turned off.
                commands=", ".join(f"/{op}" for op in disabled) or _("nothing")
            ),
            _("Moderator roles: {roles}.").format(roles=", ".join(moderator_roles) or _none()),
        )
    )


def unknown_operations(names: list[str]) -> str:
    listed = ", ".join(f"/{echo(name)}" for name in names)
    return _("There is no {commands} command to turn off; /help lists them.").format(
        commands=listed
    )


# --- job progress ---------------------------------------------------------------------------


def bar(fraction: float, width: int = 10) -> str:
    filled = max(0, min(width, round(fraction * width)))
    return "█" * filled + "░" * (width - filled)


def queued(job_id: str, op: str, position: int) -> str:
    return _("⏳ /{op} {job}: queued, position {position}.").format(
        op=op, job=job_id, position=number(position)
    )


def generating(job_id: str, op: str, fraction: float, left: float | None = None) -> str:
    """The progress bar; ``left`` is the estimated vendor seconds still to go, if known."""
    values = {
        "op": op,
        "job": job_id,
        "bar": bar(fraction),
        "percent": number(round(fraction * 100)),
    }
    if left is None:
        return _("🎵 /{op} {job}: generating {bar} {percent}%").format(**values)
    if left < 5:
        return _("🎵 /{op} {job}: generating {bar} {percent}%, almost done").format(**values)
    wait = duration(5 * round(left / 5))
    return _("🎵 /{op} {job}: generating {bar} {percent}%, about {wait} left").format(
        wait=wait, **values
    )


def preview(job_id: str, op: str, url: str) -> str:
    return _(
        "🎧 /{op} {job}: a preview is playing at {url} (the final audio is on its way)."
    ).format(op=op, job=job_id, url=url)


def retrying(job_id: str, op: str, wait: float) -> str:
    return _("⏳ /{op} {job}: the music service is busy; trying again in {wait}.").format(
        op=op, job=job_id, wait=duration(wait)
    )


def unconfirmed(job_id: str, op: str, window: float) -> str:
    return _(
        "⏳ /{op} {job}: the music service's answer was lost. If it is making this, the "
        "result will come here; your credits stay reserved for up to {window}, then "
        "they are returned."
    ).format(op=op, job=job_id, window=duration(window))


def done(job_id: str, op: str, results: int, expected: int = 0, returned: int = 0) -> str:
    """The finished job; when fewer results came than asked for, or part of the hold was not
    spent, say what was returned."""
    line = ngettext(
        "✅ /{op} {job}: done, {n} result below.",
        "✅ /{op} {job}: done, {n} results below.",
        results,
    ).format(op=op, job=job_id, n=number(results))
    if results < expected:
        failed = expected - results
        line += " " + ngettext(
            "{failed} of {expected} version failed; {credits} returned.",
            "{failed} of {expected} versions failed; {credits} returned.",
            expected,
        ).format(failed=number(failed), expected=number(expected), credits=credits(returned))
    elif returned:
        line += " " + _("The music service already had your audio: {credits} returned.").format(
            credits=credits(returned)
        )
    return line


def failed(job_id: str, op: str, reason: str, refunded: int) -> str:
    """The one notice of a failure: why, in Chorus's words, and what was returned."""
    line = _("❌ /{op} {job}: {reason}").format(op=op, job=job_id, reason=reason)
    if refunded:
        line += " " + ngettext(
            "Your {credits} was returned.", "Your {credits} were returned.", refunded
        ).format(credits=credits(refunded))
    return line


def failed_status(job_id: str, op: str) -> str:
    """The job's status message on failure; the notice below it says why (said once)."""
    return _("❌ /{op} {job}: failed; the reason is below.").format(op=op, job=job_id)


def kept_for_you(job_id: str, op: str) -> str:
    return _(
        "📦 /{op} {job}: Chorus could not post the result here, so it is kept for you: "
        "/mysongs lists it with its files."
    ).format(op=op, job=job_id)


def undelivered(items: list[tuple[str, str, list[str]]]) -> str:
    """/mysongs' list of results that could not be posted: (job, title, files or links)."""
    lines = [_("Kept for you (Chorus could not post these where you asked):")]
    for job_id, title, files in items:
        lines.append(
            _("• {title} (job {job}): {files}").format(
                title=title, job=job_id, files=", ".join(files) or _("no files")
            )
        )
    return "\n".join(lines)


def vendor_out_of_credits() -> str:
    return _(
        "⚠️ Moderators: the music service account behind Chorus is out of credits, so songs fail "
        "until it is topped up. Members' credits are returned automatically."
    )


# Why a job failed, by error kind. The vendor's own sentences are never shown: they are written
# for developers ("The 'continue_clip_id' is invalid") and speak of the vendor's credits, not the
# member's. Only "media" carries a detail, and that detail is one of Chorus's sentences below.
REASONS = {
    "content": N_("the music service's content rules refused this request; please rephrase it."),
    "validation": N_("the music service did not accept this request; try other options."),
    "upstream_credits": N_(
        "the community's music-service account is out of credits; the moderators have been told."
    ),
    "answer_lost": N_(
        "Chorus lost the music service's answer to this request and has no way to find out "
        "whether it is being made, so no result will come."
    ),
    "unconfirmed": N_("the music service never confirmed this request, so no result will come."),
    "unavailable": N_("the music service is unavailable right now; please try again later."),
    "rate_limited": N_("the music service is too busy right now; please try again later."),
    "auth": N_(
        "Chorus is not set up correctly (the music service refused its key); "
        "an operator must fix it."
    ),
    "source_expired": N_("the music service no longer has that track's audio; make a new one."),
    "not_found": N_("the music service could not find what this needs; please try again."),
    "task_not_found": N_("the music service lost track of this song."),
    "retired": N_("that feature was retired by the music service."),
    "task_failed": N_("the music service could not make this; please try again."),
    "timeout": N_("this took far longer than it should, so it was cancelled."),
    "restart": N_("Chorus restarted before the music service confirmed this request."),
    "media": "{detail}",
    "expired": N_("this waited too long in the queue and was cancelled."),
}

# Vendor refusals Chorus recognises: (kind, words all in the vendor's text, what members read).
RECOGNISED = (
    (
        "content",
        ("artist",),
        N_("the music service does not allow artists' names; describe the style instead."),
    ),
    (
        "content",
        ("copyright",),
        N_("the music service found copyrighted lyrics; please use your own words."),
    ),
    (
        "validation",
        ("clip", "is invalid"),
        N_("the music service no longer knows that track; make a new one."),
    ),
)


def reason(kind: str, detail: str = "") -> str:
    """Why a job failed, as one sentence ending in a full stop. ``detail`` is the vendor's text
    for vendor errors (only matched against :data:`RECOGNISED`, never shown) or, for "media",
    Chorus's own sentence about the member's audio."""
    lowered = detail.lower()
    for known_kind, words, sentence in RECOGNISED:
        if kind == known_kind and all(word in lowered for word in words):
            return _(sentence)
    template = REASONS.get(kind, REASONS["unavailable"])
    text = template.format(detail=detail.strip()) if kind == "media" else _(template)
    return text if text.endswith((".", "!", "?", "。", "！", "？", "⟧")) else f"{text}."


# --- members' audio ------------------------------------------------------------------------------


def megabytes(n: int) -> str:
    # TRANSLATORS: a file size in megabytes ("25 MB").
    return _("{n} MB").format(n=fixed(n / 1024 / 1024, 0))


def audio_too_long(minutes: float) -> str:
    return _(
        "That audio is {minutes} minutes long; the music service takes at most 8 minutes."
    ).format(minutes=fixed(minutes, 0))


def audio_too_big(size: int | None, limit: int) -> str:
    if size is None:
        return _("That file is over {limit}, the most Chorus accepts.").format(
            limit=megabytes(limit)
        )
    return _("That file is {size}; Chorus accepts audio up to {limit}.").format(
        size=megabytes(size), limit=megabytes(limit)
    )


def audio_too_short_for(op: str, minimum: float, seconds: float) -> str:
    return _(
        "/{op} needs more than {minimum} s of audio; yours is {seconds} s. Send a longer recording."
    ).format(op=op, minimum=general(minimum), seconds=fixed(seconds, 1))


def audio_missing(where: str) -> str:
    return _("There is no file at {path}.").format(path=echo(where, 200))


# --- commands ------------------------------------------------------------------------------------


ECHO_LIMIT = 40


def echo(text: str, limit: int = ECHO_LIMIT) -> str:
    """A member's own words quoted back in a refusal: at most ``limit`` characters, and nothing
    that would not print (a pasted 1,000-character "track id" is not repeated in full)."""
    shown = "".join(char if char.isprintable() else "?" for char in text[:limit])
    return shown + "…" if len(text) > limit else shown


def not_text(name: str, why: str, codepoint: int = 0) -> str:
    """Parameter ``name`` was not plain text (``why``: "empty", "control" with the character's
    ``codepoint``, or "invisible"; see :func:`bot.plaintext.problem`)."""
    match why:
        case "empty":
            return _("Please write {name} with some text: it was empty.").format(name=name)
        case "control":
            # TRANSLATORS: {codepoint} names a character, like U+0007.
            return _(
                "Please write {name} as plain text: control characters such as {codepoint} "
                "are not accepted."
            ).format(name=name, codepoint=f"U+{codepoint:04X}")
    return _("Please write {name} with visible characters: only invisible ones were sent.").format(
        name=name
    )


def unknown_command(op: str) -> str:
    return _("There is no /{op} command. /help lists them all.").format(op=echo(op))


def sing_with(voice: str) -> str:
    """The next step after /voice: the voice by its name, quoted if it has spaces."""
    return _("Sing with it: /persona voice={voice} <lyrics or description>").format(
        voice=shlex.quote(voice)
    )


def takes_no_track(op: str) -> str:
    return _("/{op} does not take a track.").format(op=op)


def unknown_track(track_id: str) -> str:
    return _("There is no track {track} here; /history lists yours.").format(track=echo(track_id))


def track_without_audio(track_id: str) -> str:
    return _("Track {track} has no audio to work on.").format(track=echo(track_id))


def no_sung_words(track_id: str, op: str) -> str:
    return _("Track {track} has no sung words (an instrumental?): nothing for /{op}.").format(
        track=echo(track_id), op=op
    )


def unknown_voice(name: str) -> str:
    return _("You have no voice called {name}; make one with /voice and an audio file.").format(
        name=repr(echo(name))
    )


def vendor_silent(detail: str) -> str:
    return _("The music service did not say: {detail}").format(detail=detail)


def unknown_moderator_action(action: str) -> str:
    return _("There is no moderator action called {action}.").format(action=echo(action))


# What each part of a replace-section or upload-extend result is, after the song's title.
SEGMENTS = {
    "replaced": N_("the new section"),
    "extended": N_("the extension"),
    "full": N_("the full song"),
}


def segment_title(title: str, segment: str) -> str:
    if segment not in SEGMENTS:
        return title
    return _("{title} — {part}").format(title=title, part=_(SEGMENTS[segment]))


def span_out_of_order(start: float, end: float) -> str:
    return _("end ({end} s) must come after start ({start} s).").format(
        end=general(end), start=general(start)
    )


def member_not_seen(who: str) -> str:
    return _(
        "{who} has not used Chorus here yet, so there is nothing to show. (A grant, limit "
        "or ban still works on them: it opens their account.)"
    ).format(who=echo(who))


def refused(why: str) -> str:
    """A refusal as the member reads it, whichever part of Chorus refused."""
    return f"✋ {why}"


def something_went_wrong() -> str:
    return _("Something went wrong on Chorus's side; nothing was charged. Please try again.")


def button_failed() -> str:
    return _("That did not work; please try again in a moment.")


# --- account commands and /help ------------------------------------------------------------------


def help_command(name: str, text: str) -> str:
    return f"/{name} — {text}"


def track_line(track_id: str, title: str, seconds: float) -> str:
    """One of the member's tracks in a plain-text /mysongs."""
    # TRANSLATORS: one track in a list; {seconds} is its length ("93").
    return _("{track}  {title}  ({seconds}s)").format(
        track=track_id, title=title, seconds=fixed(seconds, 0)
    )


def no_tracks_yet() -> str:
    return _("No tracks yet.")


def no_tracks_try_song() -> str:
    return _("No tracks yet: try /song.")


def no_more_tracks() -> str:
    return _("No more tracks.")


def music_service_credits(credits_left: int, extra: int) -> str:
    return ngettext(
        "The music-service account has {n} credit ({extra} extra).",
        "The music-service account has {n} credits ({extra} extra).",
        credits_left,
    ).format(n=number(credits_left), extra=number(extra))


# --- starting a job ------------------------------------------------------------------------------


def on_its_way(op: str, job: str, price: int, available_after: int) -> str:
    """A command accepted on Discord; ``job`` is the job's id as the platform shows it."""
    return _(
        "🎵 /{op} is on its way (job {job}): {price} reserved, "
        "{left} left. Progress and results will appear in this channel."
    ).format(op=op, job=job, price=credits(price), left=credits(available_after))


def button_started_on(op: str, track: str, price: int) -> str:
    """A button's job accepted; ``track`` is the track's id as the platform shows it."""
    return _("🎵 /{op} started on {track}: {price} reserved.").format(
        op=op, track=track, price=credits(price)
    )


def button_started(op: str, price: int) -> str:
    return _("/{op} started: {price} reserved.").format(op=op, price=credits(price))


def job_accepted(job_id: str, price: int, available_after: int) -> str:
    """A command accepted in the console."""
    return _("→ job {job}: {price} reserved, {left} left.").format(
        job=job_id, price=credits(price), left=number(available_after)
    )


def waiting_for_a_slot(why: str) -> str:
    """The console's script mode waits out a "too many jobs" refusal instead of failing."""
    return _("… {why} Waiting for one to finish.").format(why=why)


def waiting_for_job(job_id: str, op: str) -> str:
    return _("Waiting for job {job} (/{op}), left from a previous run.").format(job=job_id, op=op)


def gave_up_waiting() -> str:
    return _("Gave up waiting for the remaining jobs.")


# --- buttons and forms ---------------------------------------------------------------------------


def button_track_gone() -> str:
    return _("That button no longer works: its track is gone.")


def button_lyrics_gone() -> str:
    return _("That button no longer works: its lyrics are gone.")


def button_gone() -> str:
    return _("That button no longer works.")


def buttons_for_owner() -> str:
    return _("Only the member who made this track, or a moderator, can use its buttons.")


def buttons_for_owner_or_admin() -> str:
    return _("Only the member who made this track, or a chat admin, can use its buttons.")


def buttons_too_old() -> str:
    return _("That message is too old for its buttons.")


def buttons_too_old_reply() -> str:
    return _("That message is too old for its buttons; reply to the result with a command.")


def form_expired() -> str:
    return _("That form has expired. Please run the command again; nothing was charged.")


def no_audio_in_message() -> str:
    return _(
        "That message has no audio file. Use this on a message that carries one "
        "(MP3, WAV, OGG, M4A or FLAC), or on a Chorus result."
    )


# --- composing step by step (Telegram) -----------------------------------------------------------


def compose_ask_title(chosen_title: str | None) -> str:
    """The first question of /compose; ``chosen_title`` names the lyrics result it starts from."""
    if chosen_title is None:
        return _("🎼 Let's write a song. What is its title? (/cancel to stop)")
    return _("🎼 A song from “{title}”. What is its title? (/cancel to stop)").format(
        title=chosen_title
    )


def compose_ask_title_for(member: str, chosen_title: str) -> str:
    """/compose started from a button, in a group: ``member`` is the mention of who pressed it."""
    return _(
        "🎼 {member}, a song from “{title}”. What is its title? (reply here; /cancel to stop)"
    ).format(member=member, title=chosen_title)


def compose_title_too_long(limit: int) -> str:
    return _("That title is too long: at most {n} characters. Try again.").format(n=number(limit))


# --- members' audio on a platform ----------------------------------------------------------------


def give_audio_on_telegram(op: str, bot: str, *, results: bool) -> str:
    """How to give /op its audio where a bot in a group sees only commands addressed to it;
    ``results`` when one of the bot's own results will do too."""
    if results:
        return _(
            "/{op} works on audio: reply to the audio message (or one of my results) with "
            "/{op}@{bot}, or send the audio with /{op} as its caption."
        ).format(op=op, bot=bot)
    return _(
        "/{op} works on audio: reply to the audio message with /{op}@{bot}, "
        "or send the audio with /{op} as its caption."
    ).format(op=op, bot=bot)


def too_big_to_download(size: int, limit: int) -> str:
    return _(
        "That file is {size}; Telegram lets bots download files up to "
        "{limit}. Send a shorter or smaller file."
    ).format(size=megabytes(size), limit=megabytes(limit))


# --- moderators' commands in text ----------------------------------------------------------------


def mod_needs_member_reply(action: str) -> str:
    return _("/mod {action}: reply to the member's message, or give their numeric id.").format(
        action=action
    )


def mod_needs_member(action: str) -> str:
    return _("/mod {action} needs a member.").format(action=action)


def mod_amount_usage_reply(action: str) -> str:
    return _("Usage: /mod {action} <credits> [reason], replying to the member.").format(
        action=action
    )


def mod_amount_usage(action: str) -> str:
    return _("Usage: /mod {action} <member> <credits> [reason]").format(action=action)


def no_mod_action(action: str) -> str:
    return _("There is no /mod {action}.").format(action=action)


def member_by_id(user_id: str) -> str:
    """A member named by their platform id, where the core has no better name for them."""
    return _("Member {id}").format(id=user_id)


def already_banned(who: str) -> str:
    return _("{who} is already banned.").format(who=who)


def not_banned(who: str) -> str:
    return _("{who} is not banned.").format(who=who)


def cannot_ban_yourself() -> str:
    return _("You cannot ban yourself.")


def nothing_to_change() -> str:
    return _("Nothing to change: name at least one setting.")


def reason_too_long(limit: int) -> str:
    return _("The reason is too long ({n} characters at most).").format(n=number(limit))


def grant_out_of_range(most: int) -> str:
    return _("A grant must be a whole number from 1 to {most}.").format(most=grouped(most))


def revocation_out_of_range(most: int) -> str:
    return _("A revocation must be a whole number from 1 to {most}.").format(most=grouped(most))


def audit_page_out_of_range() -> str:
    return _("A page holds 1 to 100 entries.")


def validation_problem(kind: str, context: dict[str, object] | None, fallback: str) -> str:
    """A validator's complaint (pydantic's error ``kind`` with its ``context``) in the current
    language; ``fallback`` is the validator's own English, for a kind not listed here."""
    bound = (context or {}).get(_BOUNDS.get(kind, ""))
    if kind in _BOUNDS and isinstance(bound, int | float):
        return _(_PROBLEMS[kind]).format(limit=general(bound))
    return _(_PROBLEMS[kind]) if kind in _PROBLEMS else fallback


_BOUNDS = {
    "greater_than_equal": "ge",
    "less_than_equal": "le",
    "greater_than": "gt",
    "less_than": "lt",
}
# The validator's complaints members can cause, worded as the validator words them in English.
_PROBLEMS = {
    "greater_than_equal": N_("Input should be greater than or equal to {limit}"),
    "less_than_equal": N_("Input should be less than or equal to {limit}"),
    "greater_than": N_("Input should be greater than {limit}"),
    "less_than": N_("Input should be less than {limit}"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
}


def invalid_value(name: str, problem: str) -> str:
    """A value the settings or a command's options refuse; ``problem`` is the validator's."""
    return _("{name}: {problem}.").format(name=name, problem=problem)


# --- a command's options -------------------------------------------------------------------------


def no_such_option(op: str, name: str) -> str:
    return _("/{op} has no option called {name}.").format(op=op, name=echo(name))


def too_long(name: str, limit: object) -> str:
    return _("{name} is too long: at most {n} characters.").format(name=name, n=limit)


def cannot_be_empty(name: str) -> str:
    return _("{name} cannot be empty.").format(name=name)


def one_of(name: str, expected: object) -> str:
    return _("{name} must be one of {expected}.").format(name=name, expected=expected)


# --- the console's "last" ------------------------------------------------------------------------


def no_earlier_result() -> str:
    return _("There is no earlier result for 'last' to name yet.")


def last_did_not_succeed(job_id: str) -> str:
    return _("'last' names job {job}, which did not succeed.").format(job=job_id)


def last_out_of_range(word: str, wanted: int, op: str, job_id: str, made: int, lyrics: bool) -> str:
    """``word`` asked for result ``wanted`` (from 1) of a job that made ``made`` results, which
    are sets of lyrics when ``lyrics``."""
    values = {"word": word, "wanted": number(wanted), "op": op, "job": job_id, "n": number(made)}
    if made == 0 and lyrics:
        template = _(
            "'{word}' needs result {wanted} of the previous command (/{op}, job {job}), "
            "which made no sets of lyrics."
        )
    elif made == 0:
        template = _(
            "'{word}' needs result {wanted} of the previous command (/{op}, job {job}), "
            "which made no tracks."
        )
    elif lyrics:
        template = ngettext(
            "'{word}' needs result {wanted} of the previous command (/{op}, job {job}), "
            "which made {n} set of lyrics.",
            "'{word}' needs result {wanted} of the previous command (/{op}, job {job}), "
            "which made {n} sets of lyrics.",
            made,
        )
    else:
        template = ngettext(
            "'{word}' needs result {wanted} of the previous command (/{op}, job {job}), "
            "which made {n} track.",
            "'{word}' needs result {wanted} of the previous command (/{op}, job {job}), "
            "which made {n} tracks.",
            made,
        )
    return template.format(**values)


def unreadable_line(problem: str) -> str:
    """A command line the tokenizer could not split; ``problem`` is its reason."""
    return _("Could not read that line: {problem}.").format(problem=problem)


def unknown_setting(name: str, settings: list[str]) -> str:
    """A ``/mod limits`` or ``/mod settings`` option that is no setting (``reason=`` included:
    a reason is plain words, not an option)."""
    listed = ", ".join(f"{setting}=" for setting in settings)
    return _("{name}= is not a setting; the settings are: {listed}.").format(
        name=name, listed=listed
    )


def option_given_twice(name: str) -> str:
    return _("{name}= is given twice; give each setting once.").format(name=name)


def unknown_option(op: str, name: str, options: list[str]) -> str:
    if not options:
        return _("/{op} has no option {name}; its options are: none.").format(
            op=op, name=repr(name)
        )
    listed = ", ".join(f"{option}=" for option in options)
    return _("/{op} has no option {name}; its options are: {options}.").format(
        op=op, name=repr(name), options=listed
    )


def takes_no_text(op: str, options: list[str]) -> str:
    if not options:
        return _("/{op} takes no text; options are: none.").format(op=op)
    return _("/{op} takes no text; options are: {options}.").format(
        op=op, options=", ".join(options)
    )


# --- results -------------------------------------------------------------------------------------


def voice_ready(name: str) -> str:
    return _("Your voice “{name}” is ready").format(name=name)


def video_of(title: str | None) -> str:
    return _("Video of {title}").format(title=title)


def midi_of(title: str | None) -> str:
    return _("MIDI of {title}").format(title=title)


def midi_notes(notes: int, instruments: list[str]) -> str:
    """What a MIDI file holds: its notes, and its instruments by name."""
    held = ngettext("{n} note", "{n} notes", notes).format(n=number(notes))
    count = len(instruments)
    return ngettext(
        "{notes} across {n} instrument: {names}",
        "{notes} across {n} instruments: {names}",
        count,
    ).format(notes=held, n=number(count), names=", ".join(instruments))


def tempo_of(title: str | None) -> str:
    return _("Tempo of {title}").format(title=title)


def tempo(average: float, low: float, high: float) -> str:
    if low == high:
        return _("{bpm} BPM").format(bpm=general(average))
    return _("{bpm} BPM (from {low} to {high})").format(
        bpm=general(average), low=general(low), high=general(high)
    )


def vocals_of(title: str | None) -> str:
    return _("Vocals of {title}").format(title=title)


def vocals_isolated(start: float, end: float, segment: str) -> str:
    return _("Isolated the vocals from {start}s to {end}s (segment {segment}).").format(
        start=general(start), end=general(end), segment=segment
    )


def lyrics_about(description: str) -> str:
    return _("Lyrics: {description}").format(description=description)


def timeline_of(title: str | None) -> str:
    return _("Lyrics timeline of {title}").format(title=title)


def listen_too_big(link: str) -> str:
    """Discord: ``link`` is the platform's markup for the word "Listen" pointing at the audio."""
    return _("{link} (too big to attach here)").format(link=link)


def listen_too_big_short(link: str) -> str:
    return _("{link} (too big to attach)").format(link=link)


def result_style(tags: str) -> str:
    return _("style: {tags}").format(tags=tags)


def result_saved(path: str) -> str:
    return _("saved {path}").format(path=path)


def result_too_big_to_save(link: str) -> str:
    return _("too big to save here, listen at {link}").format(link=link)


def result_next(commands: list[str]) -> str:
    return _("next: {commands}").format(commands="  ".join(commands))


def cannot_post_here(missing: list[str]) -> str:
    """Discord: the bot lacks the ``missing`` permissions (by name) to post results here."""
    if len(missing) == 1:
        return _(
            "Chorus cannot post results in this channel: it is missing the {name} permission. "
            "Ask a moderator to grant it, or use Chorus in another channel. Nothing was charged."
        ).format(name=missing[0])
    # TRANSLATORS: {names} are all the missing permissions but the last, comma-separated.
    return _(
        "Chorus cannot post results in this channel: it is missing the {names} and {last} "
        "permissions. Ask a moderator to grant them, or use Chorus in another channel. "
        "Nothing was charged."
    ).format(names=", ".join(missing[:-1]), last=missing[-1])


def more_tracks_discord(page: int) -> str:
    """Where the next page of /mysongs is, written as Discord's command picker takes it."""
    return _("More: /mysongs page:{page}").format(page=page)


# --- choosing a language -------------------------------------------------------------------------


def language_name(language: str) -> str:
    """A language by its own name ("Deutsch"), as a member would look for it."""
    return i18n.NAMES.get(language, language)


def language_set(language: str) -> str:
    return _("Chorus now speaks {language} to you.").format(language=language_name(language))


def language_cleared() -> str:
    return _("Chorus now speaks to you in this community's language again.")


def language_current(language: str, codes: list[str]) -> str:
    return _(
        "Chorus speaks {language} to you. Choose another with /language <code>: {codes} "
        "(or 'auto' to follow the community)."
    ).format(language=language_name(language), codes=", ".join(codes))


def unknown_language(code: str, codes: list[str]) -> str:
    return _("Chorus does not speak {code}; it speaks {codes}.").format(
        code=echo(code), codes=", ".join(codes)
    )


def community_language_set(language: str) -> str:
    return _("This community's language is now {language}.").format(
        language=language_name(language)
    )


def missing_parameter(op: str, name: str) -> str:
    """A command given without ``name``, which it needs, with what that is: one whole sentence
    per parameter, the meaning written to sit inside it (never cut from :data:`PARAM_PROMPT`)."""
    # TRANSLATORS: {op} is a command; the word after "needs" is its option's name as members
    # type it (keep it as it is), the words in brackets say what that option is.
    match name:
        case "prompt":
            return _("/{op} needs prompt (what the music should be, in your words).").format(op=op)
        case "lyrics":
            return _(
                "/{op} needs lyrics (the words to sing; [Verse] and [Chorus] tags welcome)."
            ).format(op=op)
        case "tags":
            return _("/{op} needs tags (style tags, e.g. dream pop, female vocals).").format(op=op)
        case "title":
            return _("/{op} needs title (the song's title).").format(op=op)
        case "model":
            return _("/{op} needs model (the music model (default: the server's)).").format(op=op)
        case "duration":
            return _("/{op} needs duration (length in seconds).").format(op=op)
        case "vocal_gender":
            return _("/{op} needs vocal_gender (who sings: f or m).").format(op=op)
        case "start":
            return _("/{op} needs start (from this second).").format(op=op)
        case "end":
            return _("/{op} needs end (to this second).").format(op=op)
        case "instrumental":
            return _("/{op} needs instrumental (no vocals).").format(op=op)
        case "negative_tags":
            return _("/{op} needs negative_tags (styles to stay away from).").format(op=op)
        case "style_weight":
            return _(
                "/{op} needs style_weight (how closely to follow the style tags, 0 to 1)."
            ).format(op=op)
        case "weirdness":
            return _("/{op} needs weirdness (how adventurous, 0 to 1).").format(op=op)
        case "description":
            return _("/{op} needs description (what the lyrics should be about).").format(op=op)
        case "writer":
            return _("/{op} needs writer (who writes: sonic (two sets) or producer (one)).").format(
                op=op
            )
        case "format":
            return _("/{op} needs format (mp3, m4a or wav).").format(op=op)
        case "at":
            return _("/{op} needs at (continue from this second (default: the end)).").format(op=op)
        case "strength":
            return _("/{op} needs strength (how much to change).").format(op=op)
        case "voice":
            return _("/{op} needs voice (one of your voices, by name).").format(op=op)
    return _("/{op} needs {name}.").format(op=op, name=name)


# What an operation works on, each sentence whole for each kind of input (the catalog's
# ``Needs``: nothing, track, two_tracks, audio, upload, track_or_audio).


def help_operation(op: str, need: str, summary: str, price: int) -> str:
    """One operation in /help: what it works on (if anything), what it does, what it costs.
    ``summary`` is the operation's SUMMARY_* text as :mod:`bot.catalog` keeps it (the English
    key), translated here."""
    values = {"op": op, "summary": _(summary), "price": credits(price)}
    match need:
        case "track":
            return _("/{op} [a track] — {summary} ({price})").format(**values)
        case "two_tracks":
            return _("/{op} [two tracks] — {summary} ({price})").format(**values)
        case "audio":
            return _("/{op} [an audio file] — {summary} ({price})").format(**values)
        case "upload":
            return _("/{op} [your own audio file] — {summary} ({price})").format(**values)
        case "track_or_audio":
            return _("/{op} [a track or an audio file] — {summary} ({price})").format(**values)
    return _("/{op} — {summary} ({price})").format(**values)


def not_on_audio(op: str, need: str) -> str:
    """Audio given to an operation that takes none (it works on tracks, or on nothing)."""
    match need:
        case "track":
            return _("/{op} works on a track, not on an audio file.").format(op=op)
        case "two_tracks":
            return _("/{op} works on two tracks, not on an audio file.").format(op=op)
    return _("/{op} works on nothing, not on an audio file.").format(op=op)


def needs_audio(op: str) -> str:
    return _("/{op} needs an audio file: attach one or reply to one.").format(op=op)


def needs_upload(op: str) -> str:
    return _(
        "/{op} needs your own audio file: attach one or reply to one. It cannot use a track "
        "Chorus made: the music service adds to uploaded audio only."
    ).format(op=op)


def needs_track_or_audio(op: str) -> str:
    return _(
        "/{op} needs a track or an audio file: give a track id, attach audio, or reply to one."
    ).format(op=op)


def needs_tracks(op: str, need: str) -> str:
    """The wrong number of tracks for an operation that works on tracks."""
    match need:
        case "two_tracks":
            return _("/{op} needs two tracks; /history lists yours.").format(op=op)
        case "track_or_audio":
            return _("/{op} needs a track or an audio file; /history lists yours.").format(op=op)
    return _("/{op} needs a track; /history lists yours.").format(op=op)


def not_a_track_id(op: str, need: str, word: str) -> str:
    """``word`` stands where an operation that works on tracks wants a track id."""
    if need == "two_tracks":
        template = _(
            "/{op} needs two tracks: {word} is not a track id "
            "(they look like 1a2b3c; /history lists yours)."
        )
    elif need == "track_or_audio":
        template = _(
            "/{op} needs a track or an audio file: {word} is not a track id "
            "(they look like 1a2b3c; /history lists yours)."
        )
    else:
        template = _(
            "/{op} needs a track: {word} is not a track id "
            "(they look like 1a2b3c; /history lists yours)."
        )
    return template.format(op=op, word=repr(word))


def file_of(fmt: str, title: str | None) -> str:
    """A track's file in another format (``fmt`` as the catalog spells it: mp3, m4a or wav)."""
    match fmt:
        case "mp3":
            return _("MP3 of {title}").format(title=title)
        case "m4a":
            return _("M4A of {title}").format(title=title)
    return _("WAV of {title}").format(title=title)


# --- text without numbers, read as messages.NAME and translated when read ------------------------

_TEXTS: dict[str, str] = {
    # members' audio
    "AUDIO_EMPTY": N_("That file is empty."),
    "AUDIO_NOT_AUDIO": N_("That file is not audio Chorus can use (MP3, WAV, OGG, M4A or FLAC)."),
    "AUDIO_CUT_SHORT": N_("That audio file is cut short; please send the whole file."),
    "AUDIO_DAMAGED": N_("That audio file is damaged and cannot be played."),
    "AUDIO_TOO_SHORT": N_("That audio is too short: send at least a second of sound."),
    "AUDIO_DOWNLOAD_FAILED": N_("Chorus could not download that file; please send it again."),
    "AUDIO_EXPIRED": N_("Your audio file expired before its turn came; please send it again."),
    "AUDIO_UPLOAD_FAILED": N_(
        "Chorus could not pass your audio to the music service; nothing was charged. "
        "Please try again."
    ),
    "AUDIO_NEEDS_PUBLIC_URL": N_(
        "Chorus cannot send your audio to the music service: the operator has not set "
        "PUBLIC_BASE_URL, which the service needs to fetch it."
    ),
    # commands
    "PRODUCER_FORMATS": N_(
        "Tracks made with /producer (or kept with /upload) download as mp3 or wav, not m4a."
    ),
    "FULLSONG_NEEDS_EXTENSION": N_(
        "/fullsong joins an extension to its original: pick a track made by /extend."
    ),
    # account commands and /help
    "HELP_CREDITS": N_("your credits"),
    "HELP_CREDITS_ALIASED": N_("your credits (also /credits)"),
    "HELP_HISTORY": N_("your recent tracks"),
    "HELP_HISTORY_KEPT": N_(
        "your recent tracks and any result kept for you (also /history; page=1 for older)"
    ),
    "HELP_LIST": N_("this list"),
    "HELP_AS": N_("/as <member> <command>: run one command as another member, never a moderator"),
    "HELP_MOD": N_("moderators: grant, revoke, limits, ban, unban, show, audit, settings"),
    "HELP_MOD_CREDITS": N_(
        "moderators: grant, revoke, limits, ban, unban, show, audit, settings, credits"
    ),
    "HELP_LANGUAGE": N_("the language Chorus speaks to you"),
    # Telegram's command menu (set with setMyCommands) starts each description with a capital.
    "MENU_CREDITS": N_("Your credits"),
    "MENU_HISTORY": N_("Your recent tracks"),
    "MENU_HELP": N_("What Chorus can do"),
    "MENU_MOD": N_("Moderators: grant, revoke, limits, ban, unban, show, audit, settings"),
    "MENU_LANGUAGE": N_("The language Chorus speaks to you"),
    # composing step by step (Telegram)
    "COMPOSE_TITLE_PLACEHOLDER": N_("a title"),
    "COMPOSE_ASK_TAGS": N_("Style tags, e.g. “dream pop, female vocals”? (/skip for none)"),
    "COMPOSE_TAGS_PLACEHOLDER": N_("dream pop, female vocals"),
    "COMPOSE_ASK_LYRICS": N_("Now the lyrics ([Verse], [Chorus] tags welcome):"),
    "COMPOSE_ASK_LYRICS_OR_KEEP": N_(
        "Now the lyrics: /skip to sing the ones you chose, or send new ones."
    ),
    "COMPOSE_NO_LYRICS_TO_KEEP": N_("There are no lyrics to keep: send the lyrics, please."),
    "COMPOSE_CANCELLED": N_("Cancelled; nothing was charged."),
    "COMPOSE_TIMED_OUT": N_("The song you were composing timed out; nothing was charged."),
    # moderators' commands in text
    "MOD_USAGE_TELEGRAM": N_(
        "Usage: /mod grant|revoke|limits|ban|unban|show|audit|credits (reply to a member)."
    ),
    "MOD_USAGE_CONSOLE": N_(
        "Usage: /mod grant|revoke|limits|ban|unban|show|audit|settings|credits ..."
    ),
    # the console
    "COMMANDS_START_WITH_SLASH": N_(
        "Commands start with a slash, e.g. /song a lo-fi beat about rain. Try /help."
    ),
    "AS_USAGE": N_(
        "Usage: /as <member> /<command> ..., e.g. /as bob /song a lo-fi beat "
        "(member names are letters, digits, '.', '_' or '-', at most 32)."
    ),
    "CONSOLE_BANNER": N_(
        "Chorus console. Try:\n"
        "  /song a lo-fi beat about rain\n"
        "  /cover <track id> as a jazz ballad      /cover ./my.mp3 as a rock anthem\n"
        "  /stems <track id>    /balance    /history    /help    /quit\n"
        "  /extend last          (last = the previous command's track; last.2, last.lyrics)\n"
        "  /as bob /song ...     (run a command as another member, not a moderator)"
    ),
    "RESULTS_HEADER": N_("track   title                                    length  file"),
    # results
    "VOICE_DEFAULT_NAME": N_("my voice"),
    "UNTITLED": N_("Untitled"),
    "RICHER_TAGS": N_("Richer style tags"),
    # How a result shows on a platform: its parts' names, and a link for audio too big to attach.
    "RESULT_AUDIO": N_("Audio"),
    "RESULT_TEXT": N_("Result"),
    "RESULT_LYRICS": N_("Lyrics"),
    "LISTEN": N_("Listen"),
    # Discord: a right-click on a message carrying audio: the names of the menu's entries.
    "MENU_COVER": N_("Cover with Chorus"),
    "MENU_EXTEND": N_("Extend with Chorus"),
    "MENU_VOCALS": N_("Add vocals"),
    "MENU_INSTRUMENTAL": N_("Add instrumental"),
    "MENU_SAMPLE": N_("Use as sample"),
    # Discord's commands and options (what its command picker shows)
    "DESCRIBE_CREDITS": N_("Your credits here"),
    "DESCRIBE_MYSONGS": N_("Your recent tracks, newest first"),
    "DESCRIBE_PAGE": N_("Which page of ten"),
    "DESCRIBE_HELP": N_("What Chorus can do, and what it costs here"),
    "DESCRIBE_LANGUAGE": N_("The language Chorus speaks to you"),
    "DESCRIBE_LANGUAGE_CODE": N_("A language, or auto to follow the server"),
    "HELP_FOOTER": N_("Right-click a message with audio → Apps for more."),
    "DESCRIBE_TRACK": N_("One of your tracks (start typing its title or ID)"),
    "DESCRIBE_OTHER": N_("The second track"),
    "DESCRIBE_AUDIO": N_("Your audio file (MP3, WAV, OGG, M4A or FLAC)"),
    "DESCRIBE_LYRICS_OR_FORM": N_("The words to sing (leave out to write them in a form)"),
    "DESCRIBE_MOD": N_("Moderators: credits, limits, bans and settings"),
    "DESCRIBE_MOD_GRANT": N_("Give a member credits"),
    "DESCRIBE_MOD_REVOKE": N_("Take back credits a member has not spent"),
    "DESCRIBE_MOD_LIMITS": N_("Set a member's own limits (leave out what stays)"),
    "DESCRIBE_MOD_BAN": N_("Stop a member from using Chorus here"),
    "DESCRIBE_MOD_UNBAN": N_("Let a banned member use Chorus again"),
    "DESCRIBE_MOD_SHOW": N_("A member's credits, limits and spending today"),
    "DESCRIBE_MOD_AUDIT": N_("Who changed what, newest first"),
    "DESCRIBE_MOD_SETTINGS": N_("Server-wide settings (leave everything out to see them)"),
    "DESCRIBE_MOD_CREDITS": N_("Credits left on the music-service account"),
    "DESCRIBE_MOD_PANEL": N_(
        "A private link to the moderators' web panel (valid 10 minutes, once)"
    ),
    "DESCRIBE_MEMBER": N_("Who"),
    "DESCRIBE_AMOUNT": N_("How many credits"),
    "DESCRIBE_REASON": N_("Why (audited)"),
    "DESCRIBE_AUDIT_MEMBER": N_("Only changes to this member"),
    "DESCRIBE_MEMBER_ALLOWANCE": N_(
        "Credits a day, spent before their own; unspent ones lapse at midnight UTC"
    ),
    "DESCRIBE_MEMBER_SPEND_CAP": N_("Most credits spent in a day"),
    "DESCRIBE_MEMBER_CONCURRENT": N_("Jobs at once"),
    "DESCRIBE_MEMBER_COOLDOWN": N_("Seconds between commands"),
    "DESCRIBE_STARTING_CREDITS": N_("Credits a new member starts with"),
    "DESCRIBE_ALLOWANCE": N_("Credits a day for each member, spent before their own; resets daily"),
    "DESCRIBE_CONCURRENT": N_("Jobs at once per member"),
    "DESCRIBE_COOLDOWN": N_("Seconds between a member's commands"),
    "DESCRIBE_PRICE_MULTIPLIER": N_("Multiply every price by this"),
    "DESCRIBE_POOL_BUDGET": N_("Most credits the whole server spends in a day"),
    "DESCRIBE_DISABLED": N_('Commands to switch off, comma-separated ("none" to clear)'),
    "DESCRIBE_MODERATOR_ROLE": N_("A role whose members moderate Chorus (besides Manage Server)"),
    "DESCRIBE_COMMUNITY_LANGUAGE": N_("The language Chorus speaks here unless a member picks one"),
    # Discord's permissions, by the names its settings show them under.
    "PERMISSION_VIEW_CHANNEL": N_("View Channel"),
    "PERMISSION_SEND_MESSAGES": N_("Send Messages"),
    "PERMISSION_SEND_IN_THREADS": N_("Send Messages in Threads"),
    "PERMISSION_ATTACH_FILES": N_("Attach Files"),
    "PERMISSION_EMBED_LINKS": N_("Embed Links"),
    # Forms (Discord's modals): their titles, and each field's label and example.
    "FORM_COMPOSE": N_("Compose a song"),
    "FORM_VOCALS": N_("Lyrics for the new vocals"),
    "FORM_REPLACE": N_("New lyrics for the section"),
    "FORM_SAMPLE": N_("Describe the song to make"),
    "FIELD_LYRICS": N_("Lyrics"),
    "FIELD_LYRICS_EXAMPLE": N_("[Verse]\nYour words here…\n[Chorus]\n…"),
    "FIELD_TAGS": N_("Style tags"),
    "FIELD_TAGS_EXAMPLE": N_("dream pop"),
    "FIELD_TITLE": N_("Title"),
    "FIELD_PROMPT": N_("What should the song be?"),
    "FIELD_PROMPT_EXAMPLE": N_("a lo-fi beat about rain"),
    # --- the catalog: each operation's summary, button and parameters, read by bot.catalog
    # at import (so kept there in English, the key) and translated where they are shown
    # What each operation does, for /help, Discord's command picker and Telegram's command menu.
    "SUMMARY_SONG": N_("Make a song from a description"),
    "SUMMARY_COMPOSE": N_("Make a song from your own lyrics"),
    "SUMMARY_LYRICS": N_("Write two sets of lyrics from a description"),
    "SUMMARY_EXTEND": N_("Continue a track or your audio"),
    "SUMMARY_COVER": N_("Make a cover of a track or of your audio"),
    "SUMMARY_FULLSONG": N_("Join an extension to its original: the full song"),
    "SUMMARY_REMASTER": N_("Remaster a track (subtle, normal or high)"),
    "SUMMARY_VOCALS": N_("Sing your lyrics over your instrumental"),
    "SUMMARY_INSTRUMENTAL": N_("Add a backing band to your vocals"),
    "SUMMARY_REPLACE": N_("Rewrite a section of a track with new lyrics"),
    "SUMMARY_SAMPLE": N_("Make a song from a sample or your humming"),
    "SUMMARY_MASHUP": N_("Blend two tracks into a new song"),
    "SUMMARY_STEMS": N_("Split a track into vocals and instrumental"),
    "SUMMARY_STEMSFULL": N_("Split a track into every instrument"),
    "SUMMARY_WAV": N_("Get a track as a lossless WAV file"),
    "SUMMARY_DOWNLOAD": N_("Download a track as mp3, m4a or wav"),
    "SUMMARY_VIDEO": N_("Make a music video (MP4) of a track"),
    "SUMMARY_UPLOAD": N_("Keep your audio as a track (for a video or a download)"),
    "SUMMARY_MIDI": N_("Get a track's notes as a MIDI file"),
    "SUMMARY_BPM": N_("Measure a track's tempo"),
    "SUMMARY_VOX": N_("Isolate a track's vocals (up to 30 s)"),
    "SUMMARY_TIMELINE": N_("Get a track's lyrics timed as an .lrc file"),
    "SUMMARY_TAGS": N_("Expand style tags into a richer description"),
    "SUMMARY_VOICE": N_("Make a singing voice from your audio (over 10 s)"),
    "SUMMARY_PERSONA": N_("Make a song sung in one of your voices"),
    "SUMMARY_PRODUCER": N_("Make a song with the Producer model"),
    # The button that offers each operation on a result.
    "BUTTON_SONG": N_("Song"),
    "BUTTON_COMPOSE": N_("Use these lyrics"),
    "BUTTON_LYRICS": N_("Lyrics"),
    "BUTTON_EXTEND": N_("Extend"),
    "BUTTON_COVER": N_("Cover"),
    "BUTTON_FULLSONG": N_("Full song"),
    "BUTTON_REMASTER": N_("Remaster"),
    "BUTTON_VOCALS": N_("Vocals"),
    "BUTTON_INSTRUMENTAL": N_("Instrumental"),
    "BUTTON_REPLACE": N_("Replace"),
    "BUTTON_SAMPLE": N_("Sample"),
    "BUTTON_MASHUP": N_("Mashup"),
    "BUTTON_STEMS": N_("Stems"),
    "BUTTON_STEMSFULL": N_("Stemsfull"),
    "BUTTON_WAV": N_("WAV"),
    "BUTTON_DOWNLOAD": N_("Download"),
    "BUTTON_VIDEO": N_("Video"),
    "BUTTON_UPLOAD": N_("Upload"),
    "BUTTON_MIDI": N_("MIDI"),
    "BUTTON_BPM": N_("BPM"),
    "BUTTON_VOX": N_("Vox"),
    "BUTTON_TIMELINE": N_("Lyrics file"),
    "BUTTON_TAGS": N_("Tags"),
    "BUTTON_VOICE": N_("Voice"),
    "BUTTON_PERSONA": N_("Persona"),
    "BUTTON_PRODUCER": N_("Producer"),
    # What each parameter means, in a line: slash-command options and /help read it.
    "PARAM_PROMPT": N_("What the music should be, in your words"),
    "PARAM_LYRICS": N_("The words to sing; [Verse] and [Chorus] tags welcome"),
    "PARAM_TAGS": N_("Style tags, e.g. dream pop, female vocals"),
    "PARAM_TITLE": N_("The song's title"),
    "PARAM_MODEL": N_("The music model (default: the server's)"),
    "PARAM_DURATION": N_("Length in seconds"),
    "PARAM_VOCAL_GENDER": N_("Who sings: f or m"),
    "PARAM_START": N_("From this second"),
    "PARAM_END": N_("To this second"),
    "PARAM_INSTRUMENTAL": N_("No vocals"),
    "PARAM_NEGATIVE_TAGS": N_("Styles to stay away from"),
    "PARAM_STYLE_WEIGHT": N_("How closely to follow the style tags, 0 to 1"),
    "PARAM_WEIRDNESS": N_("How adventurous, 0 to 1"),
    "PARAM_DESCRIPTION": N_("What the lyrics should be about"),
    "PARAM_WRITER": N_("Who writes: sonic (two sets) or producer (one)"),
    "PARAM_FORMAT": N_("mp3, m4a or wav"),
    "PARAM_AT": N_("Continue from this second (default: the end)"),
    "PARAM_STRENGTH": N_("How much to change"),
    "PARAM_VOICE": N_("One of your voices, by name"),
    # A file named after a track that has no title: one word, as a file name.
    "TRACK_FILE_NAME": N_("track"),
    "WAV_STILL_PREPARING": N_(
        "The WAV file is still being prepared; please try again in a minute."
    ),
    "FILE_STILL_PREPARING": N_("The file is still being prepared; please try again in a minute."),
}


def __getattr__(name: str) -> str:
    """``messages.NAME`` for the text in :data:`_TEXTS`, in the current language."""
    try:
        return _(_TEXTS[name])
    except KeyError:
        raise AttributeError(name) from None


def translated(source: str) -> str:
    """Text of :data:`_TEXTS` that was read as its English source, in the current language:
    :mod:`bot.catalog` reads its summaries and buttons at import, before any language is
    chosen, and keeps them as keys."""
    return _(source)


def source_text(name: str) -> str:
    """``messages.NAME`` in the source language, as a key for a translator that localizes it
    later (Discord's command picker)."""
    return _TEXTS[name]


# Every name Discord's command picker shows (commands, subcommands, options and choices), for
# translators (context "command name"); its translator localizes them from here. Each must be,
# in every language, lower case, 1 to 32 letters, digits, "-" or "_", and differ from the other
# names of the same command.
COMMAND_NAMES = (
    C_("command name", "amount"),
    C_("command name", "at"),
    C_("command name", "audio"),
    C_("command name", "audit"),
    C_("command name", "ban"),
    C_("command name", "bpm"),
    C_("command name", "code"),
    C_("command name", "compose"),
    C_("command name", "cooldown_seconds"),
    C_("command name", "cover"),
    C_("command name", "credits"),
    C_("command name", "daily_allowance"),
    C_("command name", "daily_spend_cap"),
    C_("command name", "description"),
    C_("command name", "disabled"),
    C_("command name", "download"),
    C_("command name", "duration"),
    C_("command name", "end"),
    C_("command name", "extend"),
    C_("command name", "f"),
    C_("command name", "format"),
    C_("command name", "fullsong"),
    C_("command name", "grant"),
    C_("command name", "help"),
    C_("command name", "high"),
    C_("command name", "instrumental"),
    C_("command name", "language"),
    C_("command name", "limits"),
    C_("command name", "lyrics"),
    C_("command name", "m"),
    C_("command name", "m4a"),
    C_("command name", "mashup"),
    C_("command name", "max_concurrent"),
    C_("command name", "member"),
    C_("command name", "midi"),
    C_("command name", "mod"),
    C_("command name", "model"),
    C_("command name", "moderator_role"),
    C_("command name", "mp3"),
    C_("command name", "mysongs"),
    C_("command name", "negative_tags"),
    C_("command name", "normal"),
    C_("command name", "other"),
    C_("command name", "panel"),
    C_("command name", "page"),
    C_("command name", "persona"),
    C_("command name", "pool_daily_budget"),
    C_("command name", "price_multiplier"),
    C_("command name", "producer"),
    C_("command name", "prompt"),
    C_("command name", "reason"),
    C_("command name", "remaster"),
    C_("command name", "replace"),
    C_("command name", "revoke"),
    C_("command name", "sample"),
    C_("command name", "settings"),
    C_("command name", "show"),
    C_("command name", "song"),
    C_("command name", "sonic"),
    C_("command name", "start"),
    C_("command name", "starting_credits"),
    C_("command name", "stems"),
    C_("command name", "stemsfull"),
    C_("command name", "strength"),
    C_("command name", "style_weight"),
    C_("command name", "subtle"),
    C_("command name", "tags"),
    C_("command name", "timeline"),
    C_("command name", "title"),
    C_("command name", "track"),
    C_("command name", "unban"),
    C_("command name", "upload"),
    C_("command name", "video"),
    C_("command name", "vocal_gender"),
    C_("command name", "vocals"),
    C_("command name", "voice"),
    C_("command name", "vox"),
    C_("command name", "wav"),
    C_("command name", "weirdness"),
    C_("command name", "writer"),
)


# --- the moderators' web panel (``/mod panel``) ----------------------------------------------


def panel_link(url: str, minutes: int) -> str:
    """The one-time sign-in link, shown only to the moderator who asked for it."""
    return ngettext(
        "Your link to the moderators' panel (works once, for {n} minute; do not share it): {url}",
        "Your link to the moderators' panel (works once, for {n} minutes; do not share it): {url}",
        minutes,
    ).format(n=number(minutes), url=url)


def panel_link_sent_privately() -> str:
    return _("I sent you the link to the moderators' panel in a private message.")


def panel_needs_private_chat() -> str:
    return _(
        "I cannot message you privately yet: open a private chat with me, press Start, "
        "then ask for /mod panel again."
    )


def unknown_job(job_id: str) -> str:
    return _("There is no job {job} in this community.").format(job=echo(job_id))


def nothing_to_repost(job_id: str) -> str:
    return _("Job {job} has no undelivered result to post again.").format(job=echo(job_id))


def whole_number_needed(name: str) -> str:
    """A panel form's field that must be a whole number (credits, limits) but was not."""
    return _("{name} must be a whole number.").format(name=echo(name))


def number_needed(name: str) -> str:
    return _("{name} must be a number, such as 1.5.").format(name=echo(name))
