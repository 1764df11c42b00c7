"""Every sentence a member reads comes from :mod:`bot.messages`, so a translation catalog can
cover them all: an adapter that writes a sentence inline fails here.

The check reads the adapters' source (no import, no platform) and looks at string literals, and
the literal parts of f-strings, in two places:

* anywhere, a literal holding prose: two words of two or more letters with a space (or a
  comma, colon or semicolon) between them, as in ``"No tracks yet."``;
* in a keyword argument a platform shows to members (``label=``, ``description=``, ``text=``,
  ``placeholder=``…), and in the descriptions given to ``describe(...)``, any literal that
  is not identifier-like, which catches one-word labels such as ``"Lyrics"``.

A literal is not member-facing when it is a docstring, an operand of a comparison (text matched
against input, never shown), or an argument of a call whose reader is an operator or another
program: the log, an operator's exception, a web response to the platform's servers, or a
warnings filter. Only :data:`ALLOWED` below is exempt beyond those rules, each entry explained.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from bot import messages

ADAPTERS = Path(__file__).resolve().parents[2] / "adapters"
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
        "PlatformError",  # operators' exceptions, reported at start-up or in the log
        "Response",  # aiohttp's web.Response: the body Telegram's servers get for a webhook
        "filterwarnings",
        "ValueError",  # a setting that cannot work, said at start-up (members get Refused)
        "compile",  # a pattern matched against what a platform answers
    }
)
# (file, literal): member-facing text that is not a sentence to translate.
ALLOWED = {
    # The /help embed's title is the product's name, the same in every language.
    ("discord/adapter.py", "Chorus"),
    # A result's footer carries its track id, and a right-click on the result reads the id back
    # from it (``track_in``), on results posted long ago too: a marker, never translated.
    ("discord/render.py", "ID: "),
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


def exempt_nodes(tree: ast.AST) -> set[int]:
    """Ids of every node below a docstring, a comparison or an operator-facing call."""
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


def inline_sentences(source: str, name: str) -> list[tuple[int, str]]:
    """(line, text) of each member-facing literal in one adapter module, ``name`` being its path
    under ``adapters/``."""
    tree = ast.parse(source, filename=name)
    exempt = exempt_nodes(tree)
    found: dict[int, tuple[int, str]] = {}
    for node in ast.walk(tree):
        text = text_of(node)
        if text is not None and id(node) not in exempt and PROSE.search(MARKUP.sub("", text)):
            found[id(node)] = (getattr(node, "lineno", 0), text)
    for node in shown_literals(tree):
        text = text_of(node) or ""
        worded = re.search("[A-Za-z]", text) and not IDENTIFIER_LIKE.fullmatch(text)
        if id(node) not in exempt and worded:
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
