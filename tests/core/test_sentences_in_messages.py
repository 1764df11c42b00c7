"""Every sentence a member reads comes from :mod:`bot.messages`, so a translation catalog can
cover them all: an adapter or a core module that writes a sentence inline fails here.

The check reads the source of ``adapters/`` and ``bot/`` (all but ``bot/messages.py`` itself and
:data:`OPERATOR_MODULES`; no import, no platform) and looks at string literals, and the literal
parts of f-strings, in two places:

* anywhere, a literal holding prose: two words of two or more letters with a space (or a
  comma, colon or semicolon) between them, as in ``"No tracks yet."``;
* in a keyword argument a platform shows to members (``label=``, ``description=``, ``text=``,
  ``placeholder=``…), and in the descriptions given to ``describe(...)``, any literal that
  is not identifier-like, which catches one-word labels such as ``"Lyrics"``.

A literal is not member-facing when it is a docstring, an operand of a comparison (text matched
against input, never shown), SQL (it holds an upper-case SQL keyword such as ``SELECT`` or
``WHERE``), an assertion's message, the text of a raised exception other than a member's refusal
(:data:`REFUSALS` and their subclasses: those texts are shown, so they come from messages too),
or an argument of a call whose reader is an operator or another program: the log, an operator's
exception, a web response to the platform's or the vendor's servers, a metric's help, a prompt
sent to the music service, or a warnings filter. Only :data:`ALLOWED` below is exempt beyond
those rules, each entry explained.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from bot import messages
from bot.catalog import OPERATIONS, Needs, meaning_of

ROOT = Path(__file__).resolve().parents[2]
ADAPTERS = ROOT / "adapters"
CORE = ROOT / "bot"
# Core modules no member reads: the operator's command line (its help, its start-up lines), and
# the catalogs' tool (`make i18n`: what it says is for translators and operators).
OPERATOR_MODULES = frozenset({"bot/cli.py", "bot/catalogs.py"})
PROSE = re.compile(r"[A-Za-z]{2,}[ ,;:]+[A-Za-z]{2,}")
IDENTIFIER_LIKE = re.compile(r"[a-z0-9_.:/@#-]*")
SHOWN_KEYWORDS = frozenset(
    {
        "caption",
        "content",
        "description",
        "input_field_placeholder",
        "label",
        "name",
        "placeholder",
        "text",
        "title",
        "value",
    }
)
# Callees whose every keyword argument is text a member reads (discord.py's option descriptions).
DESCRIBING = frozenset({"describe"})
# Callees whose arguments an operator or another program reads, never a member.
NOT_FOR_MEMBERS = frozenset(
    {
        "debug",
        "info",
        "warning",
        "error",
        "exception",
        "critical",  # the log
        "ConfigError",
        "PlatformError",
        "StoreError",  # operators' exceptions, reported at start-up or in the log
        "Response",  # aiohttp's web.Response: the body Telegram's servers get for a webhook
        "filterwarnings",
        "ValueError",  # a setting that cannot work, said at start-up (members get Refused)
        "compile",  # a pattern matched against what a platform answers
        "_hang_up",  # bot.web: the status line a vendor's webhook call gets
        "Counter",
        "Gauge",
        "Histogram",  # a Prometheus metric's help, read on the operator's dashboards
        "_sonic",
        "_words",  # bot.catalog: a prompt the music service reads when the member gave none
    }
)
# Exceptions whose text a member reads (the service shows a refusal as it is); every other raised
# exception is for operators. Subclasses, wherever they are declared, count too.
REFUSALS = frozenset(
    {"Refused", "LedgerRefusal", "ModerationRefused", "MediaRefused", "CommandError"}
)
SQL = re.compile(
    r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|PRAGMA|BEGIN|SAVEPOINT|ROLLBACK|RELEASE|"
    r"WHERE|AND|IN|ORDER BY|JOIN|LIMIT)\b"
)
# (file, literal): member-facing text that is not a sentence to translate.
ALLOWED = {
    # The /help embed's title is the product's name, the same in every language.
    ("discord/adapter.py", "Chorus"),
    # A result's footer carries its track id, and a right-click on the result reads the id back
    # from it (``track_in``), on results posted long ago too: a marker, never translated.
    ("discord/render.py", "ID: "),
    # A time's CLDR pattern (hours and minutes, 24-hour) given to Babel, not words.
    ("bot/i18n.py", "HH:mm"),
    # The gettext context of the names typed in Discord's command picker: a catalog key.
    ("bot/i18n.py", "command name"),
}
MARKUP = re.compile(r"<[^>]*>")  # HTML tags (Telegram's captions) are layout, not words


def callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def text_of(node: ast.AST) -> str | None:
    """The literal text of a string constant or of an f-string's fixed parts."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value
            for part in node.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
    return None


def refusals(sources: list[str]) -> frozenset[str]:
    """:data:`REFUSALS` and every class deriving from one of them in ``sources``."""
    bases = {
        node.name: {callee_name(base) for base in node.bases}
        for source in sources
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ClassDef)
    }
    found = set(REFUSALS)
    while grown := {name for name, of in bases.items() if of & found} - found:
        found |= grown
    return frozenset(found)


