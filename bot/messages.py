"""Every sentence a member or moderator reads, in one place (ready for translation).

Functions, not constants, because most sentences carry numbers; each is plain, specific and
says what to do next.
"""

from __future__ import annotations

import math
import shlex
from datetime import UTC, datetime


def credits(n: int) -> str:
    return f"{n} credit" if n == 1 else f"{n} credits"


def duration(seconds: float) -> str:
    seconds = max(1, math.ceil(seconds))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{math.ceil(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def songs_left(available: int, song_price: int) -> int:
    return available // song_price if song_price > 0 else 0


def _worth(available: int, song_price: int) -> str:
    songs = songs_left(available, song_price)
    if songs == 1:
        return f"{credits(available)}: enough for 1 song."
    return f"{credits(available)}: enough for {songs} songs."


def _balance_notes(held: int, allowance: int) -> str:
    """What a balance includes: today's allowance, then what is reserved, each a sentence."""
    return _allowance_note(allowance) + _held_note(held)


def _allowance_note(allowance: int) -> str:
    if not allowance:
        return ""
    if allowance == 1:
        return " 1 credit of that is today's allowance, spent first; it resets at midnight UTC."
    return (
        f" {allowance} credits of that are today's allowance, spent first; it resets at "
        "midnight UTC."
    )


def _held_note(held: int) -> str:
    if not held:
        return ""
    if held == 1:
        return " (1 credit is reserved for jobs in progress.)"
    return f" ({held} credits are reserved for jobs in progress.)"


def balance(available: int, held: int, song_price: int, allowance: int = 0) -> str:
    """A member's own balance: ``available`` includes what is left of today's ``allowance``."""
    return f"You have {_worth(available, song_price)}{_balance_notes(held, allowance)}"


def member_balance(who: str, available: int, held: int, song_price: int, allowance: int = 0) -> str:
    """Another member's balance, for a moderator; ``who`` is how the platform names them."""
    return f"{who} has {_worth(available, song_price)}{_balance_notes(held, allowance)}"


def insufficient(available: int, needed: int) -> str:
    return (
        f"This costs {credits(needed)} but you have {credits(available)}. "
        "Ask a moderator for more, or wait for your daily allowance."
    )


def banned(reason: str | None) -> str:
    if reason:
        return f"You can't use Chorus here: {reason}."
    return "You can't use Chorus here."


def cooling_down(wait: float, op: str | None = None) -> str:
    if op:
        return f"Slow down a little: you can run /{op} in {duration(wait)}."
    return f"Slow down a little: you can run another command in {duration(wait)}."


def too_many_jobs(limit: int, op: str | None = None) -> str:
    if op and limit == 1:
        return f"You already have 1 job in progress; wait for one to finish before running /{op}."
    if op:
        return (
            f"You already have {limit} jobs in progress; wait for one to finish before running "
            f"/{op}."
        )
    if limit == 1:
        return "You already have 1 job in progress; wait for one to finish."
    return f"You already have {limit} jobs in progress; wait for one to finish."


def daily_cap(cap: int, left: int, needed: int) -> str:
    return (
        f"That would pass your daily limit of {credits(cap)} ({credits(left)} left today, "
        f"this costs {credits(needed)}). It resets at midnight UTC."
    )


def pool_exhausted(budget: int) -> str:
    return (
        f"This community has used its daily budget of {credits(budget)}. It resets at midnight UTC."
    )


def operation_disabled(op: str) -> str:
    return f"The moderators have turned off /{op} here."


def request_conflict() -> str:
    return "That request was already used for something else; please run the command again."


def not_moderator() -> str:
    return "Only moderators can do that (Manage Server, a moderator role, or chat admin)."


def revoke_too_much(who: str, available: int, asked: int) -> str:
    return (
        f"{who} has only {credits(available)} of their own available; you cannot take "
        f"{credits(asked)}. (Today's allowance is not theirs to keep, so it cannot be taken.)"
    )


# --- what moderators read ------------------------------------------------------------------------


def moment(ts: float) -> str:
    """A journal or audit time, in UTC like the allowance's day."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def moderated(sentence: str) -> str:
    """A moderator's change went through; ``sentence`` says where it leaves the member."""
    return f"Done. {sentence}"


def spent_today(amount: int) -> str:
    return f"Spent today: {credits(amount)}."


def member_limits(
    daily_allowance: int, daily_spend_cap: int | None, max_concurrent: int, cooldown: int
) -> str:
    cap = "none" if daily_spend_cap is None else credits(daily_spend_cap)
    wait = "none" if not cooldown else duration(cooldown)
    if max_concurrent == 1:
        return (
            f"Limits: daily allowance {credits(daily_allowance)}; daily spend cap {cap}; "
            f"1 job at once; cooldown {wait}."
        )
    return (
        f"Limits: daily allowance {credits(daily_allowance)}; daily spend cap {cap}; "
        f"{max_concurrent} jobs at once; cooldown {wait}."
    )


def limits_updated(who: str, limits: str) -> str:
    return f"{who}'s limits are updated. {limits}"


def ban_state(banned: bool, reason: str | None) -> str:
    if not banned:
        return "Not banned."
    return f"Banned: {echo(reason, 200)}." if reason else "Banned."


def banned_member(who: str) -> str:
    return f"{who} is banned: their running jobs finish, new ones are refused."


def unbanned_member(who: str) -> str:
    return f"{who} is no longer banned."


def journal_entry(
    when: float, kind: str, amount: int, job: str | None, by: str | None, reason: str
) -> str:
    """One line of a member's journal; ``by`` names the moderator behind a grant or adjustment.
    Each kind, with or without its moderator (or job) and reason, is its own whole line in
    :data:`JOURNAL_LINES`."""
    if kind == "adjust":
        kind = "taken_back" if amount < 0 else "added"
    elif kind not in JOURNAL_LINES_KINDS:
        kind = "release"
    who = by if kind in ("grant", "taken_back", "added") else job
    why = echo(reason, 200) if reason and kind != "capture" else ""
    line = JOURNAL_LINES[(kind, bool(who), bool(why))]
    n = credits(-amount if kind == "taken_back" else amount)
    return f"{moment(when)}  {line.format(n=n, by=who, job=who, why=why)}"


# A journal line by (kind, with its moderator or job, with a reason): {n} credits, {by} the
# moderator, {job} the job, {why} the reason. A capture's reason is never shown.
JOURNAL_LINES = {
    ("grant", True, True): "+{n} granted by {by} ({why})",
    ("grant", True, False): "+{n} granted by {by}",
    ("grant", False, True): "+{n} granted ({why})",
    ("grant", False, False): "+{n} granted",
    ("taken_back", True, True): "{n} taken back by {by} ({why})",
    ("taken_back", True, False): "{n} taken back by {by}",
    ("taken_back", False, True): "{n} taken back ({why})",
    ("taken_back", False, False): "{n} taken back",
    ("added", True, True): "+{n} added by {by} ({why})",
    ("added", True, False): "+{n} added by {by}",
    ("added", False, True): "+{n} added ({why})",
    ("added", False, False): "+{n} added",
    ("hold", True, True): "{n} reserved for job {job} ({why})",
    ("hold", True, False): "{n} reserved for job {job}",
    ("hold", False, True): "{n} reserved for a job ({why})",
    ("hold", False, False): "{n} reserved for a job",
    ("capture", True, False): "{n} spent on job {job}",
    ("capture", False, False): "{n} spent on a job",
    ("release", True, True): "{n} returned from job {job} ({why})",
    ("release", True, False): "{n} returned from job {job}",
    ("release", False, True): "{n} returned from a job ({why})",
    ("release", False, False): "{n} returned from a job",
}
JOURNAL_LINES_KINDS = frozenset(kind for kind, _, _ in JOURNAL_LINES)


def recent_entries(lines: list[str]) -> str:
    return "Recent entries:\n" + "\n".join(lines) if lines else "No entries yet."


def audit_entry(
    entry: int, when: float, actor: str, action: str, target: str | None, details: str, why: str
) -> str:
    on = f" {target}" if target else ""
    changed = f" ({details})" if details else ""
    return f"#{entry} {moment(when)} {actor} {action}{on}{changed}: {echo(why, 200)}"


def audit_empty() -> str:
    return "Nothing yet."


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
    cap = "none" if daily_spend_cap is None else credits(daily_spend_cap)
    pool = "none" if pool_daily_budget is None else credits(pool_daily_budget)
    return "\n".join(
        (
            f"New members start with {credits(starting_credits)}.",
            f"Daily allowance: {credits(daily_allowance)} (spent first, resets at midnight UTC).",
            f"Daily spend cap per member: {cap}.",
            f"Jobs at once per member: {max_concurrent}.",
            f"Cooldown: {'none' if not cooldown else duration(cooldown)}.",
            f"Prices: ×{price_multiplier:g}.",
            f"Daily budget for the whole community: {pool}.",
            f"Turned off: {', '.join(f'/{op}' for op in disabled) or 'nothing'}.",
            f"Moderator roles: {', '.join(moderator_roles) or 'none'}.",
        )
    )


def unknown_operations(names: list[str]) -> str:
    listed = ", ".join(f"/{echo(name)}" for name in names)
    return f"There is no {listed} command to turn off; /help lists them."


# --- job progress ---------------------------------------------------------------------------


def bar(fraction: float, width: int = 10) -> str:
    filled = max(0, min(width, round(fraction * width)))
    return "█" * filled + "░" * (width - filled)


def queued(job_id: str, op: str, position: int) -> str:
    return f"⏳ /{op} {job_id}: queued, position {position}."


def generating(job_id: str, op: str, fraction: float, left: float | None = None) -> str:
    """The progress bar; ``left`` is the estimated vendor seconds still to go, if known."""
    shown, percent = bar(fraction), round(fraction * 100)
    if left is None:
        return f"🎵 /{op} {job_id}: generating {shown} {percent}%"
    if left < 5:
        return f"🎵 /{op} {job_id}: generating {shown} {percent}%, almost done"
    wait = duration(5 * round(left / 5))
    return f"🎵 /{op} {job_id}: generating {shown} {percent}%, about {wait} left"


def preview(job_id: str, op: str, url: str) -> str:
    return f"🎧 /{op} {job_id}: a preview is playing at {url} (the final audio is on its way)."


def retrying(job_id: str, op: str, wait: float) -> str:
    return f"⏳ /{op} {job_id}: the music service is busy; trying again in {duration(wait)}."


def unconfirmed(job_id: str, op: str, window: float) -> str:
    return (
        f"⏳ /{op} {job_id}: the music service's answer was lost. If it is making this, the "
        f"result will come here; your credits stay reserved for up to {duration(window)}, then "
        "they are returned."
    )


def done(job_id: str, op: str, results: int, expected: int = 0, returned: int = 0) -> str:
    """The finished job; when fewer results came than asked for, or part of the hold was not
    spent, say what was returned."""
    if results == 1:
        line = f"✅ /{op} {job_id}: done, 1 result below."
    else:
        line = f"✅ /{op} {job_id}: done, {results} results below."
    if results < expected:
        failed = expected - results
        line += f" {failed} of {expected} versions failed; {credits(returned)} returned."
    elif returned:
        line += f" The music service already had your audio: {credits(returned)} returned."
    return line


def failed(job_id: str, op: str, reason: str, refunded: int) -> str:
    """The one notice of a failure: why, in Chorus's words, and what was returned."""
    if refunded == 1:
        return f"❌ /{op} {job_id}: {reason} Your 1 credit was returned."
    if refunded:
        return f"❌ /{op} {job_id}: {reason} Your {refunded} credits were returned."
    return f"❌ /{op} {job_id}: {reason}"


def failed_status(job_id: str, op: str) -> str:
    """The job's status message on failure; the notice below it says why (said once)."""
    return f"❌ /{op} {job_id}: failed; the reason is below."


def kept_for_you(job_id: str, op: str) -> str:
    return (
        f"📦 /{op} {job_id}: Chorus could not post the result here, so it is kept for you: "
        "/mysongs lists it with its files."
    )


def undelivered(items: list[tuple[str, str, list[str]]]) -> str:
    """/mysongs' list of results that could not be posted: (job, title, files or links)."""
    lines = ["Kept for you (Chorus could not post these where you asked):"]
    for job_id, title, files in items:
        lines.append(f"• {title} (job {job_id}): {', '.join(files) or 'no files'}")
    return "\n".join(lines)


def vendor_out_of_credits() -> str:
    return (
        "⚠️ Moderators: the music service account behind Chorus is out of credits, so songs fail "
        "until it is topped up. Members' credits are returned automatically."
    )


# Why a job failed, by error kind. The vendor's own sentences are never shown: they are written
# for developers ("The 'continue_clip_id' is invalid") and speak of the vendor's credits, not the
# member's. Only "media" carries a detail, and that detail is one of Chorus's sentences below.
REASONS = {
    "content": "the music service's content rules refused this request; please rephrase it.",
    "validation": "the music service did not accept this request; try other options.",
    "upstream_credits": (
        "the community's music-service account is out of credits; the moderators have been told."
    ),
    "answer_lost": (
        "Chorus lost the music service's answer to this request and has no way to find out "
        "whether it is being made, so no result will come."
    ),
    "unconfirmed": ("the music service never confirmed this request, so no result will come."),
    "unavailable": "the music service is unavailable right now; please try again later.",
    "rate_limited": "the music service is too busy right now; please try again later.",
    "auth": (
        "Chorus is not set up correctly (the music service refused its key); "
        "an operator must fix it."
    ),
    "source_expired": "the music service no longer has that track's audio; make a new one.",
    "not_found": "the music service could not find what this needs; please try again.",
    "task_not_found": "the music service lost track of this song.",
    "retired": "that feature was retired by the music service.",
    "task_failed": "the music service could not make this; please try again.",
    "timeout": "this took far longer than it should, so it was cancelled.",
    "restart": "Chorus restarted before the music service confirmed this request.",
    "media": "{detail}",
    "expired": "this waited too long in the queue and was cancelled.",
}

# Vendor refusals Chorus recognises: (kind, words all in the vendor's text, what members read).
RECOGNISED = (
    (
        "content",
        ("artist",),
        "the music service does not allow artists' names; describe the style instead.",
    ),
    (
        "content",
        ("copyright",),
        "the music service found copyrighted lyrics; please use your own words.",
    ),
    (
        "validation",
        ("clip", "is invalid"),
        "the music service no longer knows that track; make a new one.",
    ),
)


def reason(kind: str, detail: str = "") -> str:
    """Why a job failed, as one sentence ending in a full stop. ``detail`` is the vendor's text
    for vendor errors (only matched against :data:`RECOGNISED`, never shown) or, for "media",
    Chorus's own sentence about the member's audio."""
    lowered = detail.lower()
    for known_kind, words, sentence in RECOGNISED:
        if kind == known_kind and all(word in lowered for word in words):
            return sentence
    text = REASONS.get(kind, REASONS["unavailable"]).format(detail=detail.strip())
    return text if text.endswith((".", "!", "?")) else f"{text}."


# --- members' audio ------------------------------------------------------------------------------


def megabytes(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


AUDIO_EMPTY = "That file is empty."
AUDIO_NOT_AUDIO = "That file is not audio Chorus can use (MP3, WAV, OGG, M4A or FLAC)."
AUDIO_CUT_SHORT = "That audio file is cut short; please send the whole file."
AUDIO_DAMAGED = "That audio file is damaged and cannot be played."
AUDIO_TOO_SHORT = "That audio is too short: send at least a second of sound."
AUDIO_DOWNLOAD_FAILED = "Chorus could not download that file; please send it again."
AUDIO_EXPIRED = "Your audio file expired before its turn came; please send it again."
AUDIO_UPLOAD_FAILED = (
    "Chorus could not pass your audio to the music service; nothing was charged. Please try again."
)
AUDIO_NEEDS_PUBLIC_URL = (
    "Chorus cannot send your audio to the music service: the operator has not set "
    "PUBLIC_BASE_URL, which the service needs to fetch it."
)


def audio_too_long(minutes: float) -> str:
    return f"That audio is {minutes:.0f} minutes long; the music service takes at most 8 minutes."


def audio_too_big(size: int | None, limit: int) -> str:
    if size is None:
        return f"That file is over {megabytes(limit)}, the most Chorus accepts."
    return f"That file is {megabytes(size)}; Chorus accepts audio up to {megabytes(limit)}."


def audio_too_short_for(op: str, minimum: float, seconds: float) -> str:
    return (
        f"/{op} needs more than {minimum:g} s of audio; yours is {seconds:.1f} s. "
        "Send a longer recording."
    )


def audio_missing(where: str) -> str:
    return f"There is no file at {echo(where, 200)}."


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
            return f"Please write {name} with some text: it was empty."
        case "control":
            return (
                f"Please write {name} as plain text: control characters such as "
                f"U+{codepoint:04X} are not accepted."
            )
    return f"Please write {name} with visible characters: only invisible ones were sent."


def unknown_command(op: str) -> str:
    return f"There is no /{echo(op)} command. /help lists them all."


def sing_with(voice: str) -> str:
    """The next step after /voice: the voice by its name, quoted if it has spaces."""
    return f"Sing with it: /persona voice={shlex.quote(voice)} <lyrics or description>"


def takes_no_track(op: str) -> str:
    return f"/{op} does not take a track."


def unknown_track(track_id: str) -> str:
    return f"There is no track {echo(track_id)} here; /history lists yours."


def track_without_audio(track_id: str) -> str:
    return f"Track {echo(track_id)} has no audio to work on."


def no_sung_words(track_id: str, op: str) -> str:
    return f"Track {echo(track_id)} has no sung words (an instrumental?): nothing for /{op}."


PRODUCER_FORMATS = (
    "Tracks made with /producer (or kept with /upload) download as mp3 or wav, not m4a."
)
FULLSONG_NEEDS_EXTENSION = (
    "/fullsong joins an extension to its original: pick a track made by /extend."
)


def unknown_voice(name: str) -> str:
    return f"You have no voice called {echo(name)!r}; make one with /voice and an audio file."


def vendor_silent(detail: str) -> str:
    return f"The music service did not say: {detail}"


def unknown_moderator_action(action: str) -> str:
    return f"There is no moderator action called {echo(action)}."


# What each part of a replace-section or upload-extend result is, after the song's title.
SEGMENTS = {"replaced": "the new section", "extended": "the extension", "full": "the full song"}


def segment_title(title: str, segment: str) -> str:
    return f"{title} — {SEGMENTS[segment]}" if segment in SEGMENTS else title


def span_out_of_order(start: float, end: float) -> str:
    return f"end ({end:g} s) must come after start ({start:g} s)."


def member_not_seen(who: str) -> str:
    return (
        f"{echo(who)} has not used Chorus here yet, so there is nothing to show. (A grant, limit "
        "or ban still works on them: it opens their account.)"
    )


def refused(why: str) -> str:
    """A refusal as the member reads it, whichever part of Chorus refused."""
    return f"✋ {why}"


def something_went_wrong() -> str:
    return "Something went wrong on Chorus's side; nothing was charged. Please try again."


def button_failed() -> str:
    return "That did not work; please try again in a moment."


# --- account commands and /help ------------------------------------------------------------------

HELP_CREDITS = "your credits"
HELP_CREDITS_ALIASED = "your credits (also /credits)"
HELP_HISTORY = "your recent tracks"
HELP_HISTORY_KEPT = (
    "your recent tracks and any result kept for you (also /history; page=1 for older)"
)
HELP_LIST = "this list"
HELP_AS = "/as <member> <command>: run one command as another member, never a moderator"
HELP_MOD = "moderators: grant, revoke, limits, ban, unban, show, audit, settings"
HELP_MOD_CREDITS = "moderators: grant, revoke, limits, ban, unban, show, audit, settings, credits"

# Telegram's command menu (set with setMyCommands) starts each description with a capital.
MENU_CREDITS = "Your credits"
MENU_HISTORY = "Your recent tracks"
MENU_HELP = "What Chorus can do"
MENU_MOD = "Moderators: grant, revoke, limits, ban, unban, show, audit, settings"


def help_command(name: str, text: str) -> str:
    return f"/{name} — {text}"


def track_line(track_id: str, title: str, seconds: float) -> str:
    """One of the member's tracks in a plain-text /mysongs."""
    return f"{track_id}  {title}  ({seconds:.0f}s)"


def no_tracks_yet() -> str:
    return "No tracks yet."


def no_tracks_try_song() -> str:
    return "No tracks yet: try /song."


def no_more_tracks() -> str:
    return "No more tracks."


def music_service_credits(credits_left: int, extra: int) -> str:
    return f"The music-service account has {credits_left} credits ({extra} extra)."


# --- starting a job ------------------------------------------------------------------------------


def on_its_way(op: str, job: str, price: int, available_after: int) -> str:
    """A command accepted on Discord; ``job`` is the job's id as the platform shows it."""
    return (
        f"🎵 /{op} is on its way (job {job}): {credits(price)} reserved, "
        f"{credits(available_after)} left. Progress and results will appear in this channel."
    )


def button_started_on(op: str, track: str, price: int) -> str:
    """A button's job accepted; ``track`` is the track's id as the platform shows it."""
    return f"🎵 /{op} started on {track}: {credits(price)} reserved."


def button_started(op: str, price: int) -> str:
    return f"/{op} started: {credits(price)} reserved."


def job_accepted(job_id: str, price: int, available_after: int) -> str:
    """A command accepted in the console."""
    return f"→ job {job_id}: {credits(price)} reserved, {available_after} left."


def waiting_for_a_slot(why: str) -> str:
    """The console's script mode waits out a "too many jobs" refusal instead of failing."""
    return f"… {why} Waiting for one to finish."


def waiting_for_job(job_id: str, op: str) -> str:
    return f"Waiting for job {job_id} (/{op}), left from a previous run."


def gave_up_waiting() -> str:
    return "Gave up waiting for the remaining jobs."


# --- buttons and forms ---------------------------------------------------------------------------


def button_track_gone() -> str:
    return "That button no longer works: its track is gone."


def button_lyrics_gone() -> str:
    return "That button no longer works: its lyrics are gone."


def button_gone() -> str:
    return "That button no longer works."


def buttons_for_owner() -> str:
    return "Only the member who made this track, or a moderator, can use its buttons."


def buttons_for_owner_or_admin() -> str:
    return "Only the member who made this track, or a chat admin, can use its buttons."


def buttons_too_old() -> str:
    return "That message is too old for its buttons."


def buttons_too_old_reply() -> str:
    return "That message is too old for its buttons; reply to the result with a command."


def form_expired() -> str:
    return "That form has expired. Please run the command again; nothing was charged."


def no_audio_in_message() -> str:
    return (
        "That message has no audio file. Use this on a message that carries one "
        "(MP3, WAV, OGG, M4A or FLAC), or on a Chorus result."
    )


# --- composing step by step (Telegram) -----------------------------------------------------------


def compose_ask_title(chosen_title: str | None) -> str:
    """The first question of /compose; ``chosen_title`` names the lyrics result it starts from."""
    if chosen_title is None:
        return "🎼 Let's write a song. What is its title? (/cancel to stop)"
    return f"🎼 A song from “{chosen_title}”. What is its title? (/cancel to stop)"


def compose_ask_title_for(member: str, chosen_title: str) -> str:
    """/compose started from a button, in a group: ``member`` is the mention of who pressed it."""
    return (
        f"🎼 {member}, a song from “{chosen_title}”. What is its title? "
        "(reply here; /cancel to stop)"
    )


COMPOSE_TITLE_PLACEHOLDER = "a title"


def compose_title_too_long(limit: int) -> str:
    return f"That title is too long: at most {limit} characters. Try again."


COMPOSE_ASK_TAGS = "Style tags, e.g. “dream pop, female vocals”? (/skip for none)"
COMPOSE_TAGS_PLACEHOLDER = "dream pop, female vocals"
COMPOSE_ASK_LYRICS = "Now the lyrics ([Verse], [Chorus] tags welcome):"
COMPOSE_ASK_LYRICS_OR_KEEP = "Now the lyrics: /skip to sing the ones you chose, or send new ones."
COMPOSE_NO_LYRICS_TO_KEEP = "There are no lyrics to keep: send the lyrics, please."
COMPOSE_CANCELLED = "Cancelled; nothing was charged."
COMPOSE_TIMED_OUT = "The song you were composing timed out; nothing was charged."


# --- members' audio on a platform ----------------------------------------------------------------


def give_audio_on_telegram(op: str, bot: str, *, results: bool) -> str:
    """How to give /op its audio where a bot in a group sees only commands addressed to it;
    ``results`` when one of the bot's own results will do too."""
    if results:
        return (
            f"/{op} works on audio: reply to the audio message (or one of my results) with "
            f"/{op}@{bot}, or send the audio with /{op} as its caption."
        )
    return (
        f"/{op} works on audio: reply to the audio message with /{op}@{bot}, "
        f"or send the audio with /{op} as its caption."
    )


def too_big_to_download(size: int, limit: int) -> str:
    return (
        f"That file is {megabytes(size)}; Telegram lets bots download files up to "
        f"{megabytes(limit)}. Send a shorter or smaller file."
    )


# --- moderators' commands in text ----------------------------------------------------------------

MOD_USAGE_TELEGRAM = (
    "Usage: /mod grant|revoke|limits|ban|unban|show|audit|credits (reply to a member)."
)
MOD_USAGE_CONSOLE = "Usage: /mod grant|revoke|limits|ban|unban|show|audit|settings|credits ..."


def mod_needs_member_reply(action: str) -> str:
    return f"/mod {action}: reply to the member's message, or give their numeric id."


def mod_needs_member(action: str) -> str:
    return f"/mod {action} needs a member."


def mod_amount_usage_reply(action: str) -> str:
    return f"Usage: /mod {action} <credits> [reason], replying to the member."


def mod_amount_usage(action: str) -> str:
    return f"Usage: /mod {action} <member> <credits> [reason]"


def no_mod_action(action: str) -> str:
    return f"There is no /mod {action}."


def member_by_id(user_id: str) -> str:
    """A member named by their platform id, where the core has no better name for them."""
    return f"Member {user_id}"


def already_banned(who: str) -> str:
    return f"{who} is already banned."


def not_banned(who: str) -> str:
    return f"{who} is not banned."


def cannot_ban_yourself() -> str:
    return "You cannot ban yourself."


def nothing_to_change() -> str:
    return "Nothing to change: name at least one setting."


def reason_too_long(limit: int) -> str:
    return f"The reason is too long ({limit} characters at most)."


def grant_out_of_range(most: int) -> str:
    return f"A grant must be a whole number from 1 to {most:,}."


def revocation_out_of_range(most: int) -> str:
    return f"A revocation must be a whole number from 1 to {most:,}."


def audit_page_out_of_range() -> str:
    return "A page holds 1 to 100 entries."


def invalid_value(name: str, problem: str) -> str:
    """A value the settings or a command's options refuse; ``problem`` is the validator's."""
    return f"{name}: {problem}."


# --- a command's options -------------------------------------------------------------------------


def no_such_option(op: str, name: str) -> str:
    return f"/{op} has no option called {echo(name)}."


def too_long(name: str, limit: object) -> str:
    return f"{name} is too long: at most {limit} characters."


def cannot_be_empty(name: str) -> str:
    return f"{name} cannot be empty."


def one_of(name: str, expected: object) -> str:
    return f"{name} must be one of {expected}."


# --- the console's "last" ------------------------------------------------------------------------


def no_earlier_result() -> str:
    return "There is no earlier result for 'last' to name yet."


def last_did_not_succeed(job_id: str) -> str:
    return f"'last' names job {job_id}, which did not succeed."


def last_out_of_range(word: str, wanted: int, op: str, job_id: str, made: int, lyrics: bool) -> str:
    """``word`` asked for result ``wanted`` (from 1) of a job that made ``made`` results, which
    are sets of lyrics when ``lyrics``."""
    if made == 0 and lyrics:
        return (
            f"'{word}' needs result {wanted} of the previous command (/{op}, job {job_id}), "
            "which made no sets of lyrics."
        )
    if made == 0:
        return (
            f"'{word}' needs result {wanted} of the previous command (/{op}, job {job_id}), "
            "which made no tracks."
        )
    if made == 1 and lyrics:
        return (
            f"'{word}' needs result {wanted} of the previous command (/{op}, job {job_id}), "
            "which made 1 set of lyrics."
        )
    if made == 1:
        return (
            f"'{word}' needs result {wanted} of the previous command (/{op}, job {job_id}), "
            "which made 1 track."
        )
    if lyrics:
        return (
            f"'{word}' needs result {wanted} of the previous command (/{op}, job {job_id}), "
            f"which made {made} sets of lyrics."
        )
    return (
        f"'{word}' needs result {wanted} of the previous command (/{op}, job {job_id}), "
        f"which made {made} tracks."
    )


def unreadable_line(problem: str) -> str:
    """A command line the tokenizer could not split; ``problem`` is its reason."""
    return f"Could not read that line: {problem}."


COMMANDS_START_WITH_SLASH = (
    "Commands start with a slash, e.g. /song a lo-fi beat about rain. Try /help."
)


def unknown_setting(name: str, settings: list[str]) -> str:
    """A ``/mod limits`` or ``/mod settings`` option that is no setting (``reason=`` included:
    a reason is plain words, not an option)."""
    listed = ", ".join(f"{setting}=" for setting in settings)
    return f"{name}= is not a setting; the settings are: {listed}."


def option_given_twice(name: str) -> str:
    return f"{name}= is given twice; give each setting once."


def unknown_option(op: str, name: str, options: list[str]) -> str:
    if not options:
        return f"/{op} has no option {name!r}; its options are: none."
    listed = ", ".join(f"{option}=" for option in options)
    return f"/{op} has no option {name!r}; its options are: {listed}."


def takes_no_text(op: str, options: list[str]) -> str:
    if not options:
        return f"/{op} takes no text; options are: none."
    return f"/{op} takes no text; options are: {', '.join(options)}."


AS_USAGE = (
    "Usage: /as <member> /<command> ..., e.g. /as bob /song a lo-fi beat "
    "(member names are letters, digits, '.', '_' or '-', at most 32)."
)


# --- results -------------------------------------------------------------------------------------


def voice_ready(name: str) -> str:
    return f"Your voice “{name}” is ready"


VOICE_DEFAULT_NAME = "my voice"


def video_of(title: str | None) -> str:
    return f"Video of {title}"


def midi_of(title: str | None) -> str:
    return f"MIDI of {title}"


def midi_notes(notes: int, instruments: list[str]) -> str:
    """What a MIDI file holds: its notes, and its instruments by name."""
    names, count = ", ".join(instruments), len(instruments)
    if notes == 1 and count == 1:
        return f"1 note across 1 instrument: {names}"
    if notes == 1:
        return f"1 note across {count} instruments: {names}"
    if count == 1:
        return f"{notes} notes across 1 instrument: {names}"
    return f"{notes} notes across {count} instruments: {names}"


def tempo_of(title: str | None) -> str:
    return f"Tempo of {title}"


def tempo(average: float, low: float, high: float) -> str:
    if low == high:
        return f"{average:g} BPM"
    return f"{average:g} BPM (from {low:g} to {high:g})"


def vocals_of(title: str | None) -> str:
    return f"Vocals of {title}"


def vocals_isolated(start: float, end: float, segment: str) -> str:
    return f"Isolated the vocals from {start:g}s to {end:g}s (segment {segment})."


def lyrics_about(description: str) -> str:
    return f"Lyrics: {description}"


UNTITLED = "Untitled"


def timeline_of(title: str | None) -> str:
    return f"Lyrics timeline of {title}"


RICHER_TAGS = "Richer style tags"

# How a result shows on a platform: its parts' names, and a link for audio too big to attach.
RESULT_AUDIO = "Audio"
RESULT_TEXT = "Result"
RESULT_LYRICS = "Lyrics"
LISTEN = "Listen"


def listen_too_big(link: str) -> str:
    """Discord: ``link`` is the platform's markup for the word "Listen" pointing at the audio."""
    return f"{link} (too big to attach here)"


def listen_too_big_short(link: str) -> str:
    return f"{link} (too big to attach)"


def result_style(tags: str) -> str:
    return f"style: {tags}"


def result_saved(path: str) -> str:
    return f"saved {path}"


def result_too_big_to_save(link: str) -> str:
    return f"too big to save here, listen at {link}"


def result_next(commands: list[str]) -> str:
    return "next: " + "  ".join(commands)


CONSOLE_BANNER = """Chorus console. Try:
  /song a lo-fi beat about rain
  /cover <track id> as a jazz ballad      /cover ./my.mp3 as a rock anthem
  /stems <track id>    /balance    /history    /help    /quit
  /extend last          (last = the previous command's track; last.2, last.lyrics)
  /as bob /song ...     (run a command as another member, not a moderator)"""
RESULTS_HEADER = "track   title                                    length  file"


# --- Discord's commands, options, menus and forms (what its command picker shows) ---------------

# A right-click on a message carrying audio: the names of the menu's entries.
MENU_COVER = "Cover with Chorus"
MENU_EXTEND = "Extend with Chorus"
MENU_VOCALS = "Add vocals"
MENU_INSTRUMENTAL = "Add instrumental"
MENU_SAMPLE = "Use as sample"
DESCRIBE_CREDITS = "Your credits here"
DESCRIBE_MYSONGS = "Your recent tracks, newest first"
DESCRIBE_PAGE = "Which page of ten"
DESCRIBE_HELP = "What Chorus can do, and what it costs here"
HELP_FOOTER = "Right-click a message with audio → Apps for more."
DESCRIBE_TRACK = "One of your tracks (start typing its title or ID)"
DESCRIBE_OTHER = "The second track"
DESCRIBE_AUDIO = "Your audio file (MP3, WAV, OGG, M4A or FLAC)"
DESCRIBE_LYRICS_OR_FORM = "The words to sing (leave out to write them in a form)"

DESCRIBE_MOD = "Moderators: credits, limits, bans and settings"
DESCRIBE_MOD_GRANT = "Give a member credits"
DESCRIBE_MOD_REVOKE = "Take back credits a member has not spent"
DESCRIBE_MOD_LIMITS = "Set a member's own limits (leave out what stays)"
DESCRIBE_MOD_BAN = "Stop a member from using Chorus here"
DESCRIBE_MOD_UNBAN = "Let a banned member use Chorus again"
DESCRIBE_MOD_SHOW = "A member's credits, limits and spending today"
DESCRIBE_MOD_AUDIT = "Who changed what, newest first"
DESCRIBE_MOD_SETTINGS = "Server-wide settings (leave everything out to see them)"
DESCRIBE_MOD_CREDITS = "Credits left on the music-service account"
DESCRIBE_MEMBER = "Who"
DESCRIBE_AMOUNT = "How many credits"
DESCRIBE_REASON = "Why (audited)"
DESCRIBE_AUDIT_MEMBER = "Only changes to this member"
DESCRIBE_MEMBER_ALLOWANCE = (
    "Credits a day, spent before their own; unspent ones lapse at midnight UTC"
)
DESCRIBE_MEMBER_SPEND_CAP = "Most credits spent in a day"
DESCRIBE_MEMBER_CONCURRENT = "Jobs at once"
DESCRIBE_MEMBER_COOLDOWN = "Seconds between commands"
DESCRIBE_STARTING_CREDITS = "Credits a new member starts with"
DESCRIBE_ALLOWANCE = "Credits a day for each member, spent before their own; resets daily"
DESCRIBE_CONCURRENT = "Jobs at once per member"
DESCRIBE_COOLDOWN = "Seconds between a member's commands"
DESCRIBE_PRICE_MULTIPLIER = "Multiply every price by this"
DESCRIBE_POOL_BUDGET = "Most credits the whole server spends in a day"
DESCRIBE_DISABLED = 'Commands to switch off, comma-separated ("none" to clear)'
DESCRIBE_MODERATOR_ROLE = "A role whose members moderate Chorus (besides Manage Server)"

# Discord's permissions, by the names its settings show them under.
PERMISSION_VIEW_CHANNEL = "View Channel"
PERMISSION_SEND_MESSAGES = "Send Messages"
PERMISSION_SEND_IN_THREADS = "Send Messages in Threads"
PERMISSION_ATTACH_FILES = "Attach Files"
PERMISSION_EMBED_LINKS = "Embed Links"


def cannot_post_here(missing: list[str]) -> str:
    """Discord: the bot lacks the ``missing`` permissions (by name) to post results here."""
    if len(missing) == 1:
        return (
            f"Chorus cannot post results in this channel: it is missing the {missing[0]} "
            "permission. "
            "Ask a moderator to grant it, or use Chorus in another channel. Nothing was charged."
        )
    names = ", ".join(missing[:-1])
    return (
        f"Chorus cannot post results in this channel: it is missing the {names} and "
        f"{missing[-1]} permissions. "
        "Ask a moderator to grant them, or use Chorus in another channel. Nothing was charged."
    )


def more_tracks_discord(page: int) -> str:
    """Where the next page of /mysongs is, written as Discord's command picker takes it."""
    return f"More: /mysongs page:{page}"


# Forms (Discord's modals): their titles, and each field's label and example.
FORM_COMPOSE = "Compose a song"
FORM_VOCALS = "Lyrics for the new vocals"
FORM_REPLACE = "New lyrics for the section"
FORM_SAMPLE = "Describe the song to make"
FIELD_LYRICS = "Lyrics"
FIELD_LYRICS_EXAMPLE = "[Verse]\nYour words here…\n[Chorus]\n…"
FIELD_TAGS = "Style tags"
FIELD_TAGS_EXAMPLE = "dream pop"
FIELD_TITLE = "Title"
FIELD_PROMPT = "What should the song be?"
FIELD_PROMPT_EXAMPLE = "a lo-fi beat about rain"


# --- the catalog: each operation's summary, button and parameters -------------------------------

# What each operation does, for /help, Discord's command picker and Telegram's command menu.
SUMMARY_SONG = "Make a song from a description"
SUMMARY_COMPOSE = "Make a song from your own lyrics"
SUMMARY_LYRICS = "Write two sets of lyrics from a description"
SUMMARY_EXTEND = "Continue a track or your audio"
SUMMARY_COVER = "Make a cover of a track or of your audio"
SUMMARY_FULLSONG = "Join an extension to its original: the full song"
SUMMARY_REMASTER = "Remaster a track (subtle, normal or high)"
SUMMARY_VOCALS = "Sing your lyrics over your instrumental"
SUMMARY_INSTRUMENTAL = "Add a backing band to your vocals"
SUMMARY_REPLACE = "Rewrite a section of a track with new lyrics"
SUMMARY_SAMPLE = "Make a song from a sample or your humming"
SUMMARY_MASHUP = "Blend two tracks into a new song"
SUMMARY_STEMS = "Split a track into vocals and instrumental"
SUMMARY_STEMSFULL = "Split a track into every instrument"
SUMMARY_WAV = "Get a track as a lossless WAV file"
SUMMARY_DOWNLOAD = "Download a track as mp3, m4a or wav"
SUMMARY_VIDEO = "Make a music video (MP4) of a track"
SUMMARY_UPLOAD = "Keep your audio as a track (for a video or a download)"
SUMMARY_MIDI = "Get a track's notes as a MIDI file"
SUMMARY_BPM = "Measure a track's tempo"
SUMMARY_VOX = "Isolate a track's vocals (up to 30 s)"
SUMMARY_TIMELINE = "Get a track's lyrics timed as an .lrc file"
SUMMARY_TAGS = "Expand style tags into a richer description"
SUMMARY_VOICE = "Make a singing voice from your audio (over 10 s)"
SUMMARY_PERSONA = "Make a song sung in one of your voices"
SUMMARY_PRODUCER = "Make a song with the Producer model"

# The button that offers each operation on a result.
BUTTON_SONG = "Song"
BUTTON_COMPOSE = "Use these lyrics"
BUTTON_LYRICS = "Lyrics"
BUTTON_EXTEND = "Extend"
BUTTON_COVER = "Cover"
BUTTON_FULLSONG = "Full song"
BUTTON_REMASTER = "Remaster"
BUTTON_VOCALS = "Vocals"
BUTTON_INSTRUMENTAL = "Instrumental"
BUTTON_REPLACE = "Replace"
BUTTON_SAMPLE = "Sample"
BUTTON_MASHUP = "Mashup"
BUTTON_STEMS = "Stems"
BUTTON_STEMSFULL = "Stemsfull"
BUTTON_WAV = "WAV"
BUTTON_DOWNLOAD = "Download"
BUTTON_VIDEO = "Video"
BUTTON_UPLOAD = "Upload"
BUTTON_MIDI = "MIDI"
BUTTON_BPM = "BPM"
BUTTON_VOX = "Vox"
BUTTON_TIMELINE = "Lyrics file"
BUTTON_TAGS = "Tags"
BUTTON_VOICE = "Voice"
BUTTON_PERSONA = "Persona"
BUTTON_PRODUCER = "Producer"

# What each parameter means, in a line: slash-command options and /help read it.
PARAM_PROMPT = "What the music should be, in your words"
PARAM_LYRICS = "The words to sing; [Verse] and [Chorus] tags welcome"
PARAM_TAGS = "Style tags, e.g. dream pop, female vocals"
PARAM_TITLE = "The song's title"
PARAM_MODEL = "The music model (default: the server's)"
PARAM_DURATION = "Length in seconds"
PARAM_VOCAL_GENDER = "Who sings: f or m"
PARAM_START = "From this second"
PARAM_END = "To this second"
PARAM_INSTRUMENTAL = "No vocals"
PARAM_NEGATIVE_TAGS = "Styles to stay away from"
PARAM_STYLE_WEIGHT = "How closely to follow the style tags, 0 to 1"
PARAM_WEIRDNESS = "How adventurous, 0 to 1"
PARAM_DESCRIPTION = "What the lyrics should be about"
PARAM_WRITER = "Who writes: sonic (two sets) or producer (one)"
PARAM_FORMAT = "mp3, m4a or wav"
PARAM_AT = "Continue from this second (default: the end)"
PARAM_STRENGTH = "How much to change"
PARAM_VOICE = "One of your voices, by name"


def missing_parameter(op: str, name: str) -> str:
    """A command given without ``name``, which it needs, with what that is: one whole sentence
    per parameter, the meaning written to sit inside it (never cut from :data:`PARAM_PROMPT`)."""
    match name:
        case "prompt":
            return f"/{op} needs prompt (what the music should be, in your words)."
        case "lyrics":
            return f"/{op} needs lyrics (the words to sing; [Verse] and [Chorus] tags welcome)."
        case "tags":
            return f"/{op} needs tags (style tags, e.g. dream pop, female vocals)."
        case "title":
            return f"/{op} needs title (the song's title)."
        case "model":
            return f"/{op} needs model (the music model (default: the server's))."
        case "duration":
            return f"/{op} needs duration (length in seconds)."
        case "vocal_gender":
            return f"/{op} needs vocal_gender (who sings: f or m)."
        case "start":
            return f"/{op} needs start (from this second)."
        case "end":
            return f"/{op} needs end (to this second)."
        case "instrumental":
            return f"/{op} needs instrumental (no vocals)."
        case "negative_tags":
            return f"/{op} needs negative_tags (styles to stay away from)."
        case "style_weight":
            return f"/{op} needs style_weight (how closely to follow the style tags, 0 to 1)."
        case "weirdness":
            return f"/{op} needs weirdness (how adventurous, 0 to 1)."
        case "description":
            return f"/{op} needs description (what the lyrics should be about)."
        case "writer":
            return f"/{op} needs writer (who writes: sonic (two sets) or producer (one))."
        case "format":
            return f"/{op} needs format (mp3, m4a or wav)."
        case "at":
            return f"/{op} needs at (continue from this second (default: the end))."
        case "strength":
            return f"/{op} needs strength (how much to change)."
        case "voice":
            return f"/{op} needs voice (one of your voices, by name)."
    return f"/{op} needs {name}."


# What an operation works on, each sentence whole for each kind of input (the catalog's
# ``Needs``: nothing, track, two_tracks, audio, upload, track_or_audio).


def help_operation(op: str, need: str, summary: str, price: int) -> str:
    """One operation in /help: what it works on (if anything), what it does, what it costs."""
    match need:
        case "track":
            return f"/{op} [a track] — {summary} ({credits(price)})"
        case "two_tracks":
            return f"/{op} [two tracks] — {summary} ({credits(price)})"
        case "audio":
            return f"/{op} [an audio file] — {summary} ({credits(price)})"
        case "upload":
            return f"/{op} [your own audio file] — {summary} ({credits(price)})"
        case "track_or_audio":
            return f"/{op} [a track or an audio file] — {summary} ({credits(price)})"
    return f"/{op} — {summary} ({credits(price)})"


def not_on_audio(op: str, need: str) -> str:
    """Audio given to an operation that takes none (it works on tracks, or on nothing)."""
    match need:
        case "track":
            return f"/{op} works on a track, not on an audio file."
        case "two_tracks":
            return f"/{op} works on two tracks, not on an audio file."
    return f"/{op} works on nothing, not on an audio file."


def needs_audio(op: str) -> str:
    return f"/{op} needs an audio file: attach one or reply to one."


def needs_upload(op: str) -> str:
    return (
        f"/{op} needs your own audio file: attach one or reply to one. It cannot use a track "
        "Chorus made: the music service adds to uploaded audio only."
    )


def needs_track_or_audio(op: str) -> str:
    return f"/{op} needs a track or an audio file: give a track id, attach audio, or reply to one."


def needs_tracks(op: str, need: str) -> str:
    """The wrong number of tracks for an operation that works on tracks."""
    match need:
        case "two_tracks":
            return f"/{op} needs two tracks; /history lists yours."
        case "track_or_audio":
            return f"/{op} needs a track or an audio file; /history lists yours."
    return f"/{op} needs a track; /history lists yours."


def not_a_track_id(op: str, need: str, word: str) -> str:
    """``word`` stands where an operation that works on tracks wants a track id."""
    match need:
        case "two_tracks":
            return (
                f"/{op} needs two tracks: {word!r} is not a track id "
                "(they look like 1a2b3c; /history lists yours)."
            )
        case "track_or_audio":
            return (
                f"/{op} needs a track or an audio file: {word!r} is not a track id "
                "(they look like 1a2b3c; /history lists yours)."
            )
    return (
        f"/{op} needs a track: {word!r} is not a track id "
        "(they look like 1a2b3c; /history lists yours)."
    )


def file_of(fmt: str, title: str | None) -> str:
    """A track's file in another format (``fmt`` as the catalog spells it: mp3, m4a or wav)."""
    match fmt:
        case "mp3":
            return f"MP3 of {title}"
        case "m4a":
            return f"M4A of {title}"
    return f"WAV of {title}"


# A file named after a track that has no title.
TRACK_FILE_NAME = "track"
WAV_STILL_PREPARING = "The WAV file is still being prepared; please try again in a minute."
FILE_STILL_PREPARING = "The file is still being prepared; please try again in a minute."

# Why credits moved, as a member's journal keeps it (stored as written, shown by /mod show).
JOURNAL_STARTING_CREDITS = "starting credits"
JOURNAL_UNCONFIRMED = "job unconfirmed"
JOURNAL_EXPIRED = "expired"
# A moderator's action given without a reason, as the audit log keeps it.
NO_REASON_GIVEN = "no reason given"


# --- the moderators' web panel (``/mod panel``) ----------------------------------------------
DESCRIBE_MOD_PANEL = "A private link to the moderators' web panel (valid 10 minutes, once)"


def panel_link(url: str, minutes: int) -> str:
    """The one-time sign-in link, shown only to the moderator who asked for it."""
    return (
        f"Your link to the moderators' panel (works once, for {minutes} minutes; "
        f"do not share it): {url}"
    )


def panel_link_sent_privately() -> str:
    return "I sent you the link to the moderators' panel in a private message."


def panel_needs_private_chat() -> str:
    return (
        "I cannot message you privately yet: open a private chat with me, press Start, "
        "then ask for /mod panel again."
    )


def unknown_job(job_id: str) -> str:
    return f"There is no job {echo(job_id)} in this community."


def nothing_to_repost(job_id: str) -> str:
    return f"Job {echo(job_id)} has no undelivered result to post again."


def whole_number_needed(name: str) -> str:
    """A panel form's field that must be a whole number (credits, limits) but was not."""
    return f"{echo(name)} must be a whole number."


def number_needed(name: str) -> str:
    return f"{echo(name)} must be a number, such as 1.5."
