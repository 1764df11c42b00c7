"""A member's title never becomes a path: file names come from one sanitizer and every write is
checked to stay inside the data folder."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.filenames import MAX_NAME_BYTES, RESERVED, UnsafePath, safe_name, within
from tests.harness import Chorus, chorus

FALLBACK = "1a2b3c"


def assert_safe(name: str) -> None:
    """What every produced name must be, whatever it was made from."""
    assert name and name not in (".", "..")
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith((".", "-"))
    assert len(name.encode()) <= MAX_NAME_BYTES
    assert name.split(".")[0].upper() not in RESERVED
    for char in name:
        assert char in "-_." or unicodedata.category(char)[0] in "LNM", (name, char)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../../../tmp/pwned.lrc", "tmp-pwned.lrc"),
        ("/etc/passwd.wav", "etc-passwd.wav"),
        ("AC/DC tribute.lrc", "AC-DC-tribute.lrc"),
        ("...lrc", f"{FALLBACK}.lrc"),
        ("...mid", f"{FALLBACK}.mid"),
        (".lrc", f"{FALLBACK}.lrc"),
        ("a\x00b.lrc", "a-b.lrc"),
        ("nul\x00.wav", f"{FALLBACK}.wav"),
        ("C:\\Windows\\win.ini.lrc", "C-Windows-win.ini.lrc"),
        ("CON.lrc", f"{FALLBACK}.lrc"),
        ("nul.wav", f"{FALLBACK}.wav"),
        ("com1.song.mid", f"{FALLBACK}.mid"),
        ("LPT¹.wav", f"{FALLBACK}.wav"),
        ("Console.lrc", "Console.lrc"),
        ("🎵🎸.lrc", f"{FALLBACK}.lrc"),
        ("Rain 🌧 song.lrc", "Rain-song.lrc"),
        ("Café Ölmühle.wav", "Café-Ölmühle.wav"),
        ("雨の歌.lrc", "雨の歌.lrc"),
        ("zero\u200bwidth\u202egpj.exe.lrc", "zero-width-gpj.exe.lrc"),
        ("／etc／passwd.lrc", "etc-passwd.lrc"),  # fullwidth solidus folds to "/"
        ("", FALLBACK),
    ],
)
def test_named_hostile_titles_become_safe_names(raw: str, expected: str) -> None:
    name = safe_name(raw, FALLBACK)
    assert name == expected
    assert_safe(name)


def test_a_300_character_title_is_cut_to_the_cap_and_keeps_its_extension() -> None:
    name = safe_name("x" * 300 + ".lrc", FALLBACK)
    assert name.endswith(".lrc") and len(name.encode()) <= MAX_NAME_BYTES
    wide = safe_name("雨" * 300 + ".wav", FALLBACK)  # three bytes a character
    assert wide.endswith(".wav") and len(wide.encode()) <= MAX_NAME_BYTES
    assert set(wide.removesuffix(".wav")) == {"雨"}


def test_an_unsafe_fallback_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="fallback"):
        safe_name("", "../x")


@given(raw=st.text(max_size=400), ext=st.sampled_from(["", ".lrc", ".wav", ".mid", ".mp3"]))
@example(raw="..", ext="")
@example(raw="\x00", ext=".lrc")
@example(raw="CON", ext=".wav")
@example(raw="a" * 300, ext=".lrc")
def test_any_text_becomes_a_safe_idempotent_name_inside_the_folder(raw: str, ext: str) -> None:
    name = safe_name(raw + ext, FALLBACK)
    assert_safe(name)
    assert name.endswith(ext)
    assert safe_name(name, FALLBACK) == name  # a stored name passes through unchanged
    root = Path("/srv/chorus/results")
    assert within(root, "job1", name).parent == root / "job1"


@pytest.mark.parametrize(
    "parts",
    [("..", "x"), ("/etc/passwd",), ("job", "../../x"), ("job", "/tmp/x"), (".",), ("a\x00b",)],
)
def test_a_write_outside_the_folder_is_refused(tmp_path: Path, parts: tuple[str, ...]) -> None:
    with pytest.raises(UnsafePath):
        within(tmp_path / "results", *parts)


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "job").symlink_to(tmp_path)
    with pytest.raises(UnsafePath):
        within(tmp_path / "results", "job", "x.lrc")


async def timeline_of(h: Chorus, title: str) -> list[Path]:
    """Compose a song titled ``title``, then ask for its .lrc; the files it produced."""
    song = await h.run(f'/compose "[Verse]\nHello world, hello rain" "title={title}"')
    assert song is not None and song.state == "succeeded", h.lines[-3:]
    track = (await h.tracks(song))[0]
    assert track.title == title
    lrc = await h.run(f"/timeline {track.id}")
    assert lrc is not None and lrc.state == "succeeded", (lrc, h.lines[-3:])
    return sorted((h.app.settings.data_dir / "results" / lrc.id).iterdir())


async def test_a_hostile_title_writes_only_inside_the_data_folder(tmp_path: Path) -> None:
    escape = "../" * 3 + "pwned"  # data/results/<job>/ is three folders below tmp_path
    absolute = str(tmp_path / "absolute")
    assert len(absolute) <= 80, "the vendor caps titles at 80 characters"
    async with chorus(tmp_path) as h:
        escaped = await timeline_of(h, escape)
        assert [f.name for f in escaped] == ["pwned.lrc"]
        anchored = await timeline_of(h, absolute)
        assert len(anchored) == 1 and anchored[0].name.endswith("-absolute.lrc")
        for made in escaped + anchored:
            assert_safe(made.name)
            assert made.read_text().startswith("[00:")
        saved = [Path(f) for s in h.console.platform.saved for f in s.files]
    assert not (tmp_path / "pwned.lrc").exists()
    assert not (tmp_path / "absolute.lrc").exists()
    lrcs = sorted(tmp_path.rglob("*.lrc"))
    assert lrcs == sorted(escaped + anchored + [p for p in saved if p.suffix == ".lrc"])
    assert all(p.parent == tmp_path / "songs" for p in saved)


async def test_a_title_with_a_slash_gets_its_timeline(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        files = await timeline_of(h, "AC/DC tribute")
        assert [f.name for f in files] == ["AC-DC-tribute.lrc"]
        assert any("♪ Lyrics timeline of AC/DC tribute" in line for line in h.lines)
        assert not any("unavailable" in line for line in h.lines)