def callee_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def exempt_nodes(tree: ast.AST, shown: frozenset[str] = REFUSALS) -> set[int]:
    """Ids of every node below a docstring, a comparison, an assertion's message, an operator's
    exception (any raised class not in ``shown``) or an operator-facing call."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and text_of(body[0].value) is not None:
                roots.append(body[0])
        elif isinstance(node, ast.Compare) or (
            isinstance(node, ast.Call) and callee(node) in NOT_FOR_MEMBERS
        ):
            roots.append(node)
        elif isinstance(node, ast.Assert) and node.msg is not None:
            roots.append(node.msg)
        elif isinstance(node, ast.Raise) and node.exc is not None:
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if callee_name(raised) not in shown:
                roots.append(node.exc)
    exempt = {id(inner) for root in roots for inner in ast.walk(root)}
    # An f-string is judged whole: its fixed parts are not literals of their own.
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr | ast.FormattedValue):
            exempt |= {id(part) for part in ast.iter_child_nodes(node) if text_of(part) is not None}
    return exempt


def shown_literals(tree: ast.AST) -> Iterator[ast.AST]:
    """Literals in a keyword argument a platform shows (see the module's docstring)."""
    for call in (node for node in ast.walk(tree) if isinstance(node, ast.Call)):
        describing = callee(call) in DESCRIBING
        for keyword in call.keywords:
            if describing or keyword.arg in SHOWN_KEYWORDS:
                yield from (node for node in ast.walk(keyword.value) if text_of(node) is not None)


def inline_sentences(
    source: str, name: str, shown: frozenset[str] = REFUSALS
) -> list[tuple[int, str]]:
    """(line, text) of each member-facing literal in one module, ``name`` being its path under
    ``adapters/`` or from the project's root (``bot/...``); ``shown``: the refusal classes."""
    tree = ast.parse(source, filename=name)
    exempt = exempt_nodes(tree, shown)
    found: dict[int, tuple[int, str]] = {}
    for node in ast.walk(tree):
        text = text_of(node)
        if text is None or id(node) in exempt or SQL.search(text):
            continue
        if PROSE.search(MARKUP.sub("", text)):
            found[id(node)] = (getattr(node, "lineno", 0), text)
    for node in shown_literals(tree):
        text = text_of(node) or ""
        worded = re.search("[A-Za-z]", text) and not IDENTIFIER_LIKE.fullmatch(text)
        if id(node) not in exempt and worded and not SQL.search(text):
            found[id(node)] = (getattr(node, "lineno", 0), text)
    return sorted(hit for hit in found.values() if (name, hit[1]) not in ALLOWED)


def test_adapters_take_every_sentence_from_messages() -> None:
    modules = sorted(ADAPTERS.rglob("*.py"))
    assert len(modules) >= 10  # the scan sees the adapter packages
    inline = {
        f"{path.relative_to(ADAPTERS)}:{line}": text
        for path in modules
        for line, text in inline_sentences(path.read_text(), path.relative_to(ADAPTERS).as_posix())
    }
    assert inline == {}, "member-facing sentences belong in bot/messages.py"


def test_the_check_finds_an_inline_sentence_and_a_label() -> None:
    """The rules above, on a made-up adapter: what they catch and what they leave alone."""
    source = '''
"""A docstring with several words is not shown."""
log.info("an operator reads this line")
raise ConfigError("DISCORD_TOKEN: the operator fixes this")
if "voice will NOT be supported" in text:
    pass
button = Button(label="Lyrics", custom_id=f"chorus:{op}:{track}")
await message.reply_text(f"That title is too long: at most {limit} characters.")
@describe(member="Who")
def f(): ...
text = messages.no_tracks_yet() if empty else "No more tracks."
'''
    found = [text for _, text in inline_sentences(source, "made_up.py")]
    assert found == [
        "Lyrics",
        "That title is too long: at most  characters.",
        "Who",
        "No more tracks.",
    ]


def test_sentences_with_a_count_agree_with_it() -> None:
    """Sentences once built with a fixed plural ("1 credits", "made 1 tracks") say one."""
    assert messages.button_started("wav", 1) == "/wav started: 1 credit reserved."
    assert messages.button_started("song", 14) == "/song started: 14 credits reserved."
    assert messages.midi_notes(1, ["Piano"]) == "1 note across 1 instrument: Piano"
    assert (
        messages.midi_notes(90, ["Piano", "Bass"]) == "90 notes across 2 instruments: Piano, Bass"
    )
    one = messages.last_out_of_range("last.2", 2, "lyrics", "j1", 1, lyrics=True)
    assert one.endswith("(/lyrics, job j1), which made 1 set of lyrics.")
    assert messages.last_out_of_range("last.3", 3, "song", "j2", 2, lyrics=False).endswith(
        "which made 2 tracks."
    )


def core_modules() -> list[Path]:
    """Every module of ``bot/`` a member's words could come from."""
    return [
        path
        for path in sorted(CORE.rglob("*.py"))
        if path != CORE / "messages.py"
        and path.relative_to(ROOT).as_posix() not in OPERATOR_MODULES
    ]


def test_the_core_takes_every_sentence_from_messages() -> None:
    modules = core_modules() + sorted(ADAPTERS.rglob("*.py"))
    shown = refusals([path.read_text() for path in modules])
    assert {"Busy", "Banned", "NotModerator"} <= shown  # subclasses of the refusals count
    inline = {
        f"{path.relative_to(ROOT)}:{line}": text
        for path in core_modules()
        for line, text in inline_sentences(
            path.read_text(), path.relative_to(ROOT).as_posix(), shown
        )
    }
    assert len(core_modules()) >= 30  # the scan sees the core, its store and its client
    assert inline == {}, "member-facing sentences belong in bot/messages.py"


def test_the_check_tells_a_refusal_from_an_operators_error() -> None:
    """In the core: a refusal's text is shown (so it is caught), an operator's exception, an
    assertion and SQL are not."""
    source = """
class TooLate(Refused):
    pass
raise TooLate("That is too late now.")
raise Refused(f"You cannot do {what} here.")
raise KeyError(f"no hold {hold_id} in the journal")
assert row is not None, "a saved request points at a missing hold"
await conn.execute("SELECT id FROM holds WHERE account_id = ?", (account,))
release(reason="job unconfirmed")
"""
    shown = refusals([source])
    found = [text for _, text in inline_sentences(source, "bot/made_up.py", shown)]
    assert found == ["That is too late now.", "You cannot do  here.", "job unconfirmed"]


def test_a_missing_parameter_is_said_with_its_meaning() -> None:
    """Each operation's missing parameter is one whole sentence that carries the meaning the
    option shows (once cut from the option's help by lowercasing its first letter)."""
    for op in OPERATIONS:
        for name in op.params.model_fields:
            meaning = meaning_of(op.params, name)
            inside = meaning[0].lower() + meaning[1:]
            assert messages.missing_parameter(op.name, name) == (
                f"/{op.name} needs {name} ({inside})."
            )


def test_each_need_has_its_own_sentences() -> None:
    """A sentence about what an operation works on is written whole for each kind of input, so
    a new kind cannot fall through to another's words."""
    helps = {need: messages.help_operation("x", need.value, "Does x", 1) for need in Needs}
    assert len(set(helps.values())) == len(Needs)
    assert helps[Needs.NOTHING] == "/x — Does x (1 credit)"
    assert helps[Needs.UPLOAD] == "/x [your own audio file] — Does x (1 credit)"
    on_tracks = (Needs.TRACK, Needs.TWO_TRACKS, Needs.TRACK_OR_AUDIO)
    assert len({messages.needs_tracks("x", need.value) for need in on_tracks}) == 3
    assert len({messages.not_a_track_id("x", need.value, "w") for need in on_tracks}) == 3
    assert messages.not_on_audio("mashup", "two_tracks") == (
        "/mashup works on two tracks, not on an audio file."
    )


RECASING = frozenset({"capitalize", "casefold", "lower", "replace", "swapcase", "title", "upper"})


def surgery(source: str) -> list[int]:
    """Lines where a sentence from :mod:`bot.messages` is recased or rewritten after the fact
    (``messages.balance(...).replace("You have", "They have")``): a translation could not
    follow it."""
    return sorted(
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in RECASING
        and any(
            isinstance(inner, ast.Name) and inner.id == "messages"
            for inner in ast.walk(node.func.value)
        )
    )


def test_no_sentence_is_rewritten_after_messages_made_it() -> None:
    modules = core_modules() + sorted(ADAPTERS.rglob("*.py"))
    rewritten = {
        f"{path.relative_to(ROOT)}:{line}": line
        for path in modules
        for line in surgery(path.read_text())
    }
    assert rewritten == {}
    made_up = 'who = messages.balance(1, 0, 14).replace("You have", "They have")\nx = a.lower()\n'
    assert surgery(made_up) == [1]


MARKERS = frozenset({"_", "ngettext", "N_", "C_", "pgettext"})
# Words in bot/messages.py that are not said to anyone: the vendor's own error text that
# RECOGNISED matches to pick a sentence (never shown).
VENDOR_WORDS = frozenset({"is invalid"})


def unmarked_sentences(source: str) -> list[int]:
    """Lines of ``bot/messages.py`` holding prose that no gettext marker wraps: a sentence there
    that a translator never sees reaches every member in English."""
    tree = ast.parse(source)
    marked: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and callee(node) in MARKERS:
            marked |= {id(inner) for inner in ast.walk(node)}
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in marked or id(node) in docstrings:
            continue
        text = text_of(node)
        if text and PROSE.search(MARKUP.sub("", text)) and text not in VENDOR_WORDS:
            found.append(node.lineno)
    return sorted(set(found))


def test_every_sentence_in_messages_is_marked_for_translation() -> None:
    assert unmarked_sentences((CORE / "messages.py").read_text()) == []


def test_the_marking_check_finds_an_unmarked_sentence() -> None:
    source = '''
def good(n):
    """Docstrings are for developers."""
    return _("{n} songs are ready.").format(n=n)


def bad(name):
    return f"{name} is not a setting."
'''
    assert unmarked_sentences(source) == [8]
